// `secplat notifier`: delivers events (secplat.events.notify) to Slack, Twilio, Jira and signed
// webhooks as the routes file (notifier.routes_file) says, keeping its state in the API.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "adapters/metrics/prometheus_metrics.h"
#include "adapters/system/signals.h"
#include "adapters/system/system_clock.h"
#include "cmd/notifier_role.h"
#include "cmd/subcommands/subcommands.h"
#include "cmd/wiring.h"
#include "log/logger.h"

namespace secplat::cmd {

Subcommand NotifierSubcommand() {
  return {"notifier", "Deliver notifications (Slack, Twilio SMS, Jira, signed webhooks)",
          [](CLI::App&, const GlobalOptions& global) -> std::function<int()> {
            return [&global]() {
              std::stop_source& stop = adapters::system::InstallStopSignals();
              auto cfg = LoadConfigOrReport(global.config_path);
              if (!cfg) return 2;
              InitLogging(*cfg, "notifier");
              auto api = MakePlatformClient(*cfg, "notifier");
              if (!api) {
                std::fprintf(stderr, "secplat notifier: %s\n", api.error().message.c_str());
                return 2;
              }
              auto queue = OpenQueue(*cfg);
              if (!queue) {
                std::fprintf(stderr, "secplat notifier: queue: %s\n",
                             queue.error().message.c_str());
                return 2;
              }
              adapters::system::SystemClock clock;
              adapters::metrics::PrometheusMetrics metrics;
              auto role = NotifierRole::Make(*cfg, *queue->queue, **api, clock, metrics);
              if (!role) {
                std::fprintf(stderr, "secplat notifier: %s\n", role.error().message.c_str());
                return 2;
              }
              log::Info("notifier running",
                        {.action = "notifier.start",
                         .extra = {{"channels", std::to_string((*role)->channel_count())}}});
              Status s = (*role)->Run(stop.get_token());
              if (!s) {
                std::fprintf(stderr, "secplat notifier: %s\n", s.error().message.c_str());
                return 1;
              }
              return 0;
            };
          }};
}

}  // namespace secplat::cmd
