// `secplat deriver`: derives posture from scan results (secplat.jobs.derive) and sweeps overdue
// assets for staleness; `--once` sweeps once and exits (for a Kubernetes CronJob).
#include "services/deriver/deriver.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "adapters/metrics/prometheus_metrics.h"
#include "adapters/system/signals.h"
#include "adapters/system/system_clock.h"
#include "cmd/subcommands/subcommands.h"
#include "cmd/wiring.h"
#include "core/posture/rules.h"

namespace secplat::cmd {

Subcommand DeriverSubcommand() {
  return {
      "deriver", "Derive asset posture from scan results and announce changes",
      [](CLI::App& app, const GlobalOptions& global) -> std::function<int()> {
        auto once = std::make_shared<bool>(false);
        app.add_flag("--once", *once, "Sweep every overdue asset once and exit (for a CronJob)");
        return [&global, once]() {
          std::stop_source& stop = adapters::system::InstallStopSignals();
          auto cfg = LoadConfigOrReport(global.config_path);
          if (!cfg) return 2;
          InitLogging(*cfg, "deriver");
          auto options = DeriverOptionsFromConfig(*cfg);
          if (!options) {
            std::fprintf(stderr, "secplat deriver: posture: %s\n", options.error().message.c_str());
            return 2;
          }
          auto api = MakePlatformClient(*cfg, "deriver");
          if (!api) {
            std::fprintf(stderr, "secplat deriver: %s\n", api.error().message.c_str());
            return 2;
          }
          auto queue = OpenQueue(*cfg);
          if (!queue) {
            std::fprintf(stderr, "secplat deriver: queue: %s\n", queue.error().message.c_str());
            return 2;
          }
          adapters::system::SystemClock clock;
          adapters::metrics::PrometheusMetrics metrics;
          services::deriver::Deriver deriver(*queue->queue, **api, **api, **api, clock, metrics,
                                             *options);
          if (*once) {
            auto r = deriver.SweepOnce();
            if (!r) {
              std::fprintf(stderr, "secplat deriver: %s\n", r.error().message.c_str());
              return 1;
            }
            std::printf("due %lld, derived %lld, changes %lld, failures %lld\n",
                        static_cast<long long>(r->due), static_cast<long long>(r->derived),
                        static_cast<long long>(r->changes), static_cast<long long>(r->failures));
            return r->failures == 0 ? 0 : 1;
          }
          Status s = deriver.Run(stop.get_token());
          if (!s) {
            std::fprintf(stderr, "secplat deriver: %s\n", s.error().message.c_str());
            return 1;
          }
          return 0;
        };
      }};
}

}  // namespace secplat::cmd
