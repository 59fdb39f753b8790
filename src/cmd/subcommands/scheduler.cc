// `secplat scheduler`: requests due scans through the API, every scheduler.interval.
#include "services/scheduler/scheduler.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "adapters/metrics/prometheus_metrics.h"
#include "adapters/system/signals.h"
#include "adapters/system/system_clock.h"
#include "cmd/subcommands/subcommands.h"
#include "cmd/wiring.h"
#include "log/logger.h"

namespace secplat::cmd {

Subcommand SchedulerSubcommand() {
  return {"scheduler", "Request due scans (per asset and scan type, jittered) through the API",
          [](CLI::App& app, const GlobalOptions& global) -> std::function<int()> {
            auto once = std::make_shared<bool>(false);
            app.add_flag("--once", *once, "Run one sweep and exit (for a CronJob)");
            return [&global, once]() {
              std::stop_source& stop = adapters::system::InstallStopSignals();
              auto cfg = LoadConfigOrReport(global.config_path);
              if (!cfg) return 2;
              InitLogging(*cfg, "scheduler");
              auto api = MakePlatformClient(*cfg, "scheduler");
              if (!api) {
                std::fprintf(stderr, "secplat scheduler: %s\n", api.error().message.c_str());
                return 2;
              }
              adapters::system::SystemClock clock;
              adapters::metrics::PrometheusMetrics metrics;
              services::scheduler::Scheduler scheduler(**api, **api, clock, metrics,
                                                       {.tick = cfg->scheduler.interval});
              if (*once) {
                auto r = scheduler.RunOnce();
                if (!r) {
                  std::fprintf(stderr, "secplat scheduler: %s\n", r.error().message.c_str());
                  return 1;
                }
                std::printf("assets %lld, requested %lld, existing %lld, refused %lld\n",
                            static_cast<long long>(r->assets), static_cast<long long>(r->requested),
                            static_cast<long long>(r->existing),
                            static_cast<long long>(r->refused));
                return 0;
              }
              scheduler.Run(stop.get_token());
              return 0;
            };
          }};
}

}  // namespace secplat::cmd
