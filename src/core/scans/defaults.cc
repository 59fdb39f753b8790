#include "core/scans/defaults.h"

#include <string>

namespace secplat::core::scans {

Duration DefaultInterval(std::string_view scan_type) {
  using std::chrono::hours;
  using std::chrono::seconds;
  if (scan_type == "health_http") return seconds(60);
  if (scan_type == "tls_headers") return hours(6);
  if (scan_type == "web_exposure") return hours(24);
  return Duration(0);
}

Duration IntervalFor(const model::Asset& asset, std::string_view scan_type) {
  auto it = asset.scan.find(std::string(scan_type));
  if (it != asset.scan.end() && it->second.interval_seconds > 0)
    return std::chrono::seconds(it->second.interval_seconds);
  return DefaultInterval(scan_type);
}

}  // namespace secplat::core::scans
