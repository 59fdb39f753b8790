// `secplat api`: serves the HTTP API; the only role that opens the database.
#include <CLI/CLI.hpp>

#include "adapters/system/signals.h"
#include "cmd/subcommands/subcommands.h"
#include "cmd/wiring.h"

namespace secplat::cmd {

Subcommand ApiSubcommand() {
  return {"api", "Serve the HTTP API (applies pending migrations at start)",
          [](CLI::App& app, const GlobalOptions& global) -> std::function<int()> {
            auto ready_file = std::make_shared<std::string>();
            app.add_option("--ready-file", *ready_file,
                           "Write the listening port to this file once serving (for scripts)");
            return [&global, ready_file]() {
              std::stop_source& stop = adapters::system::InstallStopSignals();
              auto cfg = LoadConfigOrReport(global.config_path);
              if (!cfg) return 2;
              return ServeApiRole(*cfg, "api", *ready_file, stop.get_token());
            };
          }};
}

}  // namespace secplat::cmd
