// `secplat worker`: consumes secplat.jobs.scan and runs the scans on one event loop (hundreds at
// once), reporting through the API with a service token. Never opens the database.
#include "services/worker/worker.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "adapters/metrics/prometheus_metrics.h"
#include "adapters/probe/curl_prober.h"
#include "adapters/system/signals.h"
#include "adapters/system/system_clock.h"
#include "cmd/subcommands/subcommands.h"
#include "cmd/wiring.h"
#include "core/checks/exposure.h"

namespace secplat::cmd {

Subcommand WorkerSubcommand() {
  return {"worker", "Run scans from secplat.jobs.scan and report them through the API",
          [](CLI::App&, const GlobalOptions& global) -> std::function<int()> {
            return [&global]() {
              std::stop_source& stop = adapters::system::InstallStopSignals();
              auto cfg = LoadConfigOrReport(global.config_path);
              if (!cfg) return 2;
              InitLogging(*cfg, "worker");
              if (const auto& pack = core::checks::EmbeddedSignaturePack(); !pack.has_value()) {
                std::fprintf(stderr, "secplat worker: exposure signatures: %s\n",
                             pack.error().message.c_str());
                return 2;
              }
              auto api = MakePlatformClient(*cfg, "worker");
              if (!api) {
                std::fprintf(stderr, "secplat worker: %s\n", api.error().message.c_str());
                return 2;
              }
              auto prober = adapters::probe::CurlProber::Create(ProberOptionsFromConfig(*cfg));
              if (!prober) {
                std::fprintf(stderr, "secplat worker: %s\n", prober.error().message.c_str());
                return 2;
              }
              auto queue = OpenQueue(*cfg);
              if (!queue) {
                std::fprintf(stderr, "secplat worker: queue: %s\n", queue.error().message.c_str());
                return 2;
              }
              adapters::system::SystemClock clock;
              adapters::metrics::PrometheusMetrics metrics;
              int code = 0;
              {
                services::worker::Worker worker(*queue->queue, **api, **api, **api, **prober,
                                                **prober, clock, metrics,
                                                WorkerOptionsFromConfig(*cfg));
                Status s = worker.Run(stop.get_token());
                if (!s) {
                  std::fprintf(stderr, "secplat worker: %s\n", s.error().message.c_str());
                  code = 1;
                }
              }  // every started scan has been reported
              (*prober)->Stop();
              return code;
            };
          }};
}

}  // namespace secplat::cmd
