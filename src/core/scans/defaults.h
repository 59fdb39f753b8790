// Default scan intervals per scan type (health_http 60 s, tls_headers 6 h, web_exposure 24 h),
// used when an asset does not set its own.
#ifndef SECPLAT_CORE_SCANS_DEFAULTS_H_
#define SECPLAT_CORE_SCANS_DEFAULTS_H_

#include <string_view>

#include "core/common/time.h"
#include "core/model/asset.h"

namespace secplat::core::scans {

// Zero for an unknown scan type.
Duration DefaultInterval(std::string_view scan_type);

// The asset's own interval for `scan_type` when set (> 0), else the default.
Duration IntervalFor(const model::Asset& asset, std::string_view scan_type);

}  // namespace secplat::core::scans

#endif  // SECPLAT_CORE_SCANS_DEFAULTS_H_
