// ScanResult: what one scan of one asset produced, as plain data. Scanners
// (services/worker/scanners) return it; the worker reports it to the API as a scan.completed or
// scan.failed event (payload: FactsToJson of the facts plus the outcome) and a batch of finding
// observations; the deriver and (later) policies read the facts back from the event.
//
//   ScanResult r{.scan_type = "health_http", .asset_key = "web-1"};
//   r.facts.push_back({"health.up", true});
//   r.facts.push_back({"health.status_code", int64_t{200}});
//   FactsToJson(r.facts) == R"({"health.up":true,"health.status_code":200})"
#ifndef SECPLAT_CORE_MODEL_SCAN_RESULT_H_
#define SECPLAT_CORE_MODEL_SCAN_RESULT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/common/time.h"
#include "core/model/finding.h"

namespace secplat::core::model {

// One observed value, named "<scan area>.<what>" (e.g. "tls.accepted_versions"). Facts are the
// evidence policies and posture read; names are stable once shipped.
using FactValue = std::variant<bool, int64_t, double, std::string, std::vector<std::string>>;
struct Fact {
  std::string name;
  FactValue value;
};

// Did the scan judge the target? kCompleted also covers "target is down" (that is a verdict);
// kFailed means the scan could not judge it: the target policy refused it, the asset lacks what
// the scan needs, or our side broke. Posture treats kFailed as "no data", never as down.
enum class ScanOutcome { kCompleted, kFailed };
std::string_view ScanOutcomeName(ScanOutcome o);  // "completed" | "failed"

struct ScanResult {
  std::string scan_type;
  std::string asset_key;
  ScanOutcome outcome = ScanOutcome::kCompleted;
  std::string error_code;     // when failed: e.g. "blocked_by_policy", "no_url", "probe_error"
  std::string error_message;  // when failed: one line for the job log (no secrets)
  Timestamp started_at{};
  Timestamp finished_at{};
  std::vector<Fact> facts;
  // Every finding this run observed. finding_key is set (DeriveFindingKey) and observed_at is
  // the scan's finished_at, so a re-run of the same job reports the same keys.
  std::vector<FindingObservation> findings;
  // check_ids that ran to completion, found or not: a check that ran and did not see a
  // problem is evidence the problem is gone (coverage-aware resolution).
  std::vector<std::string> checks_run;
  std::vector<std::string> log;  // lines for the job's log_output, oldest first
};

// {"name":value,...} in the order given; strings escaped, doubles with up to 17 significant
// digits (non-finite doubles become null), lists as arrays of strings.
std::string FactsToJson(const std::vector<Fact>& facts);

}  // namespace secplat::core::model

#endif  // SECPLAT_CORE_MODEL_SCAN_RESULT_H_
