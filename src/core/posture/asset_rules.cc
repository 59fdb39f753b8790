#include "core/posture/asset_rules.h"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <string>

namespace secplat::core::posture {

namespace {

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 12) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseFraction(std::string_view s, double* out) {
  // "0.3", "0.25", "1": digits with at most one dot; no exponent, sign or spaces.
  if (s.empty() || s.size() > 12) return false;
  double value = 0;
  double scale = 0;
  for (char c : s) {
    if (c == '.') {
      if (scale != 0) return false;
      scale = 1;
      continue;
    }
    if (c < '0' || c > '9') return false;
    if (scale == 0) {
      value = value * 10 + (c - '0');
    } else {
      scale /= 10;
      value += (c - '0') * scale;
    }
  }
  if (s.back() == '.') return false;
  *out = value;
  return true;
}

bool ParseDuration(std::string_view s, Duration* out) {
  if (s.size() < 2) return false;
  int64_t n = 0;
  if (!ParseInt(s.substr(0, s.size() - 1), &n) || n <= 0) return false;
  switch (s.back()) {
    case 's':
      *out = std::chrono::seconds(n);
      return true;
    case 'm':
      *out = std::chrono::minutes(n);
      return true;
    case 'h':
      *out = std::chrono::hours(n);
      return true;
    default:
      return false;
  }
}

}  // namespace

Result<model::PostureRulesOverride> OverrideForAsset(const model::Asset& asset) {
  model::PostureRulesOverride o;
  if (auto it = asset.scan.find(std::string(model::kHealthScanType));
      it != asset.scan.end() && it->second.interval_seconds > 0) {
    o.health_interval = std::chrono::seconds(it->second.interval_seconds);
  }
  for (const auto& [key, value] : asset.labels) {
    if (key.rfind(kPostureLabelPrefix, 0) != 0) continue;
    std::string_view rule = std::string_view(key).substr(kPostureLabelPrefix.size());
    auto bad = [&](std::string_view want) {
      return Unexpected(
          ErrorCode::kInvalidArgument,
          "label " + key + ": must be " + std::string(want) + ", got \"" + value + "\"");
    };
    int64_t n = 0;
    double f = 0;
    Duration d{};
    if (rule == "fail_threshold" || rule == "recover_threshold" || rule == "flap_window") {
      if (!ParseInt(value, &n) || n < 1 || n > 1000) return bad("an integer from 1 to 1000");
      if (rule == "fail_threshold") o.fail_threshold = static_cast<int>(n);
      if (rule == "recover_threshold") o.recover_threshold = static_cast<int>(n);
      if (rule == "flap_window") o.flap_window = static_cast<int>(n);
    } else if (rule == "flap_low" || rule == "flap_high") {
      if (!ParseFraction(value, &f) || f <= 0 || f > 1) return bad("a decimal in (0, 1]");
      (rule == "flap_low" ? o.flap_low : o.flap_high) = f;
    } else if (rule == "debounce_window" || rule == "stale_after") {
      if (!ParseDuration(value, &d)) return bad("a duration like 30s, 5m or 1h");
      (rule == "debounce_window" ? o.debounce_window : o.stale_after) = d;
    } else {
      return Unexpected(ErrorCode::kInvalidArgument,
                        "label " + key +
                            ": unknown posture rule (known: fail_threshold, recover_threshold, "
                            "flap_window, flap_low, flap_high, debounce_window, stale_after)");
    }
  }
  return o;
}

}  // namespace secplat::core::posture
