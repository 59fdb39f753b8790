#include "adapters/json/codec.h"
#include "services/api/handlers/handlers.h"
#include "services/api/http_api.h"

namespace secplat::services::api::handlers {

namespace json = adapters::json;
using core::auth::Permission;

void RegisterAdminRoutes(Router& router, Deps d) {
  ApiService& svc = d.service;
  router.Add({"GET", "/api/v1/me", "whoAmI", Permission::kRead, [](const RequestContext& ctx) {
                core::model::ApiToken self;
                self.id = ctx.actor.token_id;
                self.name = ctx.actor.name;
                self.role = ctx.actor.role;
                return Json(200, json::EncodeToken(self));
              }});
  router.Add(
      {"GET", "/api/v1/openapi.json", "getOpenApi", Permission::kRead,
       [](const RequestContext&) { return Json(200, std::string(HttpApi::OpenApiDocument())); }});
  router.Add({"GET", "/api/v1/tokens", "listTokens", Permission::kAdminister,
              [&svc](const RequestContext& ctx) {
                auto r = svc.store().ListTokens();
                if (!r) return Fail(r.error(), ctx);
                std::vector<std::string> items;
                for (const auto& t : *r) items.push_back(json::EncodeToken(t));
                return Json(200, json::EncodeList(items, ""));
              }});
  router.Add({"POST", "/api/v1/tokens", "createToken", Permission::kAdminister,
              [&svc](const RequestContext& ctx) {
                auto req = json::DecodeTokenCreate(ctx.request.body);
                if (!req) return Fail(req.error(), ctx);
                auto r = svc.IssueToken(req->name, req->role, Meta(ctx));
                if (!r) return Fail(r.error(), ctx);
                ApiResponse resp = Json(201, json::EncodeTokenCreated(r->token, r->plaintext));
                resp.headers.emplace_back("Cache-Control", "no-store");
                return resp;
              },
              true});
  router.Add({"DELETE", "/api/v1/tokens/{id}", "revokeToken", Permission::kAdminister,
              [&svc](const RequestContext& ctx) {
                const std::string& id = ctx.path_params.at("id");
                auto r = svc.RevokeToken(id, Meta(ctx));
                if (!r) return Fail(r.error(), ctx);
                auto t = svc.store().FindToken(id);
                if (!t) return Fail(t.error(), ctx);
                return Json(200, json::EncodeToken(*t));
              }});
  router.Add({"GET", "/api/v1/audit", "listAudit", Permission::kAdminister,
              [&svc](const RequestContext& ctx) {
                auto only = OnlyParams(ctx, {"limit", "cursor"});
                if (!only) return Fail(only.error(), ctx);
                auto page = PageFrom(ctx);
                if (!page) return Fail(page.error(), ctx);
                auto r = svc.store().ListAudit(*page);
                if (!r) return Fail(r.error(), ctx);
                std::vector<std::string> items;
                for (const auto& e : r->items) items.push_back(json::EncodeAuditEntry(e));
                return Json(200, json::EncodeList(items, NextCursor(r->next_after)));
              }});
}

}  // namespace secplat::services::api::handlers
