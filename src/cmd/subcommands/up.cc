// `secplat up`: every role in one process on embedded defaults (SQLite file in the data dir).
// On an empty store it issues a first admin token, writes it to <data_dir>/admin.token (0600)
// and shows it once on the terminal — never in the log stream.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "adapters/system/files.h"
#include "adapters/system/signals.h"
#include "adapters/system/system_clock.h"
#include "cmd/subcommands/subcommands.h"
#include "cmd/wiring.h"
#include "log/logger.h"
#include "services/api/api_service.h"

namespace secplat::cmd {
namespace {

// Issues the first admin token when no active admin exists. Returns false on failure.
bool BootstrapAdmin(const config::Config& cfg, ports::store::Store& store) {
  auto admins = store.CountActiveAdmins();
  if (!admins) {
    log::Error("cannot count admin tokens", {.action = "up.bootstrap",
                                             .status = "failed",
                                             .extra = {{"error", admins.error().message}}});
    return false;
  }
  if (*admins > 0) return true;
  adapters::system::SystemClock clock;
  services::api::ApiService service(store);
  core::model::Actor cli{"", "secplat up (bootstrap)", core::model::Role::kAdmin};
  auto issued = service.IssueToken("bootstrap-admin", core::model::Role::kAdmin,
                                   {cli, "bootstrap", clock.Now()});
  if (!issued) {
    log::Error("cannot create the first admin token",
               {.action = "up.bootstrap",
                .status = "failed",
                .extra = {{"error", issued.error().message}}});
    return false;
  }
  std::string path = cfg.storage.data_dir + "/admin.token";
  auto written = adapters::system::WriteFileAtomic(path, issued->plaintext + "\n", 0600);
  if (!written) {
    log::Error("cannot write the admin token file",
               {.action = "up.bootstrap",
                .status = "failed",
                .extra = {{"error", written.error().message}}});
    return false;
  }
  log::Info("first admin token created and written to its file (mode 0600)",
            {.action = "up.bootstrap",
             .status = "created",
             .extra = {{"token_id", issued->token.id}, {"path", path}}});
  if (isatty(STDERR_FILENO)) {
    std::fprintf(stderr,
                 "\n  First admin token (shown once; also saved in %s, mode 0600):\n\n"
                 "    %s\n\n",
                 path.c_str(), issued->plaintext.c_str());
  }
  return true;
}

}  // namespace

Subcommand UpSubcommand() {
  return {"up",
          "Run every role in one process on embedded defaults (SQLite in the data dir); "
          "creates a first admin token on an empty store",
          [](CLI::App& app, const GlobalOptions& global) -> std::function<int()> {
            auto ready_file = std::make_shared<std::string>();
            app.add_option("--ready-file", *ready_file,
                           "Write the listening port to this file once serving (for scripts)");
            return [&global, ready_file]() {
              std::stop_source& stop = adapters::system::InstallStopSignals();
              auto cfg = LoadConfigOrReport(global.config_path);
              if (!cfg) return 2;
              // Roles other than the API join here as their issues land (worker, scheduler,
              // deriver, correlator, notifier), each on a std::jthread sharing `stop`.
              return ServeApiRole(
                  *cfg, "up", *ready_file, stop.get_token(), [&](ports::store::Store& store) {
                    return !cfg->auth.bootstrap_admin || BootstrapAdmin(*cfg, store);
                  });
            };
          }};
}

}  // namespace secplat::cmd
