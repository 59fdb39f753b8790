// `secplat check-config`: runs the startup path (parse, validate, resolve secrets and the
// store location), prints every problem, or the effective config with secrets redacted.
// Exit 2 on any problem.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "adapters/notify/routing_config.h"
#include "cmd/subcommands/subcommands.h"
#include "cmd/wiring.h"
#include "config/redact.h"

namespace secplat::cmd {

Subcommand CheckConfigSubcommand() {
  return {"check-config",
          "Validate the configuration (file + environment), print every problem or the "
          "effective config with secrets redacted; exit 2 on any problem",
          [](CLI::App&, const GlobalOptions& global) -> std::function<int()> {
            return [&global]() {
              auto cfg = LoadConfigOrReport(global.config_path);
              if (!cfg) return 2;
              auto path =
                  UsesPostgres(*cfg) ? Result<std::string>(std::string()) : SqlitePath(*cfg);
              if (!path) {
                std::fprintf(stderr, "config: %s\n", path.error().message.c_str());
                std::fprintf(stderr, "config: 1 problem(s); nothing started\n");
                return 2;
              }
              if (!cfg->notifier.routes_file.empty()) {
                // The same parse the notifier runs at start; its problems never carry a secret.
                auto routes = adapters::notify::LoadRoutingFile(cfg->notifier.routes_file);
                if (!routes) {
                  std::fprintf(stderr, "config: notifier.routes_file: %s\n",
                               routes.error().message.c_str());
                  std::fprintf(stderr, "config: routes file refused; nothing started\n");
                  return 2;
                }
              }
              std::fputs(config::DumpEffective(*cfg).c_str(), stdout);
              return 0;
            };
          }};
}

}  // namespace secplat::cmd
