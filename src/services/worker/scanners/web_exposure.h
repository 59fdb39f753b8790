// web_exposure with an explicit signature pack. ScanWebExposure (scanner.h) runs the pack
// compiled into the binary; tests and tools pass their own.
//
//   Result<SignaturePack> pack = core::checks::ParseSignaturePack(text);
//   ScanResult r = co_await ScanWebExposureWithPack(*pack, input, ctx);
#ifndef SECPLAT_SERVICES_WORKER_SCANNERS_WEB_EXPOSURE_H_
#define SECPLAT_SERVICES_WORKER_SCANNERS_WEB_EXPOSURE_H_

#include "core/checks/exposure.h"
#include "services/worker/scanners/scanner.h"

namespace secplat::services::worker {

// The check ids this scanner reports besides the pack's signature ids (finding check_id).
inline constexpr std::string_view kCheckCorsReflected = "cors_reflected_origin_with_credentials";
inline constexpr std::string_view kCheckCorsWildcard = "cors_wildcard_with_credentials";
inline constexpr std::string_view kCheckTrace = "http_trace_enabled";
inline constexpr std::string_view kCheckPlainHttp = "plain_http_no_redirect";
inline constexpr std::string_view kCheckOpenPort = "open_port";

// `pack` must outlive the task. Same contract as ScanWebExposure otherwise.
Task<core::model::ScanResult> ScanWebExposureWithPack(const core::checks::SignaturePack& pack,
                                                      const ScanInput& input, ScanContext& ctx);

}  // namespace secplat::services::worker

#endif  // SECPLAT_SERVICES_WORKER_SCANNERS_WEB_EXPOSURE_H_
