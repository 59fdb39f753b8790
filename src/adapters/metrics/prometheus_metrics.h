// PrometheusMetrics: ports::Metrics over a prometheus-cpp registry.
#ifndef SECPLAT_ADAPTERS_METRICS_PROMETHEUS_METRICS_H_
#define SECPLAT_ADAPTERS_METRICS_PROMETHEUS_METRICS_H_

#include <memory>

#include "ports/metrics.h"

namespace secplat::adapters::metrics {

class PrometheusMetrics final : public ports::Metrics {
 public:
  PrometheusMetrics();
  ~PrometheusMetrics() override;
  void CounterAdd(std::string_view name, std::string_view help, const ports::MetricLabels& labels,
                  double value) override;
  void GaugeSet(std::string_view name, std::string_view help, const ports::MetricLabels& labels,
                double value) override;
  void ObserveSeconds(std::string_view name, std::string_view help,
                      const ports::MetricLabels& labels, double seconds) override;
  std::string RenderText() override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace secplat::adapters::metrics

#endif  // SECPLAT_ADAPTERS_METRICS_PROMETHEUS_METRICS_H_
