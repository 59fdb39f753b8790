#include "adapters/json/codec.h"
#include "core/model/asset.h"
#include "services/api/handlers/handlers.h"

namespace secplat::services::api::handlers {

namespace json = adapters::json;
using core::auth::Permission;
using core::model::Asset;

namespace {

Result<ports::store::AssetFilter> AssetFilterFrom(const RequestContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(OnlyParams(ctx, {"label", "environment", "kind", "limit", "cursor"}));
  ports::store::AssetFilter f;
  SECPLAT_ASSIGN_OR_RETURN(auto label, QueryParam(ctx, "label"));
  if (label) {
    // label=key (present) or label=key=value (equal).
    auto eq = label->find('=');
    f.label_key = label->substr(0, eq);
    if (eq != std::string::npos) f.label_value = label->substr(eq + 1);
    if (f.label_key->empty())
      return Unexpected(ErrorCode::kInvalidArgument, "label: expected key or key=value");
  }
  SECPLAT_ASSIGN_OR_RETURN(auto env, QueryParam(ctx, "environment"));
  if (env) f.environment = *env;
  SECPLAT_ASSIGN_OR_RETURN(auto kind, QueryParam(ctx, "kind"));
  if (kind) {
    f.kind = core::model::ParseAssetKind(*kind);
    if (!f.kind) return Unexpected(ErrorCode::kInvalidArgument, "kind: must be one of web, host");
  }
  return f;
}

}  // namespace

void RegisterAssetRoutes(Router& router, Deps d) {
  ApiService& svc = d.service;
  router.Add(
      {"GET", "/api/v1/assets", "listAssets", Permission::kRead, [&svc](const RequestContext& ctx) {
         auto filter = AssetFilterFrom(ctx);
         if (!filter) return Fail(filter.error(), ctx);
         auto page = PageFrom(ctx);
         if (!page) return Fail(page.error(), ctx);
         auto r = svc.store().ListAssets(*filter, *page);
         if (!r) return Fail(r.error(), ctx);
         std::vector<std::string> items;
         items.reserve(r->items.size());
         for (const Asset& a : r->items) items.push_back(json::EncodeAsset(a));
         return Json(200, json::EncodeList(items, NextCursor(r->next_after)));
       }});
  router.Add({"POST", "/api/v1/assets", "createAsset", Permission::kWriteAssets,
              [&svc](const RequestContext& ctx) {
                auto asset = json::DecodeAssetCreate(ctx.request.body);
                if (!asset) return Fail(asset.error(), ctx);
                auto r = svc.CreateAsset(*asset, Meta(ctx));
                ApiResponse resp = r ? Json(201, json::EncodeAsset(*r)) : Fail(r.error(), ctx);
                resp.asset_key = asset->asset_key;
                return resp;
              },
              true});
  router.Add({"GET", "/api/v1/assets/{asset_key}", "getAsset", Permission::kRead,
              [&svc](const RequestContext& ctx) {
                auto r = svc.store().GetAsset(ctx.path_params.at("asset_key"));
                if (!r) return Fail(r.error(), ctx);
                return Json(200, json::EncodeAsset(*r));
              }});
  router.Add({"PATCH", "/api/v1/assets/{asset_key}", "updateAsset", Permission::kWriteAssets,
              [&svc](const RequestContext& ctx) {
                const std::string& body = ctx.request.body;
                auto r = svc.UpdateAsset(
                    ctx.path_params.at("asset_key"),
                    [&body](const Asset& base) { return json::DecodeAssetPatch(body, base); },
                    Meta(ctx));
                if (!r) return Fail(r.error(), ctx);
                return Json(200, json::EncodeAsset(*r));
              },
              true});
  router.Add({"DELETE", "/api/v1/assets/{asset_key}", "deleteAsset", Permission::kWriteAssets,
              [&svc](const RequestContext& ctx) {
                auto r = svc.DeleteAsset(ctx.path_params.at("asset_key"), Meta(ctx));
                if (!r) return Fail(r.error(), ctx);
                return Json(200, json::EncodeAsset(*r));
              }});
}

}  // namespace secplat::services::api::handlers
