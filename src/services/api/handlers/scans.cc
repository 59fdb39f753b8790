#include <charconv>

#include "adapters/json/codec.h"
#include "services/api/handlers/handlers.h"

namespace secplat::services::api::handlers {

namespace json = adapters::json;
using core::auth::Permission;

namespace {

Result<int64_t> JobId(const RequestContext& ctx) {
  const std::string& s = ctx.path_params.at("id");
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0)
    return Unexpected(ErrorCode::kNotFound, "scan job '" + s.substr(0, 40) + "' not found");
  return v;
}

Result<ports::store::ScanJobFilter> ScanFilterFrom(const RequestContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(OnlyParams(ctx, {"asset_key", "scan_type", "status", "limit", "cursor"}));
  ports::store::ScanJobFilter f;
  SECPLAT_ASSIGN_OR_RETURN(auto asset, QueryParam(ctx, "asset_key"));
  if (asset) f.asset_key = *asset;
  SECPLAT_ASSIGN_OR_RETURN(auto type, QueryParam(ctx, "scan_type"));
  if (type) {
    if (!core::model::IsKnownScanType(*type))
      return Unexpected(ErrorCode::kInvalidArgument,
                        "scan_type: must be one of health_http, tls_headers, web_exposure");
    f.scan_type = *type;
  }
  SECPLAT_ASSIGN_OR_RETURN(auto status, QueryParam(ctx, "status"));
  if (status) {
    f.status = core::model::ParseScanJobStatus(*status);
    if (!f.status)
      return Unexpected(ErrorCode::kInvalidArgument,
                        "status: must be one of queued, running, done, failed, dead");
  }
  return f;
}

}  // namespace

void RegisterScanRoutes(Router& router, Deps d) {
  ApiService& svc = d.service;
  router.Add({"GET", "/api/v1/scans", "listScanJobs", Permission::kRead,
              [&svc](const RequestContext& ctx) {
                auto filter = ScanFilterFrom(ctx);
                if (!filter) return Fail(filter.error(), ctx);
                auto page = PageFrom(ctx);
                if (!page) return Fail(page.error(), ctx);
                auto r = svc.store().ListScanJobs(*filter, *page);
                if (!r) return Fail(r.error(), ctx);
                std::vector<std::string> items;
                items.reserve(r->items.size());
                for (const auto& j : r->items) items.push_back(json::EncodeScanJob(j));
                return Json(200, json::EncodeList(items, NextCursor(r->next_after)));
              }});
  router.Add({"POST", "/api/v1/scans", "requestScan", Permission::kRequestScans,
              [&svc](const RequestContext& ctx) {
                auto req = json::DecodeScanRequest(ctx.request.body);
                if (!req) return Fail(req.error(), ctx);
                auto r = svc.RequestScan(req->asset_key, req->scan_type, req->idempotency_key,
                                         Meta(ctx));
                ApiResponse resp = r ? Json(r->created ? 201 : 200, json::EncodeScanJob(r->job))
                                     : Fail(r.error(), ctx);
                resp.asset_key = req->asset_key;
                return resp;
              },
              true});
  router.Add({"GET", "/api/v1/scans/{id}", "getScanJob", Permission::kRead,
              [&svc](const RequestContext& ctx) {
                auto id = JobId(ctx);
                if (!id) return Fail(id.error(), ctx);
                auto r = svc.store().GetScanJob(*id);
                if (!r) return Fail(r.error(), ctx);
                return Json(200, json::EncodeScanJob(*r));
              }});
  router.Add({"POST", "/api/v1/scans/{id}/status", "updateScanJobStatus",
              Permission::kUpdateScanJobs,
              [&svc](const RequestContext& ctx) {
                auto id = JobId(ctx);
                if (!id) return Fail(id.error(), ctx);
                auto upd = json::DecodeScanStatusUpdate(ctx.request.body);
                if (!upd) return Fail(upd.error(), ctx);
                auto r = svc.store().UpdateScanJobStatus(
                    *id, upd->status, upd->error, {ctx.actor.Display(), ctx.request_id, ctx.now});
                if (!r) return Fail(r.error(), ctx);
                return Json(200, json::EncodeScanJob(*r));
              },
              true});
  router.Add({"POST", "/api/v1/scans/{id}/log", "appendScanJobLog", Permission::kUpdateScanJobs,
              [&svc](const RequestContext& ctx) {
                auto id = JobId(ctx);
                if (!id) return Fail(id.error(), ctx);
                auto text = json::DecodeLogAppend(ctx.request.body);
                if (!text) return Fail(text.error(), ctx);
                auto r = svc.store().AppendScanJobLog(
                    *id, *text, {ctx.actor.Display(), ctx.request_id, ctx.now});
                if (!r) return Fail(r.error(), ctx);
                return Json(200, json::EncodeScanJob(*r));
              },
              true});
}

}  // namespace secplat::services::api::handlers
