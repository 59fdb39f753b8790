// Metrics: counters, gauges and histograms by name and labels, rendered as Prometheus text.
// Implemented by adapters/metrics (prometheus-cpp). Names follow Prometheus conventions
// (secplat_http_requests_total, secplat_store_operation_duration_seconds). Thread-safe.
#ifndef SECPLAT_PORTS_METRICS_H_
#define SECPLAT_PORTS_METRICS_H_

#include <map>
#include <string>
#include <string_view>

namespace secplat::ports {

using MetricLabels = std::map<std::string, std::string>;

class Metrics {
 public:
  virtual ~Metrics() = default;
  // The first call for a name fixes its help text and type; label names may vary per series.
  virtual void CounterAdd(std::string_view name, std::string_view help, const MetricLabels& labels,
                          double value = 1) = 0;
  virtual void GaugeSet(std::string_view name, std::string_view help, const MetricLabels& labels,
                        double value) = 0;
  // Latency-style histogram in seconds (buckets 0.5 ms .. 10 s).
  virtual void ObserveSeconds(std::string_view name, std::string_view help,
                              const MetricLabels& labels, double seconds) = 0;
  // Prometheus text exposition format 0.0.4.
  virtual std::string RenderText() = 0;
};

}  // namespace secplat::ports

#endif  // SECPLAT_PORTS_METRICS_H_
