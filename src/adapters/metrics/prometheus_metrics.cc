#include "adapters/metrics/prometheus_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <mutex>
#include <unordered_map>

namespace secplat::adapters::metrics {

struct PrometheusMetrics::State {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::mutex mu;
  std::unordered_map<std::string, prometheus::Family<prometheus::Counter>*> counters;
  std::unordered_map<std::string, prometheus::Family<prometheus::Gauge>*> gauges;
  std::unordered_map<std::string, prometheus::Family<prometheus::Histogram>*> histograms;
};

namespace {
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
}
}  // namespace

PrometheusMetrics::PrometheusMetrics() : state_(std::make_unique<State>()) {}
PrometheusMetrics::~PrometheusMetrics() = default;

// prometheus-cpp throws on invalid names/labels; names here are compile-time constants of ours,
// so a throw is a bug. We still catch to keep the no-exceptions-across-modules rule.
void PrometheusMetrics::CounterAdd(std::string_view name, std::string_view help,
                                   const ports::MetricLabels& labels, double value) {
  try {
    std::lock_guard lock(state_->mu);
    auto& fam = state_->counters[std::string(name)];
    if (!fam)
      fam = &prometheus::BuildCounter()
                 .Name(std::string(name))
                 .Help(std::string(help))
                 .Register(*state_->registry);
    fam->Add(labels).Increment(value);
  } catch (const std::exception&) {
  }
}

void PrometheusMetrics::GaugeSet(std::string_view name, std::string_view help,
                                 const ports::MetricLabels& labels, double value) {
  try {
    std::lock_guard lock(state_->mu);
    auto& fam = state_->gauges[std::string(name)];
    if (!fam)
      fam = &prometheus::BuildGauge()
                 .Name(std::string(name))
                 .Help(std::string(help))
                 .Register(*state_->registry);
    fam->Add(labels).Set(value);
  } catch (const std::exception&) {
  }
}

void PrometheusMetrics::ObserveSeconds(std::string_view name, std::string_view help,
                                       const ports::MetricLabels& labels, double seconds) {
  try {
    std::lock_guard lock(state_->mu);
    auto& fam = state_->histograms[std::string(name)];
    if (!fam)
      fam = &prometheus::BuildHistogram()
                 .Name(std::string(name))
                 .Help(std::string(help))
                 .Register(*state_->registry);
    fam->Add(labels, LatencyBuckets()).Observe(seconds);
  } catch (const std::exception&) {
  }
}

std::string PrometheusMetrics::RenderText() {
  try {
    prometheus::TextSerializer serializer;
    return serializer.Serialize(state_->registry->Collect());
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace secplat::adapters::metrics
