// `secplat api`: serves the HTTP API; the only role that opens the database.
#include <CLI/CLI.hpp>

#include "adapters/system/files.h"
#include "adapters/system/signals.h"
#include "cmd/subcommands/subcommands.h"
#include "cmd/wiring.h"
#include "log/logger.h"

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
              InitLogging(*cfg, "api");
              auto store = OpenStore(*cfg, /*migrate=*/true);
              if (!store) {
                log::Error("cannot open the store", {.action = "api.start",
                                                     .status = "failed",
                                                     .extra = {{"error", store.error().message}}});
                return 1;
              }
              auto queue = OpenQueue(*cfg);
              if (!queue) {
                log::Error("cannot open the job queue",
                           {.action = "api.start",
                            .status = "failed",
                            .extra = {{"error", queue.error().message}}});
                return 1;
              }
              return RunApiServer(*cfg, **store, &*queue, stop.get_token(), [&](int port) {
                if (!ready_file->empty())
                  (void)adapters::system::WriteFileAtomic(*ready_file, std::to_string(port) + "\n",
                                                          0644);
              });
            };
          }};
}

}  // namespace secplat::cmd
