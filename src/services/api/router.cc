#include "services/api/router.h"

#include "services/api/query.h"

namespace secplat::services::api {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  if (!path.empty() && path[0] == '/') pos = 1;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) {
      parts.push_back(path.substr(pos));
      break;
    }
    parts.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return parts;
}

// Matches `path` segments against `pattern`; fills raw params. No decoding here.
bool MatchPattern(std::string_view pattern, const std::vector<std::string_view>& segs,
                  std::map<std::string, std::string>* raw) {
  auto pat = Split(pattern);
  if (pat.size() != segs.size()) return false;
  for (size_t i = 0; i < pat.size(); ++i) {
    if (pat[i].size() > 2 && pat[i].front() == '{' && pat[i].back() == '}') {
      if (segs[i].empty()) return false;
      (*raw)[std::string(pat[i].substr(1, pat[i].size() - 2))] = std::string(segs[i]);
    } else if (pat[i] != segs[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Router::Add(Route route) { routes_.push_back(std::move(route)); }

Result<RouteMatch> Router::Match(std::string_view method, std::string_view path) const {
  auto segs = Split(path);
  std::string allowed;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> raw;
    if (!MatchPattern(r.pattern, segs, &raw)) continue;
    if (r.method != method) {
      if (allowed.find(r.method) == std::string::npos) {
        if (!allowed.empty()) allowed += ", ";
        allowed += r.method;
      }
      continue;
    }
    RouteMatch m;
    m.route = &r;
    for (auto& [k, v] : raw) {
      auto decoded = PercentDecode(v, false);
      if (!decoded)
        return Unexpected(ErrorCode::kInvalidArgument, k + ": " + decoded.error().message);
      m.params[k] = std::move(*decoded);
    }
    return m;
  }
  if (!allowed.empty()) return Unexpected(ErrorCode::kMethodNotAllowed, allowed);
  return Unexpected(ErrorCode::kNotFound, "no route for " + std::string(path.substr(0, 200)));
}

}  // namespace secplat::services::api
