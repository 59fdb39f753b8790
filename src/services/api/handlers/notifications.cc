// Notification routes (docs/notifier.md "API and storage"). Viewers read the "why" view and the
// channels' health; the notifier (service role, or an admin) keeps its state through the rest:
//   GET /api/v1/notifications                         routing + decisions + deliveries + attempts
//                                                     (filters event_id, asset_key, channel;
//                                                     paged newest first)
//   GET /api/v1/notifications/channels                every channel's health
//   PUT /api/v1/notifications/channels/{channel}      SetChannelHealth
//   PUT /api/v1/notifications/{event_id}/routing      RecordRouting (skip_duplicate_event merge)
//   GET /api/v1/notify-log/{channel}/{problem_key}    {"record": ... | null}
//   PUT /api/v1/notify-log/{channel}/{problem_key}    compare-and-set on expected_version (409)
//   GET /api/v1/notify-log-due?now&limit              ListRepeatDue
//   POST /api/v1/deliveries                           201 created / 200 existing
//   PUT /api/v1/deliveries/{idempotency_key}          compare-and-set on expected_version (409,
//                                                     also for a terminal delivery)
//   GET /api/v1/deliveries-due?now&limit              ListDueDeliveries
//   PUT /api/v1/deliveries/batch                      PutDelivery for up to 1000 items in one
//                                                     transaction; per-item outcome
//   POST /api/v1/notify-log/batch-get                 GetNotifyLog for up to 1000 keys
//   POST /api/v1/notifications/batch                  up to 1000 events' deliveries, notify-log
//                                                     writes (CAS) and routing records in one
//                                                     transaction, each event all or nothing
// Path segments are percent-decoded by the router: a problem key "web-1/posture" travels as
// "web-1%2Fposture".
#include <charconv>
#include <string>
#include <vector>

#include "adapters/json/notification_codec.h"
#include "core/common/time.h"
#include "services/api/handlers/handlers.h"

