#include <charconv>

#include "adapters/json/codec.h"
#include "core/common/status_map.h"
#include "services/api/handlers/handlers.h"
#include "services/api/http_api.h"
#include "services/api/query.h"

namespace secplat::services::api::handlers {

CallMeta Meta(const RequestContext& ctx) { return {ctx.actor, ctx.request_id, ctx.now}; }

ApiResponse Json(int status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

ApiResponse Fail(const Error& error, const RequestContext& ctx) {
  return ErrorResponse(error, ctx.request_id);
}

Result<std::optional<std::string>> QueryParam(const RequestContext& ctx, const std::string& name) {
  auto [lo, hi] = ctx.query.equal_range(name);
  if (lo == hi) return std::optional<std::string>();
  if (std::next(lo) != hi)
    return Unexpected(ErrorCode::kInvalidArgument, name + ": given more than once");
  return std::optional<std::string>(lo->second);
}

Status OnlyParams(const RequestContext& ctx, std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : ctx.query) {
    bool ok = false;
    for (auto a : allowed) ok = ok || a == k;
    if (!ok) return Unexpected(ErrorCode::kInvalidArgument, k + ": unknown query parameter");
  }
  return OkStatus();
}

Result<ports::store::PageRequest> PageFrom(const RequestContext& ctx) {
  ports::store::PageRequest page;
  SECPLAT_ASSIGN_OR_RETURN(auto limit, QueryParam(ctx, "limit"));
  if (limit) {
    int v = 0;
    auto [p, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), v);
    if (ec != std::errc() || p != limit->data() + limit->size() || v < 1 || v > 1000)
      return Unexpected(ErrorCode::kInvalidArgument,
                        "limit: must be an integer between 1 and 1000");
    page.limit = v;
  }
  SECPLAT_ASSIGN_OR_RETURN(auto cursor, QueryParam(ctx, "cursor"));
  if (cursor) {
    SECPLAT_ASSIGN_OR_RETURN(page.after, DecodeCursor(*cursor));
  }
  return page;
}

std::string NextCursor(int64_t next_after) {
  return next_after > 0 ? EncodeCursor(next_after) : std::string();
}

}  // namespace secplat::services::api::handlers
