#include "core/schedule/due.h"

#include <algorithm>

#include "core/contracts/sha256.h"
#include "core/model/scan_job.h"
#include "core/scans/defaults.h"

namespace secplat::core::schedule {

namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t IntervalSeconds(Duration interval) {
  return std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(interval).count());
}

}  // namespace

std::vector<std::string> ScanTypesFor(const model::Asset& asset) {
  std::vector<std::string> types;
  if (asset.url.empty()) return types;
  types.push_back("health_http");
  if (asset.url.rfind("https://", 0) == 0) types.push_back("tls_headers");
  types.push_back("web_exposure");
  return types;
}

Duration JitterOffset(std::string_view asset_key, std::string_view scan_type, Duration interval) {
  std::string name(asset_key);
  name.push_back('\x1f');
  name.append(scan_type);
  contracts::Sha256Digest d = contracts::Sha256(name);
  uint64_t h = 0;
  for (int i = 0; i < 8; ++i) h = (h << 8) | d[i];
  return std::chrono::seconds(
      static_cast<int64_t>(h % static_cast<uint64_t>(IntervalSeconds(interval))));
}

int64_t ScheduleBucket(Timestamp now, Duration interval, Duration offset) {
  int64_t unix_seconds = FloorDiv(ToUnixMillis(now), 1000);
  int64_t offset_seconds = std::chrono::duration_cast<std::chrono::seconds>(offset).count();
  return FloorDiv(unix_seconds - offset_seconds, IntervalSeconds(interval));
}

std::string ScheduledScanKey(std::string_view scan_type, std::string_view asset_key, Timestamp now,
                             Duration interval) {
  int64_t bucket = ScheduleBucket(now, interval, JitterOffset(asset_key, scan_type, interval));
  std::string key(scan_type);
  key.push_back('+');
  key.append(asset_key);
  key.push_back('+');
  key.append(std::to_string(bucket));
  return key;
}

std::vector<DueScan> DueScans(const model::Asset& asset, Timestamp now) {
  std::vector<DueScan> out;
  if (!asset.enabled || asset.deleted_at.has_value()) return out;
  for (const std::string& type : ScanTypesFor(asset)) {
    auto it = asset.scan.find(type);
    if (it != asset.scan.end() && !it->second.enabled) continue;
    Duration interval = scans::IntervalFor(asset, type);
    if (interval <= Duration(0)) continue;
    Duration offset = JitterOffset(asset.asset_key, type, interval);
    DueScan d;
    d.asset_key = asset.asset_key;
    d.scan_type = type;
    d.interval = interval;
    d.bucket = ScheduleBucket(now, interval, offset);
    d.idempotency_key = type + "+" + asset.asset_key + "+" + std::to_string(d.bucket);
    d.period_start =
        FromUnixMillis((d.bucket * IntervalSeconds(interval) +
                        std::chrono::duration_cast<std::chrono::seconds>(offset).count()) *
                       1000);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace secplat::core::schedule