namespace secplat::services::api::handlers {

namespace json = adapters::json;
using core::auth::Permission;

namespace {

// The view costs a few store reads per event: its pages are smaller than other lists'.
constexpr int kMaxViewLimit = 200;

// Refuses a body above the notifier routes' limit (the server's own limit may be higher).
Status BodyWithinLimit(const RequestContext& ctx) {
  if (ctx.request.body.size() <= json::kMaxNotifyBodyBytes) return OkStatus();
  return Unexpected(
      ErrorCode::kPayloadTooLarge,
      "body: must be at most " + std::to_string(json::kMaxNotifyBodyBytes) + " bytes");
}

// ?now= (RFC 3339; default: the request time) and ?limit= (1..1000; default 100).
struct DueParams {
  Timestamp now{};
  int limit = 100;
};

Result<DueParams> DueParamsFrom(const RequestContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(OnlyParams(ctx, {"now", "limit"}));
  DueParams p{.now = ctx.now};
  SECPLAT_ASSIGN_OR_RETURN(auto now, QueryParam(ctx, "now"));
  if (now) {
    auto t = ParseRfc3339(*now);
    if (!t) return Unexpected(ErrorCode::kInvalidArgument, "now: " + t.error().message);
    p.now = *t;
  }
  SECPLAT_ASSIGN_OR_RETURN(auto limit, QueryParam(ctx, "limit"));
  if (limit) {
    const std::string& l = *limit;
    auto [end, ec] = std::from_chars(l.data(), l.data() + l.size(), p.limit);
    if (ec != std::errc() || end != l.data() + l.size() || p.limit < 1 || p.limit > 1000)
      return Unexpected(ErrorCode::kInvalidArgument,
                        "limit: must be an integer between 1 and 1000");
  }
  return p;
}

Result<ports::store::NotificationFilter> ViewFilterFrom(const RequestContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(OnlyParams(ctx, {"event_id", "asset_key", "channel", "cursor", "limit"}));
  ports::store::NotificationFilter f;
  SECPLAT_ASSIGN_OR_RETURN(f.event_id, QueryParam(ctx, "event_id"));
  SECPLAT_ASSIGN_OR_RETURN(f.asset_key, QueryParam(ctx, "asset_key"));
  SECPLAT_ASSIGN_OR_RETURN(f.channel, QueryParam(ctx, "channel"));
  for (const auto* v : {&f.event_id, &f.asset_key, &f.channel}) {
    if (v->has_value() && (*v)->size() > json::kMaxNotifyKeyBytes)
      return Unexpected(
          ErrorCode::kInvalidArgument,
          "filters must be at most " + std::to_string(json::kMaxNotifyKeyBytes) + " bytes");
  }
  return f;
}

}  // namespace

void RegisterNotificationRoutes(Router& router, Deps d) {
  ApiService& svc = d.service;

  // ---- Viewer ----------------------------------------------------------------------------------
  router.Add(
      {"GET", "/api/v1/notifications", "listNotifications", Permission::kRead,
       [&svc](const RequestContext& ctx) {
         auto filter = ViewFilterFrom(ctx);
         if (!filter) return Fail(filter.error(), ctx);
         auto page = PageFrom(ctx);
         if (!page) return Fail(page.error(), ctx);
         if (page->limit > kMaxViewLimit)
           return Fail({ErrorCode::kInvalidArgument,
                        "limit: must be an integer between 1 and " + std::to_string(kMaxViewLimit)},
                       ctx);
         auto r = svc.ListNotifications(*filter, *page);
         if (!r) return Fail(r.error(), ctx);
         ApiResponse resp =
             Json(200, json::EncodeNotificationViewList(r->items, NextCursor(r->next_after)));
         if (filter->asset_key) resp.asset_key = *filter->asset_key;
         return resp;
       }});
  router.Add({"GET", "/api/v1/notifications/channels", "listNotificationChannels",
              Permission::kRead, [&svc](const RequestContext& ctx) {
                if (auto s = OnlyParams(ctx, {}); !s) return Fail(s.error(), ctx);
                auto r = svc.ListChannelHealth();
                if (!r) return Fail(r.error(), ctx);
                return Json(200, json::EncodeChannelHealthList(*r));
              }});

  // ---- The notifier's writes (service, admin) --------------------------------------------------
  // Registered before the routing route: "/notifications/channels/routing" is the channel
  // "routing", not the routing of an event "channels".
  router.Add({"PUT", "/api/v1/notifications/channels/{channel}", "putNotificationChannel",
              Permission::kWriteNotifications,
              [&svc](const RequestContext& ctx) {
                if (auto s = BodyWithinLimit(ctx); !s) return Fail(s.error(), ctx);
                auto health = json::DecodeChannelHealth(ctx.request.body);
                if (!health) return Fail(health.error(), ctx);
                auto r = svc.SetChannelHealth(ctx.path_params.at("channel"), *std::move(health),
                                              Meta(ctx));
                if (!r) return Fail(r.error(), ctx);
                return Json(200, json::EncodeChannelHealth(*r));
              },
              true});
  router.Add({"PUT", "/api/v1/notifications/{event_id}/routing", "putNotificationRouting",
              Permission::kWriteNotifications,
              [&svc](const RequestContext& ctx) {
                if (auto s = BodyWithinLimit(ctx); !s) return Fail(s.error(), ctx);
                auto record = json::DecodeRoutingRecord(ctx.request.body);
                if (!record) return Fail(record.error(), ctx);
                auto r = svc.RecordRouting(ctx.path_params.at("event_id"), *std::move(record),
                                           Meta(ctx));
                if (!r) return Fail(r.error(), ctx);
                ApiResponse resp = Json(200, json::EncodeRoutingRecord(*r));
                resp.asset_key = r->asset_key;
                return resp;
              },
              true});
  router.Add({"GET", "/api/v1/notify-log/{channel}/{problem_key}", "getNotifyLog",
              Permission::kWriteNotifications, [&svc](const RequestContext& ctx) {
                if (auto s = OnlyParams(ctx, {}); !s) return Fail(s.error(), ctx);
                auto r = svc.GetNotifyLog(ctx.path_params.at("channel"),
                                          ctx.path_params.at("problem_key"));
                if (!r) return Fail(r.error(), ctx);
                return Json(200, json::EncodeNotifyLogReply(*r));
              }});
  router.Add({"PUT", "/api/v1/notify-log/{channel}/{problem_key}", "putNotifyLog",
              Permission::kWriteNotifications,
              [&svc](const RequestContext& ctx) {
                if (auto s = BodyWithinLimit(ctx); !s) return Fail(s.error(), ctx);
                auto put = json::DecodeNotifyLogPut(ctx.request.body);
                if (!put) return Fail(put.error(), ctx);
                auto r = svc.PutNotifyLog(ctx.path_params.at("channel"),
                                          ctx.path_params.at("problem_key"), std::move(put->record),
                                          put->expected_version, Meta(ctx));
                if (!r) return Fail(r.error(), ctx);
                ApiResponse resp = Json(r->version == 1 ? 201 : 200,
                                        json::EncodeNotifyLogReply(std::optional(*r)));
                resp.asset_key = r->last_event.asset_key;
                return resp;
              },
              true});
  router.Add({"GET", "/api/v1/notify-log-due", "listNotifyLogDue", Permission::kWriteNotifications,
              [&svc](const RequestContext& ctx) {
                auto p = DueParamsFrom(ctx);
                if (!p) return Fail(p.error(), ctx);
                auto r = svc.ListRepeatDue(p->now, p->limit);
                if (!r) return Fail(r.error(), ctx);
                return Json(200, json::EncodeNotifyLogList(*r));
              }});
  router.Add({"POST", "/api/v1/deliveries", "createDelivery", Permission::kWriteNotifications,
              [&svc](const RequestContext& ctx) {
                if (auto s = BodyWithinLimit(ctx); !s) return Fail(s.error(), ctx);
                auto delivery = json::DecodeStoredDelivery(ctx.request.body);
                if (!delivery) return Fail(delivery.error(), ctx);
                auto r = svc.CreateDelivery(*std::move(delivery), Meta(ctx));
                if (!r) return Fail(r.error(), ctx);
                ApiResponse resp =
                    Json(r->created ? 201 : 200, json::EncodeDeliveryReply(r->delivery));
                resp.asset_key = r->delivery.event.asset_key;
                return resp;
              },
              true});
  // Registered before putDelivery: "/deliveries/batch" is the batch, not a key "batch".
  router.Add(
      {"PUT", "/api/v1/deliveries/batch", "putDeliveriesBatch", Permission::kWriteNotifications,
       [&svc](const RequestContext& ctx) {
         if (auto s = BodyWithinLimit(ctx); !s) return Fail(s.error(), ctx);
         auto items =
             json::DecodeDeliveryPutBatch(ctx.request.body, ports::platform::kMaxNotifyBatchItems);
         if (!items) return Fail(items.error(), ctx);
         auto r = svc.PutDeliveries(*std::move(items), Meta(ctx));
         if (!r) return Fail(r.error(), ctx);
         return Json(200, json::EncodeDeliveryPutBatchResult(*r));
       },
       true});
  router.Add(
      {"POST", "/api/v1/notify-log/batch-get", "getNotifyLogBatch", Permission::kWriteNotifications,
       [&svc](const RequestContext& ctx) {
         if (auto s = BodyWithinLimit(ctx); !s) return Fail(s.error(), ctx);
         auto keys =
             json::DecodeNotifyLogBatchGet(ctx.request.body, ports::platform::kMaxNotifyBatchItems);
         if (!keys) return Fail(keys.error(), ctx);
         auto r = svc.GetNotifyLogs(*keys);
         if (!r) return Fail(r.error(), ctx);
         return Json(200, json::EncodeNotifyLogBatchGetResult(*r));
       },
       true});
  router.Add({"POST", "/api/v1/notifications/batch", "recordNotificationsBatch",
              Permission::kWriteNotifications,
              [&svc](const RequestContext& ctx) {
                if (auto s = BodyWithinLimit(ctx); !s) return Fail(s.error(), ctx);
                auto events = json::DecodeEventNotificationsBatch(
                    ctx.request.body, ports::platform::kMaxNotifyBatchItems);
                if (!events) return Fail(events.error(), ctx);
                std::vector<std::string> ids;
                ids.reserve(events->size());
                for (const auto& e : *events) ids.push_back(e.routing.event_id);
                auto r = svc.RecordEventNotifications(*std::move(events), Meta(ctx));
                if (!r) return Fail(r.error(), ctx);
                return Json(200, json::EncodeEventNotificationsResult(ids, *r));
              },
              true});
  router.Add({"PUT", "/api/v1/deliveries/{idempotency_key}", "putDelivery",
              Permission::kWriteNotifications,
              [&svc](const RequestContext& ctx) {
                if (auto s = BodyWithinLimit(ctx); !s) return Fail(s.error(), ctx);
                auto put = json::DecodeDeliveryPut(ctx.request.body);
                if (!put) return Fail(put.error(), ctx);
                auto r =
                    svc.PutDelivery(ctx.path_params.at("idempotency_key"), std::move(put->delivery),
                                    put->expected_version, Meta(ctx));
                if (!r) return Fail(r.error(), ctx);
                ApiResponse resp = Json(200, json::EncodeDeliveryReply(*r));
                resp.asset_key = r->event.asset_key;
                return resp;
              },
              true});
  router.Add({"GET", "/api/v1/deliveries-due", "listDeliveriesDue", Permission::kWriteNotifications,
              [&svc](const RequestContext& ctx) {
                auto p = DueParamsFrom(ctx);
                if (!p) return Fail(p.error(), ctx);
                auto r = svc.ListDueDeliveries(p->now, p->limit);
                if (!r) return Fail(r.error(), ctx);
                return Json(200, json::EncodeDeliveryList(*r));
              }});
}

}  // namespace secplat::services::api::handlers
