#include "adapters/json/codec.h"
#include "core/common/time.h"
#include "services/api/handlers/handlers.h"

namespace secplat::services::api::handlers {

namespace json = adapters::json;
using core::auth::Permission;

namespace {

Result<ports::store::EventFilter> EventFilterFrom(const RequestContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(
      OnlyParams(ctx, {"asset_key", "type", "since", "until", "limit", "cursor"}));
  ports::store::EventFilter f;
  SECPLAT_ASSIGN_OR_RETURN(auto asset, QueryParam(ctx, "asset_key"));
  if (asset) f.asset_key = *asset;
  SECPLAT_ASSIGN_OR_RETURN(auto type, QueryParam(ctx, "type"));
  if (type) {
    f.event_type = core::model::ParseEventType(*type);
    if (!f.event_type)
      return Unexpected(ErrorCode::kInvalidArgument, "type: unknown event type '" + *type + "'");
  }
  for (const char* name : {"since", "until"}) {
    SECPLAT_ASSIGN_OR_RETURN(auto v, QueryParam(ctx, name));
    if (!v) continue;
    auto t = ParseRfc3339(*v);
    if (!t)
      return Unexpected(ErrorCode::kInvalidArgument, std::string(name) + ": " + t.error().message);
    (std::string_view(name) == "since" ? f.since : f.until) = *t;
  }
  return f;
}

}  // namespace

void RegisterEventRoutes(Router& router, Deps d) {
  ApiService& svc = d.service;
  router.Add(
      {"GET", "/api/v1/events", "listEvents", Permission::kRead, [&svc](const RequestContext& ctx) {
         auto filter = EventFilterFrom(ctx);
         if (!filter) return Fail(filter.error(), ctx);
         auto page = PageFrom(ctx);
         if (!page) return Fail(page.error(), ctx);
         auto r = svc.store().ListEvents(*filter, *page);
         if (!r) return Fail(r.error(), ctx);
         std::vector<std::string> items;
         items.reserve(r->items.size());
         for (const auto& e : r->items) items.push_back(json::EncodeStoredEvent(e));
         return Json(200, json::EncodeList(items, NextCursor(r->next_after)));
       }});
  router.Add({"POST", "/api/v1/events", "recordEvent", Permission::kIngestEvents,
              [&svc](const RequestContext& ctx) {
                auto env = json::DecodeEnvelope(ctx.request.body);
                if (!env) return Fail(env.error(), ctx);
                auto r = svc.RecordEvent(std::move(*env), Meta(ctx));
                if (!r) return Fail(r.error(), ctx);
                return Json(r->created ? 201 : 200, json::EncodeStoredEvent(r->event));
              },
              true});
  // Up to 1000 envelopes in one transaction (the deriver's posture.changed events).
  router.Add({"POST", "/api/v1/events/batch", "recordEventsBatch", Permission::kIngestEvents,
              [&svc](const RequestContext& ctx) {
                auto batch =
                    json::DecodeEventBatch(ctx.request.body, ports::platform::kMaxBatchItems);
                if (!batch) return Fail(batch.error(), ctx);
                auto r = svc.RecordEvents(std::move(*batch), Meta(ctx));
                if (!r) return Fail(r.error(), ctx);
                return Json(200, json::EncodeEventBatchOutcome(*r));
              },
              true});
}

}  // namespace secplat::services::api::handlers
