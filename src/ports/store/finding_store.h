// FindingStore: findings, upserted atomically on finding_key. The fold of an observation into
// an existing finding is core::findings::ApplyObservation; the store runs it inside the
// transaction that reads and writes the row, so concurrent posts of one new key give one row.
#ifndef SECPLAT_PORTS_STORE_FINDING_STORE_H_
#define SECPLAT_PORTS_STORE_FINDING_STORE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/findings/lifecycle.h"
#include "core/model/finding.h"
#include "ports/store/common.h"

namespace secplat::ports::store {

struct UpsertOutcome {
  core::model::Finding finding;
  bool created = false;  // true: a new row (API answers 201); false: existing row updated (200)
};

struct FindingFilter {
  std::optional<std::string> asset_key;
  std::optional<core::model::Severity> severity;
  std::optional<core::model::FindingStatus> status;
  std::optional<Timestamp> since;  // last_seen >= since
};

// Findings per severity (CountFindings).
struct FindingCounts {
  int64_t info = 0;
  int64_t low = 0;
  int64_t medium = 0;
  int64_t high = 0;
  int64_t critical = 0;

  int64_t total() const { return info + low + medium + high + critical; }
  bool operator==(const FindingCounts&) const = default;
};

class FindingStore {
 public:
  virtual ~FindingStore() = default;
  // `obs.finding_key` must be set (the API derives it when the caller did not) and
  // `obs.observed_at` too. Errors: kNotFound (asset absent or deleted), kConflict (the key
  // belongs to another asset), kUnavailable.
  virtual Result<UpsertOutcome> UpsertFinding(const core::model::FindingObservation& obs,
                                              const WriteContext& ctx) = 0;
  // All or nothing, in one transaction, in input order; one audit row for the batch.
  // Errors: as UpsertFinding, naming the index of the first failing item.
  virtual Result<std::vector<UpsertOutcome>> UpsertFindings(
      std::span<const core::model::FindingObservation> batch, const WriteContext& ctx) = 0;
  // Errors: kNotFound, kUnavailable.
  virtual Result<core::model::Finding> GetFinding(std::string_view finding_key) = 0;
  // Ordered by id. Errors: kUnavailable.
  virtual Result<Page<core::model::Finding>> ListFindings(const FindingFilter& filter,
                                                          const PageRequest& page) = 0;
  // Findings matching `filter` (its severity, if set, too) counted per severity, in one
  // query (the posture score reads the open findings of an asset). Errors: kUnavailable.
  virtual Result<FindingCounts> CountFindings(const FindingFilter& filter) = 0;
  // Applies core::findings::ApplyStatusChange in a transaction; audited with before/after.
  // Errors: kNotFound, kInvalidArgument / kConflict (from the core rule), kUnavailable.
  virtual Result<core::model::Finding> ChangeFindingStatus(
      std::string_view finding_key, const core::findings::StatusChange& change,
      const WriteContext& ctx) = 0;
};

}  // namespace secplat::ports::store

#endif  // SECPLAT_PORTS_STORE_FINDING_STORE_H_
