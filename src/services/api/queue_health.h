// Queue health: stats of every SecPlat stream for the consumer group that owns it, plus the
// outbox backlog; served at GET /api/v1/queue/health and exported on /metrics.
#ifndef SECPLAT_SERVICES_API_QUEUE_HEALTH_H_
#define SECPLAT_SERVICES_API_QUEUE_HEALTH_H_

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/json/codec.h"
#include "jobqueue/job_queue.h"
#include "ports/metrics.h"
#include "ports/store/store.h"

namespace secplat::services::api {

struct QueueHealthReport {
  std::vector<adapters::json::QueueStreamHealth> streams;
  int64_t outbox_unsent = 0;
};

// The (stream, group) pairs reported: scan/workers, derive/deriver, notify/notifier.
const std::vector<std::pair<std::string_view, std::string_view>>& ReportedStreams();

// Errors: kUnavailable (queue backend or store down).
Result<QueueHealthReport> CollectQueueHealth(jobqueue::JobQueue& queue,
                                             ports::store::OutboxStore& outbox);

// Exports a report as Prometheus series. The queue's counters are totals kept by the backend
// (shared by every process), so they are exported as counters advanced by the growth since the
// last scrape. Thread-safe.
class QueueMetricsExporter {
 public:
  explicit QueueMetricsExporter(ports::Metrics& metrics) : metrics_(metrics) {}
  void Export(const QueueHealthReport& report);

 private:
  ports::Metrics& metrics_;
  std::mutex mu_;
  std::map<std::string, int64_t> last_;  // "<metric>|<stream>" -> last exported total
};

}  // namespace secplat::services::api

#endif  // SECPLAT_SERVICES_API_QUEUE_HEALTH_H_
