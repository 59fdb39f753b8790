#include "services/api/queue_health.h"

namespace secplat::services::api {

const std::vector<std::pair<std::string_view, std::string_view>>& ReportedStreams() {
  static const std::vector<std::pair<std::string_view, std::string_view>> kStreams = {
      {jobqueue::kScanStream, jobqueue::kScanGroup},
      {jobqueue::kDeriveStream, jobqueue::kDeriveGroup},
      {jobqueue::kNotifyStream, jobqueue::kNotifyGroup},
  };
  return kStreams;
}

Result<QueueHealthReport> CollectQueueHealth(jobqueue::JobQueue& queue,
                                             ports::store::OutboxStore& outbox) {
  QueueHealthReport report;
  for (const auto& [stream, group] : ReportedStreams()) {
    SECPLAT_ASSIGN_OR_RETURN(jobqueue::StreamStats stats, queue.Stats(stream, group));
    report.streams.push_back({std::string(stream), std::string(group), stats});
  }
  SECPLAT_ASSIGN_OR_RETURN(report.outbox_unsent, outbox.CountUnsent());
  return report;
}

void QueueMetricsExporter::Export(const QueueHealthReport& report) {
  std::lock_guard lock(mu_);
  for (const auto& s : report.streams) {
    ports::MetricLabels labels{{"stream", s.stream}, {"group", s.group}};
    auto gauge = [&](std::string_view name, std::string_view help, double v) {
      metrics_.GaugeSet(name, help, labels, v);
    };
    gauge("secplat_queue_length", "Entries in the stream", static_cast<double>(s.stats.length));
    gauge("secplat_queue_pending", "Delivered to the group, not yet acknowledged",
          static_cast<double>(s.stats.pending));
    gauge("secplat_queue_consumers", "Consumers of the group active in the last minute",
          static_cast<double>(s.stats.consumers));
    gauge("secplat_queue_lag", "Entries not yet delivered to the group",
          static_cast<double>(s.stats.lag));
    gauge("secplat_queue_delayed", "Messages waiting for their due time (retries, not_before)",
          static_cast<double>(s.stats.delayed));
    gauge("secplat_queue_dead_letters", "Entries in the stream's dead-letter stream",
          static_cast<double>(s.stats.dead_letters));
    gauge("secplat_queue_oldest_pending_idle_seconds", "Idle time of the oldest pending entry",
          std::chrono::duration<double>(s.stats.oldest_pending_idle).count());
    auto counter = [&](std::string_view name, std::string_view help, int64_t total) {
      int64_t& last = last_[std::string(name) + "|" + s.stream];
      // A backend reset (fresh Redis) makes totals drop: restart from there, as Prometheus
      // treats counter resets.
      int64_t delta = total >= last ? total - last : total;
      last = total;
      metrics_.CounterAdd(name, help, {{"stream", s.stream}}, static_cast<double>(delta));
    };
    counter("secplat_queue_published_total", "Messages published", s.stats.published);
    counter("secplat_queue_acked_total", "Messages acknowledged", s.stats.acked);
    counter("secplat_queue_retried_total", "Deliveries scheduled for retry", s.stats.retried);
    counter("secplat_queue_dead_lettered_total", "Messages moved to the dead-letter stream",
            s.stats.dead_lettered);
  }
  metrics_.GaugeSet("secplat_outbox_unsent", "Outbox rows not yet published", {},
                    static_cast<double>(report.outbox_unsent));
}

}  // namespace secplat::services::api
