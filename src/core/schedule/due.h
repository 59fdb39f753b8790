// Scan scheduling: which scans of an asset are due, and the idempotency key that makes each
// one happen once per period however many schedulers run (roadmap phase 2.2).
//
// Each (asset, scan type) gets a fixed offset inside its interval, derived from a hash of its
// names (jitter: 10,000 assets with a 60 s interval spread over the minute instead of all
// firing at :00). Period n of that pair runs from offset + n·interval; its key is
// "{scan_type}+{asset_key}+{n}". Any scheduler computing the key at any time inside the period
// gets the same key, and the API creates at most one job per key.
//
//   auto due = DueScans(asset, now);
//   // [{asset_key "web-1", scan_type "health_http", bucket 29401234,
//   //   idempotency_key "health_http+web-1+29401234", ...}, ...]
#ifndef SECPLAT_CORE_SCHEDULE_DUE_H_
#define SECPLAT_CORE_SCHEDULE_DUE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/time.h"
#include "core/model/asset.h"

namespace secplat::core::schedule {

// The scan types a kind of asset gets when its scan map says nothing: web assets get
// health_http, tls_headers (https only) and web_exposure; host assets (no URL) get none of the
// URL-based scans until a host scan type exists.
std::vector<std::string> ScanTypesFor(const model::Asset& asset);

// The offset in [0, interval) of (asset_key, scan_type), whole seconds. Deterministic.
Duration JitterOffset(std::string_view asset_key, std::string_view scan_type, Duration interval);

// floor((now - offset) / interval) with interval truncated to whole seconds (at least 1 s).
int64_t ScheduleBucket(Timestamp now, Duration interval, Duration offset);

// "{scan_type}+{asset_key}+{ScheduleBucket(now, interval, JitterOffset(...))}".
std::string ScheduledScanKey(std::string_view scan_type, std::string_view asset_key, Timestamp now,
                             Duration interval);

struct DueScan {
  std::string asset_key;
  std::string scan_type;
  Duration interval{};
  int64_t bucket = 0;
  std::string idempotency_key;
  Timestamp period_start{};  // offset + bucket·interval
};

// One entry per scan type the asset should run now (its current period): nothing for a
// disabled or deleted asset; scan types disabled in asset.scan are left out; intervals from
// core::scans::IntervalFor.
std::vector<DueScan> DueScans(const model::Asset& asset, Timestamp now);

}  // namespace secplat::core::schedule

#endif  // SECPLAT_CORE_SCHEDULE_DUE_H_
