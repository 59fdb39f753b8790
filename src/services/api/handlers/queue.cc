#include <charconv>

#include "adapters/json/codec.h"
#include "jobqueue/job_queue.h"
#include "log/logger.h"
#include "services/api/handlers/handlers.h"
#include "services/api/queue_health.h"

namespace secplat::services::api::handlers {

namespace json = adapters::json;
using core::auth::Permission;

namespace {

// Only SecPlat's own streams are administered here: an unknown name is a 404, never a probe of
// arbitrary keys in the backend.
Result<std::string> StreamParam(const RequestContext& ctx) {
  const std::string& s = ctx.path_params.at("stream");
  for (const auto& [stream, group] : ReportedStreams())
    if (stream == s) return s;
  return Unexpected(ErrorCode::kNotFound,
                    "stream '" + s.substr(0, 64) + "' is not a SecPlat stream");
}

// The action already happened; an audit write that fails is logged loudly rather than turned
// into an error for an operation that cannot be undone.
void AuditOrLog(ApiService& svc, const std::string& action, const std::string& target,
                const std::string& after_json, const RequestContext& ctx) {
  auto st = svc.Audit(action, target, after_json, Meta(ctx));
  if (!st)
    log::Error("audit write failed",
               {.request_id = ctx.request_id,
                .action = action,
                .status = "audit_failed",
                .extra = {{"target", target}, {"error", st.error().message}}});
}

ApiResponse NoQueue(const RequestContext& ctx) {
  return Fail({ErrorCode::kUnavailable, "no job queue is configured for this process"}, ctx);
}

}  // namespace

void RegisterQueueRoutes(Router& router, Deps d, QueueDeps q) {
  ApiService& svc = d.service;
  router.Add({"GET", "/api/v1/queue/health", "getQueueHealth", Permission::kRead,
              [&svc, q](const RequestContext& ctx) {
                if (!q.queue) return NoQueue(ctx);
                auto report = CollectQueueHealth(*q.queue, svc.store());
                if (!report) return Fail(report.error(), ctx);
                return Json(200, json::EncodeQueueHealth(q.backend, report->streams,
                                                         report->outbox_unsent));
              }});
  router.Add(
      {"GET", "/api/v1/queue/{stream}/dead-letters", "listDeadLetters", Permission::kAdminister,
       [q](const RequestContext& ctx) {
         if (!q.queue) return NoQueue(ctx);
         auto stream = StreamParam(ctx);
         if (!stream) return Fail(stream.error(), ctx);
         auto only = OnlyParams(ctx, {"limit", "cursor"});
         if (!only) return Fail(only.error(), ctx);
         int limit = 100;
         auto lim = QueryParam(ctx, "limit");
         if (!lim) return Fail(lim.error(), ctx);
         if (*lim) {
           auto [p, ec] = std::from_chars((*lim)->data(), (*lim)->data() + (*lim)->size(), limit);
           if (ec != std::errc() || p != (*lim)->data() + (*lim)->size() || limit < 1 ||
               limit > 1000)
             return Fail(
                 {ErrorCode::kInvalidArgument, "limit: must be an integer between 1 and 1000"},
                 ctx);
         }
         auto cursor = QueryParam(ctx, "cursor");
         if (!cursor) return Fail(cursor.error(), ctx);
         auto r = q.queue->ListDeadLetters(*stream, cursor->value_or(""), limit);
         if (!r) return Fail(r.error(), ctx);
         std::vector<std::string> items;
         for (const auto& dl : *r) items.push_back(json::EncodeDeadLetter(dl));
         std::string next = static_cast<int>(r->size()) == limit && !r->empty() ? r->back().id : "";
         return Json(200, json::EncodeList(items, next));
       }});
  router.Add({"GET", "/api/v1/queue/{stream}/dead-letters/{id}", "getDeadLetter",
              Permission::kAdminister, [q](const RequestContext& ctx) {
                if (!q.queue) return NoQueue(ctx);
                auto stream = StreamParam(ctx);
                if (!stream) return Fail(stream.error(), ctx);
                auto r = q.queue->GetDeadLetter(*stream, ctx.path_params.at("id"));
                if (!r) return Fail(r.error(), ctx);
                return Json(200, json::EncodeDeadLetter(*r));
              }});
  router.Add({"POST", "/api/v1/queue/{stream}/dead-letters/{id}/replay", "replayDeadLetter",
              Permission::kAdminister, [&svc, q](const RequestContext& ctx) {
                if (!q.queue) return NoQueue(ctx);
                auto stream = StreamParam(ctx);
                if (!stream) return Fail(stream.error(), ctx);
                const std::string& id = ctx.path_params.at("id");
                auto r = q.queue->ReplayDeadLetter(*stream, id);
                if (!r) return Fail(r.error(), ctx);
                AuditOrLog(svc, "queue.replay", "dead_letter:" + *stream + "/" + id,
                           "{\"job_id\":\"" + *r + "\"}", ctx);
                return Json(200, "{\"replayed\":true,\"job_id\":\"" + *r + "\"}");
              }});
  router.Add({"DELETE", "/api/v1/queue/{stream}/dead-letters/{id}", "purgeDeadLetter",
              Permission::kAdminister, [&svc, q](const RequestContext& ctx) {
                if (!q.queue) return NoQueue(ctx);
                auto stream = StreamParam(ctx);
                if (!stream) return Fail(stream.error(), ctx);
                const std::string& id = ctx.path_params.at("id");
                auto r = q.queue->PurgeDeadLetters(*stream, std::string_view(id));
                if (!r) return Fail(r.error(), ctx);
                if (*r == 0)
                  return Fail(
                      {ErrorCode::kNotFound, "dead letter '" + id.substr(0, 64) + "' not found"},
                      ctx);
                AuditOrLog(svc, "queue.purge", "dead_letter:" + *stream + "/" + id,
                           "{\"purged\":" + std::to_string(*r) + "}", ctx);
                return Json(200, "{\"purged\":" + std::to_string(*r) + "}");
              }});
  router.Add({"DELETE", "/api/v1/queue/{stream}/dead-letters", "purgeDeadLetters",
              Permission::kAdminister, [&svc, q](const RequestContext& ctx) {
                if (!q.queue) return NoQueue(ctx);
                auto stream = StreamParam(ctx);
                if (!stream) return Fail(stream.error(), ctx);
                auto r = q.queue->PurgeDeadLetters(*stream, std::nullopt);
                if (!r) return Fail(r.error(), ctx);
                AuditOrLog(svc, "queue.purge_all", "dead_letters:" + *stream,
                           "{\"purged\":" + std::to_string(*r) + "}", ctx);
                return Json(200, "{\"purged\":" + std::to_string(*r) + "}");
              }});
}

}  // namespace secplat::services::api::handlers
