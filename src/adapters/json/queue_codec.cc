// Queue administration views: dead letters and stream health.
#include "adapters/json/codec.h"
#include "adapters/json/internal/reader.h"

namespace secplat::adapters::json {

using internal::OJson;

namespace {

OJson MessageJson(const jobqueue::Message& m) {
  OJson o = OJson::object();
  o["id"] = m.id;
  o["stream"] = m.stream;
  // The payload is embedded when it is JSON (the normal case) and kept as a string otherwise —
  // a malformed message is exactly what an operator needs to see verbatim.
  o["payload"] = internal::Embed(m.payload);
  o["idempotency_key"] = m.idempotency_key;
  o["request_id"] = m.request_id;
  o["attempts"] = m.attempt;
  o["errors"] = m.errors;
  o["enqueued_at"] = FormatRfc3339(m.enqueued_at);
  return o;
}

OJson StatsJson(const QueueStreamHealth& s) {
  OJson o = OJson::object();
  o["stream"] = s.stream;
  o["group"] = s.group;
  o["length"] = s.stats.length;
  o["pending"] = s.stats.pending;
  o["consumers"] = s.stats.consumers;
  o["lag"] = s.stats.lag;
  o["delayed"] = s.stats.delayed;
  o["dead_letters"] = s.stats.dead_letters;
  o["oldest_pending_idle_seconds"] =
      std::chrono::duration<double>(s.stats.oldest_pending_idle).count();
  o["published"] = s.stats.published;
  o["acked"] = s.stats.acked;
  o["retried"] = s.stats.retried;
  o["dead_lettered"] = s.stats.dead_lettered;
  return o;
}

}  // namespace

std::string EncodeDeadLetter(const jobqueue::DeadLetter& d) {
  OJson o = OJson::object();
  o["id"] = d.id;
  o["reason"] = d.reason;
  o["last_error"] = d.last_error;
  o["group"] = d.group;
  o["dead_at"] = FormatRfc3339(d.dead_at);
  o["message"] = MessageJson(d.message);
  return internal::Dump(o);
}

std::string EncodeQueueHealth(std::string_view backend,
                              const std::vector<QueueStreamHealth>& streams,
                              int64_t outbox_unsent) {
  OJson o = OJson::object();
  o["backend"] = backend;
  OJson list = OJson::array();
  for (const auto& s : streams) list.push_back(StatsJson(s));
  o["streams"] = std::move(list);
  o["outbox_unsent"] = outbox_unsent;
  return internal::Dump(o);
}

}  // namespace secplat::adapters::json
