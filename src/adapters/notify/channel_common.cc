#include "adapters/notify/channel_common.h"

namespace secplat::adapters::notify::internal {

std::string StatusWord(const core::model::NotifyEvent& e) {
  return e.status == core::model::ProblemStatus::kFiring ? "FIRING" : "RESOLVED";
}

std::string OneLine(const core::model::NotifyEvent& e) {
  std::string out = "[" + StatusWord(e) + "] " +
                    std::string(core::model::SeverityName(e.severity)) + " " + e.asset_key;
  if (!e.summary.empty()) out += ": " + e.summary;
  return out;
}

std::string SinceText(const core::model::NotifyEvent& e) {
  return e.since ? FormatRfc3339(*e.since) : "-";
}

Status CheckHttpUrl(std::string_view url, std::string_view what) {
  const bool https = url.substr(0, 8) == "https://";
  const bool http = url.substr(0, 7) == "http://";
  if (!https && !http) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      std::string(what) + ": must start with https:// or http://");
  }
  if (UrlHost(url).empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, std::string(what) + ": has no host");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        std::string(what) + ": contains whitespace or control characters");
    }
  }
  return OkStatus();
}

std::string UrlHost(std::string_view url) {
  const size_t p = url.find("://");
  if (p == std::string_view::npos) return "";
  std::string_view rest = url.substr(p + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  return std::string(rest);
}

std::string TrimSlash(std::string_view base) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base);
}

Status CheckEvent(const core::model::NotifyEvent& e) {
  if (e.event_id.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, "event_id: must not be empty");
  }
  if (e.problem_key.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, "problem_key: must not be empty");
  }
  return OkStatus();
}

}  // namespace secplat::adapters::notify::internal
