#include "adapters/json/codec.h"
#include "core/common/time.h"
#include "services/api/handlers/handlers.h"

namespace secplat::services::api::handlers {

namespace json = adapters::json;
using core::auth::Permission;

namespace {

Result<ports::store::FindingFilter> FindingFilterFrom(const RequestContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(
      OnlyParams(ctx, {"asset_key", "severity", "status", "since", "limit", "cursor"}));
  ports::store::FindingFilter f;
  SECPLAT_ASSIGN_OR_RETURN(auto asset, QueryParam(ctx, "asset_key"));
  if (asset) f.asset_key = *asset;
  SECPLAT_ASSIGN_OR_RETURN(auto sev, QueryParam(ctx, "severity"));
  if (sev) {
    f.severity = core::model::ParseSeverity(*sev);
    if (!f.severity)
      return Unexpected(ErrorCode::kInvalidArgument,
                        "severity: must be one of info, low, medium, high, critical");
  }
  SECPLAT_ASSIGN_OR_RETURN(auto status, QueryParam(ctx, "status"));
  if (status) {
    f.status = core::model::ParseFindingStatus(*status);
    if (!f.status)
      return Unexpected(ErrorCode::kInvalidArgument,
                        "status: must be one of open, resolved, accepted, false_positive");
  }
  SECPLAT_ASSIGN_OR_RETURN(auto since, QueryParam(ctx, "since"));
  if (since) {
    auto t = ParseRfc3339(*since);
    if (!t) return Unexpected(ErrorCode::kInvalidArgument, "since: " + t.error().message);
    f.since = *t;
  }
  return f;
}

}  // namespace

void RegisterFindingRoutes(Router& router, Deps d) {
  ApiService& svc = d.service;
  size_t max_batch = d.max_batch;
  router.Add({"GET", "/api/v1/findings", "listFindings", Permission::kRead,
              [&svc](const RequestContext& ctx) {
                auto filter = FindingFilterFrom(ctx);
                if (!filter) return Fail(filter.error(), ctx);
                auto page = PageFrom(ctx);
                if (!page) return Fail(page.error(), ctx);
                auto r = svc.store().ListFindings(*filter, *page);
                if (!r) return Fail(r.error(), ctx);
                std::vector<std::string> items;
                items.reserve(r->items.size());
                for (const auto& f : r->items) items.push_back(json::EncodeFinding(f));
                return Json(200, json::EncodeList(items, NextCursor(r->next_after)));
              }});
  router.Add({"POST", "/api/v1/findings", "recordFinding", Permission::kIngestFindings,
              [&svc](const RequestContext& ctx) {
                auto obs = json::DecodeObservation(ctx.request.body);
                if (!obs) return Fail(obs.error(), ctx);
                std::string asset_key = obs->asset_key;
                auto r = svc.RecordFinding(std::move(*obs), Meta(ctx));
                ApiResponse resp = r ? Json(r->created ? 201 : 200, json::EncodeFinding(r->finding))
                                     : Fail(r.error(), ctx);
                resp.asset_key = std::move(asset_key);
                return resp;
              },
              true});
  router.Add({"POST", "/api/v1/findings/batch", "recordFindingsBatch", Permission::kIngestFindings,
              [&svc, max_batch](const RequestContext& ctx) {
                auto batch = json::DecodeObservationBatch(ctx.request.body, max_batch);
                if (!batch) return Fail(batch.error(), ctx);
                auto r = svc.RecordFindings(std::move(*batch), Meta(ctx));
                if (!r) return Fail(r.error(), ctx);
                return Json(200, json::EncodeBatchOutcome(*r));
              },
              true});
  router.Add({"GET", "/api/v1/findings/{finding_key}", "getFinding", Permission::kRead,
              [&svc](const RequestContext& ctx) {
                auto r = svc.store().GetFinding(ctx.path_params.at("finding_key"));
                if (!r) return Fail(r.error(), ctx);
                ApiResponse resp = Json(200, json::EncodeFinding(*r));
                resp.asset_key = r->asset_key;
                return resp;
              }});
  router.Add({"POST", "/api/v1/findings/{finding_key}/status", "changeFindingStatus",
              Permission::kTriageFindings,
              [&svc](const RequestContext& ctx) {
                auto change = json::DecodeStatusChange(ctx.request.body);
                if (!change) return Fail(change.error(), ctx);
                auto r = svc.ChangeFindingStatus(ctx.path_params.at("finding_key"),
                                                 std::move(*change), Meta(ctx));
                if (!r) return Fail(r.error(), ctx);
                return Json(200, json::EncodeFinding(*r));
              },
              true});
}

}  // namespace secplat::services::api::handlers
