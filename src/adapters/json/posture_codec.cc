// Posture <-> JSON (posture_codec.h): lossless status/score/transition documents, the stored
// form of a record, and the documents of the posture routes.
#include "adapters/json/posture_codec.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "adapters/json/codec.h"
#include "adapters/json/internal/posture_fast.h"
#include "adapters/json/internal/reader.h"
#include "core/common/json_string.h"
#include "core/contracts/envelope.h"
#include "core/validation/field_path.h"

namespace secplat::adapters::json {
namespace {

using core::model::CheckOutcome;
using core::model::HealthSample;
using core::model::PostureConfidence;
using core::model::PostureFacts;
using core::model::PostureScore;
using core::model::PostureState;
using core::model::PostureStatus;
using core::model::PostureTransition;
using core::model::ScanTypeSeen;
using core::model::ScoreReason;
using core::model::TransitionReason;
using core::validation::IndexPath;
using internal::Json;
using internal::ObjectReader;
using internal::OJson;
using ports::platform::PostureRecord;

constexpr std::string_view kStates = "unknown, up, pending, down, flapping, stale, maintenance";
constexpr std::string_view kOutcomes = "up, down, probe_error";
constexpr std::string_view kReasons =
    "first_result, failure_unconfirmed, consecutive_failures, recovered, consecutive_successes, "
    "flapping_started, flapping_stopped, no_fresh_result, fresh_result, recomputed";
constexpr int64_t kMaxCount = INT64_MAX;
constexpr int64_t kMaxInt = 2147483647;

// ---- Strict readers: every member required -----------------------------------------------------

Unexpected Required(const ObjectReader& r, std::string_view key) { return r.Fail(key, "required"); }

Result<std::string> ReqString(const ObjectReader& r, std::string_view key) {
  return r.RequiredString(key);
}

Result<int64_t> ReqInt(const ObjectReader& r, std::string_view key, int64_t min, int64_t max) {
  SECPLAT_ASSIGN_OR_RETURN(auto v, r.OptionalInt(key, min, max));
  if (!v) return Required(r, key);
  return *v;
}

Result<bool> ReqBool(const ObjectReader& r, std::string_view key) {
  SECPLAT_ASSIGN_OR_RETURN(auto v, r.OptionalBool(key));
  if (!v) return Required(r, key);
  return *v;
}

// Slack on the bounds of ReqDouble: the core's weighted sums can land an ulp outside [0, 1]
// (a flap value of 1.0000000000000002 has been seen), and the round trip must stay lossless.
constexpr double kBoundSlack = 1e-9;

// A finite number (integers accepted) in [min, max], up to kBoundSlack outside.
Result<double> ReqDouble(const ObjectReader& r, std::string_view key, double min, double max) {
  const Json* v = r.Find(key);
  if (v == nullptr) return Required(r, key);
  auto range = [&] {
    char buf[96];
    std::snprintf(buf, sizeof buf, "must be a number between %g and %g", min, max);
    return r.Fail(key, buf);
  };
  if (!v->is_number()) return range();
  double d = v->get<double>();
  if (!std::isfinite(d) || d < min - kBoundSlack || d > max + kBoundSlack) return range();
  return d;
}

Result<Timestamp> ReqTime(const ObjectReader& r, std::string_view key) {
  SECPLAT_ASSIGN_OR_RETURN(auto t, r.OptionalTimestamp(key));
  if (!t) return Required(r, key);
  return *t;
}

// Present; null means unset.
Result<std::optional<Timestamp>> NullableTime(const ObjectReader& r, std::string_view key) {
  const Json* v = r.Find(key);
  if (v == nullptr) return Required(r, key);
  if (v->is_null()) return std::optional<Timestamp>();
  return r.OptionalTimestamp(key);
}

Result<std::optional<std::string>> NullableString(const ObjectReader& r, std::string_view key) {
  const Json* v = r.Find(key);
  if (v == nullptr) return Required(r, key);
  if (v->is_null()) return std::optional<std::string>();
  return r.OptionalString(key);
}

Result<PostureState> ReqState(const ObjectReader& r, std::string_view key) {
  return r.RequiredEnum<PostureState>(key, core::model::ParsePostureState, kStates);
}

// The array member `key` with at most `max` items.
Result<const Json*> ReqArray(const ObjectReader& r, std::string_view key, size_t max) {
  const Json* v = r.Find(key);
  if (v == nullptr) return Required(r, key);
  if (!v->is_array()) return r.Fail(key, "must be an array");
  if (v->size() > max) return r.Fail(key, "must have at most " + std::to_string(max) + " items");
  return v;
}

Result<ObjectReader> ReqObject(const ObjectReader& r, std::string_view key) {
  const Json* v = r.Find(key);
  if (v == nullptr) return Required(r, key);
  return ObjectReader::Open(*v, r.PathOf(key));
}

// Decodes each item of the array `key` with `read(const Json&, path) -> Result<T>`.
template <typename T, typename Read>
Result<std::vector<T>> ReqList(const ObjectReader& r, std::string_view key, size_t max,
                               Read&& read) {
  SECPLAT_ASSIGN_OR_RETURN(const Json* items, ReqArray(r, key, max));
  std::vector<T> out;
  out.reserve(items->size());
  const std::string path = r.PathOf(key);
  for (size_t i = 0; i < items->size(); ++i) {
    SECPLAT_ASSIGN_OR_RETURN(T item, read((*items)[i], IndexPath(path, i)));
    out.push_back(std::move(item));
  }
  return out;
}

// ---- outcome_bits as 16 hex digits ---------------------------------------------------------

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return std::string(buf, 16);
}

Result<uint64_t> ReqHex64(const ObjectReader& r, std::string_view key) {
  SECPLAT_ASSIGN_OR_RETURN(std::string s, ReqString(r, key));
  if (s.size() != 16) return r.Fail(key, "must be 16 hexadecimal digits");
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return r.Fail(key, "must be 16 hexadecimal digits");
    }
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

// ---- Encoders ----------------------------------------------------------------------------------

std::string StateName(PostureState s) { return std::string(core::model::PostureStateName(s)); }

OJson FactsObject(const PostureFacts& f) {
  OJson o = OJson::object();
  o["state"] = StateName(f.state);
  o["health"] = StateName(f.health);
  o["last_good_status"] = StateName(f.last_good_status);
  o["flapping"] = f.flapping;
  o["flap_value"] = f.flap_value;
  o["consecutive_failures"] = f.consecutive_failures;
  o["consecutive_successes"] = f.consecutive_successes;
  o["failing_since"] = internal::TimeOrNull(f.failing_since);
  o["last_result_at"] = internal::TimeOrNull(f.last_result_at);
  o["last_up_at"] = internal::TimeOrNull(f.last_up_at);
  o["status_since"] = internal::TimeOrNull(f.status_since);
  o["last_change_at"] = internal::TimeOrNull(f.last_change_at);
  o["status_event_id"] = f.status_event_id;
  o["last_failure_reason"] = f.last_failure_reason;
  o["outcome_bits"] = Hex64(f.outcome_bits);
  o["outcome_count"] = f.outcome_count;
  return o;
}

OJson SampleObject(const HealthSample& s) {
  OJson o = OJson::object();
  o["event_id"] = s.event_id;
  o["observed_at"] = FormatRfc3339(s.observed_at);
  o["outcome"] = std::string(core::model::CheckOutcomeName(s.outcome));
  o["failure_reason"] = s.failure_reason;
  return o;
}

OJson RingArray(const std::vector<HealthSample>& ring) {
  OJson a = OJson::array();
  for (const auto& s : ring) a.push_back(SampleObject(s));
  return a;
}

// The confidence components; with the score when `with_score`.
OJson ConfidenceObject(const PostureConfidence& c, bool with_score) {
  OJson o = OJson::object();
  if (with_score) o["score"] = c.score;
  o["freshness"] = c.freshness;
  o["completeness"] = c.completeness;
  o["agreement"] = c.agreement;
  o["probe_error_share"] = c.probe_error_share;
  o["coverage"] = c.coverage;
  o["samples_expected"] = c.samples_expected;
  o["samples_received"] = c.samples_received;
  OJson missing = OJson::array();
  for (const auto& m : c.missing_scan_types) missing.push_back(m);
  o["missing_scan_types"] = std::move(missing);
  return o;
}

OJson StatusObject(const PostureStatus& s) {
  OJson o = OJson::object();
  o["asset_key"] = s.asset_key;
  o["current"] = FactsObject(s.current);
  o["base"] = FactsObject(s.base);
  o["ring"] = RingArray(s.ring);
  OJson seen = OJson::array();
  for (const auto& t : s.seen) {
    OJson e = OJson::object();
    e["scan_type"] = t.scan_type;
    e["last_at"] = FormatRfc3339(t.last_at);
    seen.push_back(std::move(e));
  }
  o["seen"] = std::move(seen);
  o["tls_grade"] = s.tls_grade ? OJson(*s.tls_grade) : OJson(nullptr);
  o["tls_grade_at"] = internal::TimeOrNull(s.tls_grade_at);
  o["tls_grade_event_id"] = s.tls_grade_event_id;
  o["results_applied"] = s.results_applied;
  o["results_duplicate"] = s.results_duplicate;
  o["results_too_old"] = s.results_too_old;
  o["results_invalid"] = s.results_invalid;
  o["confidence"] = ConfidenceObject(s.confidence, true);
  o["evaluated_at"] = internal::TimeOrNull(s.evaluated_at);
  return o;
}

OJson ReasonsArray(const std::vector<ScoreReason>& reasons) {
  OJson a = OJson::array();
  for (const auto& r : reasons) {
    OJson o = OJson::object();
    o["code"] = r.code;
    o["text"] = r.text;
    o["points"] = r.points;
    a.push_back(std::move(o));
  }
  return a;
}

OJson TransitionObject(const PostureTransition& t) {
  OJson o = OJson::object();
  o["asset_key"] = t.asset_key;
  o["from"] = StateName(t.from);
  o["to"] = StateName(t.to);
  o["at"] = FormatRfc3339(t.at);
  o["detected_at"] = FormatRfc3339(t.detected_at);
  o["reason"] = std::string(core::model::TransitionReasonName(t.reason));
  o["reason_text"] = t.reason_text;
  o["event_id"] = t.event_id;
  o["important"] = t.important;
  return o;
}

OJson TransitionsArray(std::span<const PostureTransition> ts) {
  OJson a = OJson::array();
  for (const auto& t : ts) a.push_back(TransitionObject(t));
  return a;
}

// ---- Decoders ----------------------------------------------------------------------------------

Result<PostureFacts> ReadFacts(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(
      r.OnlyKnown({"state", "health", "last_good_status", "flapping", "flap_value",
                   "consecutive_failures", "consecutive_successes", "failing_since",
                   "last_result_at", "last_up_at", "status_since", "last_change_at",
                   "status_event_id", "last_failure_reason", "outcome_bits", "outcome_count"}));
  PostureFacts f;
  SECPLAT_ASSIGN_OR_RETURN(f.state, ReqState(r, "state"));
  SECPLAT_ASSIGN_OR_RETURN(f.health, ReqState(r, "health"));
  SECPLAT_ASSIGN_OR_RETURN(f.last_good_status, ReqState(r, "last_good_status"));
  SECPLAT_ASSIGN_OR_RETURN(f.flapping, ReqBool(r, "flapping"));
  SECPLAT_ASSIGN_OR_RETURN(f.flap_value, ReqDouble(r, "flap_value", 0.0, 1.0));
  SECPLAT_ASSIGN_OR_RETURN(int64_t failures, ReqInt(r, "consecutive_failures", 0, kMaxInt));
  f.consecutive_failures = static_cast<int>(failures);
  SECPLAT_ASSIGN_OR_RETURN(int64_t successes, ReqInt(r, "consecutive_successes", 0, kMaxInt));
  f.consecutive_successes = static_cast<int>(successes);
  SECPLAT_ASSIGN_OR_RETURN(f.failing_since, NullableTime(r, "failing_since"));
  SECPLAT_ASSIGN_OR_RETURN(f.last_result_at, NullableTime(r, "last_result_at"));
  SECPLAT_ASSIGN_OR_RETURN(f.last_up_at, NullableTime(r, "last_up_at"));
  SECPLAT_ASSIGN_OR_RETURN(f.status_since, NullableTime(r, "status_since"));
  SECPLAT_ASSIGN_OR_RETURN(f.last_change_at, NullableTime(r, "last_change_at"));
  SECPLAT_ASSIGN_OR_RETURN(f.status_event_id, ReqString(r, "status_event_id"));
  SECPLAT_ASSIGN_OR_RETURN(f.last_failure_reason, ReqString(r, "last_failure_reason"));
  SECPLAT_ASSIGN_OR_RETURN(f.outcome_bits, ReqHex64(r, "outcome_bits"));
  SECPLAT_ASSIGN_OR_RETURN(int64_t count, ReqInt(r, "outcome_count", 0, 64));
  f.outcome_count = static_cast<int>(count);
  return f;
}

Result<HealthSample> ReadSample(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"event_id", "observed_at", "outcome", "failure_reason"}));
  HealthSample s;
  SECPLAT_ASSIGN_OR_RETURN(s.event_id, ReqString(r, "event_id"));
  SECPLAT_ASSIGN_OR_RETURN(s.observed_at, ReqTime(r, "observed_at"));
  SECPLAT_ASSIGN_OR_RETURN(s.outcome, r.RequiredEnum<CheckOutcome>(
                                          "outcome", core::model::ParseCheckOutcome, kOutcomes));
  SECPLAT_ASSIGN_OR_RETURN(s.failure_reason, ReqString(r, "failure_reason"));
  return s;
}

Result<ScanTypeSeen> ReadSeen(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"scan_type", "last_at"}));
  ScanTypeSeen s;
  SECPLAT_ASSIGN_OR_RETURN(s.scan_type, ReqString(r, "scan_type"));
  SECPLAT_ASSIGN_OR_RETURN(s.last_at, ReqTime(r, "last_at"));
  return s;
}

Result<std::string> ReadStringItem(const Json& value, const std::string& path) {
  if (!value.is_string()) return internal::FailAt(path, "must be a string");
  return value.get<std::string>();
}

Result<PostureConfidence> ReadConfidence(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(
      r.OnlyKnown({"score", "freshness", "completeness", "agreement", "probe_error_share",
                   "coverage", "samples_expected", "samples_received", "missing_scan_types"}));
  PostureConfidence c;
  SECPLAT_ASSIGN_OR_RETURN(int64_t score, ReqInt(r, "score", 0, 100));
  c.score = static_cast<int>(score);
  SECPLAT_ASSIGN_OR_RETURN(c.freshness, ReqDouble(r, "freshness", 0.0, 1.0));
  SECPLAT_ASSIGN_OR_RETURN(c.completeness, ReqDouble(r, "completeness", 0.0, 1.0));
  SECPLAT_ASSIGN_OR_RETURN(c.agreement, ReqDouble(r, "agreement", 0.0, 1.0));
  SECPLAT_ASSIGN_OR_RETURN(c.probe_error_share, ReqDouble(r, "probe_error_share", 0.0, 1.0));
  SECPLAT_ASSIGN_OR_RETURN(c.coverage, ReqDouble(r, "coverage", 0.0, 1.0));
  SECPLAT_ASSIGN_OR_RETURN(int64_t expected, ReqInt(r, "samples_expected", 0, kMaxInt));
  c.samples_expected = static_cast<int>(expected);
  SECPLAT_ASSIGN_OR_RETURN(int64_t received, ReqInt(r, "samples_received", 0, kMaxInt));
  c.samples_received = static_cast<int>(received);
  SECPLAT_ASSIGN_OR_RETURN(
      c.missing_scan_types,
      ReqList<std::string>(r, "missing_scan_types", kMaxPostureSeen, ReadStringItem));
  return c;
}

Result<PostureStatus> ReadStatus(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(
      r.OnlyKnown({"asset_key", "current", "base", "ring", "seen", "tls_grade", "tls_grade_at",
                   "tls_grade_event_id", "results_applied", "results_duplicate", "results_too_old",
                   "results_invalid", "confidence", "evaluated_at"}));
  PostureStatus s;
  SECPLAT_ASSIGN_OR_RETURN(s.asset_key, ReqString(r, "asset_key"));
  if (!r.Has("current")) return Required(r, "current");
  SECPLAT_ASSIGN_OR_RETURN(s.current, ReadFacts(*r.Find("current"), r.PathOf("current")));
  if (!r.Has("base")) return Required(r, "base");
  SECPLAT_ASSIGN_OR_RETURN(s.base, ReadFacts(*r.Find("base"), r.PathOf("base")));
  SECPLAT_ASSIGN_OR_RETURN(s.ring, ReqList<HealthSample>(r, "ring", kMaxPostureRing, ReadSample));
  SECPLAT_ASSIGN_OR_RETURN(s.seen, ReqList<ScanTypeSeen>(r, "seen", kMaxPostureSeen, ReadSeen));
  SECPLAT_ASSIGN_OR_RETURN(s.tls_grade, NullableString(r, "tls_grade"));
  SECPLAT_ASSIGN_OR_RETURN(s.tls_grade_at, NullableTime(r, "tls_grade_at"));
  SECPLAT_ASSIGN_OR_RETURN(s.tls_grade_event_id, ReqString(r, "tls_grade_event_id"));
  SECPLAT_ASSIGN_OR_RETURN(s.results_applied, ReqInt(r, "results_applied", 0, kMaxCount));
  SECPLAT_ASSIGN_OR_RETURN(s.results_duplicate, ReqInt(r, "results_duplicate", 0, kMaxCount));
  SECPLAT_ASSIGN_OR_RETURN(s.results_too_old, ReqInt(r, "results_too_old", 0, kMaxCount));
  SECPLAT_ASSIGN_OR_RETURN(s.results_invalid, ReqInt(r, "results_invalid", 0, kMaxCount));
  if (!r.Has("confidence")) return Required(r, "confidence");
  SECPLAT_ASSIGN_OR_RETURN(s.confidence,
                           ReadConfidence(*r.Find("confidence"), r.PathOf("confidence")));
  SECPLAT_ASSIGN_OR_RETURN(s.evaluated_at, NullableTime(r, "evaluated_at"));
  return s;
}

Result<ScoreReason> ReadReason(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"code", "text", "points"}));
  ScoreReason reason;
  SECPLAT_ASSIGN_OR_RETURN(reason.code, ReqString(r, "code"));
  SECPLAT_ASSIGN_OR_RETURN(reason.text, ReqString(r, "text"));
  SECPLAT_ASSIGN_OR_RETURN(int64_t points, ReqInt(r, "points", 0, kMaxInt));
  reason.points = static_cast<int>(points);
  return reason;
}

constexpr size_t kMaxScoreReasons = 64;

// The grade letters ScorePosture produces.
bool IsGrade(std::string_view g) {
  return g == "A" || g == "B" || g == "C" || g == "D" || g == "F";
}

Result<PostureScore> ReadScore(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"score", "grade", "reasons"}));
  PostureScore s;
  SECPLAT_ASSIGN_OR_RETURN(int64_t score, ReqInt(r, "score", 0, 100));
  s.score = static_cast<int>(score);
  SECPLAT_ASSIGN_OR_RETURN(s.grade, ReqString(r, "grade"));
  if (!IsGrade(s.grade)) return r.Fail("grade", "must be one of A, B, C, D, F");
  SECPLAT_ASSIGN_OR_RETURN(s.reasons,
                           ReqList<ScoreReason>(r, "reasons", kMaxScoreReasons, ReadReason));
  return s;
}

Result<PostureTransition> ReadTransition(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"asset_key", "from", "to", "at", "detected_at", "reason",
                                       "reason_text", "event_id", "important"}));
  PostureTransition t;
  SECPLAT_ASSIGN_OR_RETURN(t.asset_key, ReqString(r, "asset_key"));
  SECPLAT_ASSIGN_OR_RETURN(t.from, ReqState(r, "from"));
  SECPLAT_ASSIGN_OR_RETURN(t.to, ReqState(r, "to"));
  SECPLAT_ASSIGN_OR_RETURN(t.at, ReqTime(r, "at"));
  SECPLAT_ASSIGN_OR_RETURN(t.detected_at, ReqTime(r, "detected_at"));
  SECPLAT_ASSIGN_OR_RETURN(t.reason, r.RequiredEnum<TransitionReason>(
                                         "reason", core::model::ParseTransitionReason, kReasons));
  SECPLAT_ASSIGN_OR_RETURN(t.reason_text, ReqString(r, "reason_text"));
  SECPLAT_ASSIGN_OR_RETURN(t.event_id, ReqString(r, "event_id"));
  SECPLAT_ASSIGN_OR_RETURN(t.important, ReqBool(r, "important"));
  return t;
}

Result<std::vector<PostureTransition>> ReadTransitions(const Json& value, const std::string& path) {
  if (!value.is_array()) return internal::FailAt(path, "must be an array");
  if (value.size() > kMaxPostureTransitions)
    return internal::FailAt(
        path, "must have at most " + std::to_string(kMaxPostureTransitions) + " items");
  std::vector<PostureTransition> out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    SECPLAT_ASSIGN_OR_RETURN(PostureTransition t, ReadTransition(value[i], IndexPath(path, i)));
    out.push_back(std::move(t));
  }
  return out;
}

// Runs `read` over a whole document (the empty path is "body").
template <typename Read>
auto DecodeDocument(std::string_view text, Read&& read) -> decltype(read(Json(), std::string())) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(text));
  return read(doc, std::string());
}

std::string StateCountKey(PostureState s) { return StateName(s); }

constexpr PostureState kAllStates[] = {
    PostureState::kUnknown,  PostureState::kUp,    PostureState::kPending,    PostureState::kDown,
    PostureState::kFlapping, PostureState::kStale, PostureState::kMaintenance};

// The list item's members (shared by the detail).
OJson ItemObject(const ports::store::StoredPosture& p) {
  const bool derived = p.version > 0;
  OJson o = OJson::object();
  o["asset_key"] = p.asset_key;
  o["state"] = StateName(p.state);
  o["status_num"] = core::model::StatusNum(p.state);
  o["since"] = internal::TimeOrNull(p.since);
  o["score"] = derived ? OJson(p.score) : OJson(nullptr);
  o["grade"] = derived ? OJson(p.grade) : OJson(nullptr);
  o["confidence"] = derived ? OJson(p.confidence) : OJson(nullptr);
  o["last_result_at"] = internal::TimeOrNull(p.last_result_at);
  o["updated_at"] = derived ? OJson(FormatRfc3339(p.updated_at)) : OJson(nullptr);
  o["version"] = p.version;
  return o;
}

// Summary columns of a record (the list item of the detail).
ports::store::StoredPosture Summary(std::string_view asset_key, const PostureRecord& r) {
  ports::store::StoredPosture p;
  p.asset_key = std::string(asset_key);
  p.state = r.status.current.state;
  p.since = r.status.current.status_since;
  p.last_result_at = r.status.current.last_result_at;
  p.score = r.score.score;
  p.grade = r.score.grade;
  p.confidence = r.status.confidence.score;
  p.version = r.version;
  p.updated_at = r.updated_at;
  p.check_by = r.check_by;
  return p;
}

}  // namespace

// ---- Documents -------------------------------------------------------------------------------

// The documents are written without a DOM (internal/posture_fast.h, byte for byte what
// Dump(StatusObject(...)) writes) and read through its fast path first; anything the fast path
// does not accept goes through the strict readers above, which accept it or name the error.
std::string EncodePostureStatus(const PostureStatus& status) {
  std::string out;
  out.reserve(4096);
  internal::AppendPostureStatus(out, status);
  return out;
}
Result<PostureStatus> DecodePostureStatus(std::string_view text) {
  if (auto fast = internal::FastDecodePostureStatus(text)) return *std::move(fast);
  return DecodeDocument(text, ReadStatus);
}
std::string EncodePostureScore(const PostureScore& score) {
  std::string out;
  internal::AppendPostureScore(out, score);
  return out;
}
Result<PostureScore> DecodePostureScore(std::string_view text) {
  if (auto fast = internal::FastDecodePostureScore(text)) return *std::move(fast);
  return DecodeDocument(text, ReadScore);
}
std::string EncodePostureTransition(const PostureTransition& transition) {
  return internal::Dump(TransitionObject(transition));
}
Result<PostureTransition> DecodePostureTransition(std::string_view text) {
  return DecodeDocument(text, ReadTransition);
}
std::string EncodePostureTransitions(std::span<const PostureTransition> transitions) {
  std::string out;
  internal::AppendPostureTransitions(out, transitions);
  return out;
}
Result<std::vector<PostureTransition>> DecodePostureTransitions(std::string_view text) {
  if (auto fast = internal::FastDecodePostureTransitions(text)) return *std::move(fast);
  // ParseStrict accepts any JSON value; an array body is what this document is.
  return DecodeDocument(text, ReadTransitions);
}

// ---- Stored records ----------------------------------------------------------------------------

ports::store::StoredPosture ToStoredPosture(std::string_view asset_key,
                                            const PostureRecord& record) {
  ports::store::StoredPosture p = Summary(asset_key, record);
  p.status_json = EncodePostureStatus(record.status);
  p.score_json = EncodePostureScore(record.score);
  p.transitions_json = EncodePostureTransitions(record.recent_transitions);
  return p;
}

Result<PostureRecord> FromStoredPosture(const ports::store::StoredPosture& row) {
  auto damaged = [&row](std::string_view column, const Error& e) {
    return Unexpected(ErrorCode::kInternal, "asset_status " + row.asset_key + ": " +
                                                std::string(column) + ": " + e.message);
  };
  PostureRecord r;
  auto status = DecodePostureStatus(row.status_json);
  if (!status) return damaged("status_json", status.error());
  r.status = *std::move(status);
  auto score = DecodePostureScore(row.score_json);
  if (!score) return damaged("score_json", score.error());
  r.score = *std::move(score);
  auto transitions = DecodePostureTransitions(row.transitions_json);
  if (!transitions) return damaged("transitions_json", transitions.error());
  r.recent_transitions = *std::move(transitions);
  r.version = row.version;
  r.updated_at = row.updated_at;
  r.check_by = row.check_by;
  return r;
}

// ---- API documents -----------------------------------------------------------------------------

Result<PosturePut> DecodePosturePut(std::string_view body) {
  if (auto fast = internal::FastDecodePosturePut(body)) return *std::move(fast);
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(
      r.OnlyKnown({"expected_version", "status", "score", "recent_transitions", "check_by"}));
  PosturePut put;
  SECPLAT_ASSIGN_OR_RETURN(put.expected_version, ReqInt(r, "expected_version", 0, kMaxCount));
  if (!r.Has("status")) return Required(r, "status");
  SECPLAT_ASSIGN_OR_RETURN(put.record.status, ReadStatus(*r.Find("status"), "status"));
  if (!r.Has("score")) return Required(r, "score");
  SECPLAT_ASSIGN_OR_RETURN(put.record.score, ReadScore(*r.Find("score"), "score"));
  if (!r.Has("recent_transitions")) return Required(r, "recent_transitions");
  SECPLAT_ASSIGN_OR_RETURN(put.record.recent_transitions,
                           ReadTransitions(*r.Find("recent_transitions"), "recent_transitions"));
  SECPLAT_ASSIGN_OR_RETURN(put.record.check_by, r.OptionalTimestamp("check_by"));
  return put;
}

namespace {

// The members of a put body after "{" (and the batch item's asset_key), through "}".
void AppendPutMembers(std::string& out, const PostureRecord& record, int64_t expected_version) {
  out += "\"expected_version\":";
  out += std::to_string(expected_version);
  out += ",\"status\":";
  internal::AppendPostureStatus(out, record.status);
  out += ",\"score\":";
  internal::AppendPostureScore(out, record.score);
  out += ",\"recent_transitions\":";
  internal::AppendPostureTransitions(out, record.recent_transitions);
  if (record.check_by) {
    out += ",\"check_by\":";
    AppendJsonString(out, FormatRfc3339(*record.check_by));
  }
  out += '}';
}

}  // namespace

std::string EncodePosturePut(const PostureRecord& record, int64_t expected_version) {
  std::string out = "{";
  out.reserve(8192);
  AppendPutMembers(out, record, expected_version);
  return out;
}

std::string EncodePostureListItem(const ports::store::StoredPosture& item) {
  return internal::Dump(ItemObject(item));
}

std::string EncodePostureCounts(const std::map<PostureState, int64_t>& counts) {
  OJson o = OJson::object();
  for (PostureState s : kAllStates) {
    auto it = counts.find(s);
    o[StateCountKey(s)] = it == counts.end() ? int64_t{0} : it->second;
  }
  return internal::Dump(o);
}

std::string EncodePostureList(const std::vector<std::string>& encoded_items,
                              std::string_view next_cursor,
                              const std::map<PostureState, int64_t>& counts) {
  std::string out = EncodeList(encoded_items, next_cursor);
  // EncodeList's output is an object: insert "counts" before its closing brace.
  out.pop_back();
  out += ",\"counts\":";
  out += EncodePostureCounts(counts);
  out += '}';
  return out;
}

std::string EncodePostureDetail(std::string_view asset_key,
                                const std::optional<PostureRecord>& record) {
  if (!record) {
    ports::store::StoredPosture never;
    never.asset_key = std::string(asset_key);
    OJson o = ItemObject(never);
    o["check_by"] = nullptr;
    o["status"] = nullptr;
    o["score_reasons"] = OJson::array();
    o["confidence_components"] = nullptr;
    o["recent_transitions"] = OJson::array();
    o["inputs"] = OJson::array();
    return internal::Dump(o);
  }
  OJson o = ItemObject(Summary(asset_key, *record));
  o["check_by"] = internal::TimeOrNull(record->check_by);
  o["status"] = StatusObject(record->status);
  o["score_reasons"] = ReasonsArray(record->score.reasons);
  o["confidence_components"] = ConfidenceObject(record->status.confidence, false);
  o["recent_transitions"] = TransitionsArray(record->recent_transitions);
  o["inputs"] = RingArray(record->status.ring);
  return internal::Dump(o);
}

Result<std::optional<PostureRecord>> DecodePostureDetail(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  const Json* status = r.Find("status");
  if (status == nullptr) return Required(r, "status");
  if (status->is_null()) return std::optional<PostureRecord>();
  PostureRecord rec;
  SECPLAT_ASSIGN_OR_RETURN(rec.status, ReadStatus(*status, "status"));
  SECPLAT_ASSIGN_OR_RETURN(int64_t score, ReqInt(r, "score", 0, 100));
  rec.score.score = static_cast<int>(score);
  SECPLAT_ASSIGN_OR_RETURN(rec.score.grade, ReqString(r, "grade"));
  SECPLAT_ASSIGN_OR_RETURN(rec.score.reasons,
                           ReqList<ScoreReason>(r, "score_reasons", kMaxScoreReasons, ReadReason));
  if (!r.Has("recent_transitions")) return Required(r, "recent_transitions");
  SECPLAT_ASSIGN_OR_RETURN(rec.recent_transitions,
                           ReadTransitions(*r.Find("recent_transitions"), "recent_transitions"));
  SECPLAT_ASSIGN_OR_RETURN(rec.version, ReqInt(r, "version", 1, kMaxCount));
  SECPLAT_ASSIGN_OR_RETURN(rec.updated_at, ReqTime(r, "updated_at"));
  SECPLAT_ASSIGN_OR_RETURN(rec.check_by, NullableTime(r, "check_by"));
  return std::optional<PostureRecord>(std::move(rec));
}

std::string EncodePostureDue(const std::vector<ports::store::PostureDueKey>& items,
                             std::string_view next_cursor) {
  std::vector<std::string> encoded;
  encoded.reserve(items.size());
  for (const auto& k : items) {
    OJson o = OJson::object();
    o["asset_key"] = k.asset_key;
    o["check_by"] = FormatRfc3339(k.check_by);
    encoded.push_back(internal::Dump(o));
  }
  return EncodeList(encoded, next_cursor);
}

Result<PostureDueList> DecodePostureDue(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(ListPage page, DecodeList(body));
  PostureDueList out;
  out.next_cursor = std::move(page.next_cursor);
  out.items.reserve(page.items.size());
  for (size_t i = 0; i < page.items.size(); ++i) {
    SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(page.items[i]));
    SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, IndexPath("items", i)));
    ports::store::PostureDueKey k;
    SECPLAT_ASSIGN_OR_RETURN(k.asset_key, ReqString(r, "asset_key"));
    SECPLAT_ASSIGN_OR_RETURN(k.check_by, ReqTime(r, "check_by"));
    out.items.push_back(std::move(k));
  }
  return out;
}

std::string EncodeFindingCounts(const ports::store::FindingCounts& counts) {
  OJson by = OJson::object();
  by["critical"] = counts.critical;
  by["high"] = counts.high;
  by["medium"] = counts.medium;
  by["low"] = counts.low;
  by["info"] = counts.info;
  OJson o = OJson::object();
  o["total"] = counts.total();
  o["by_severity"] = std::move(by);
  return internal::Dump(o);
}

Result<ports::store::FindingCounts> DecodeFindingCounts(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader by, ReqObject(r, "by_severity"));
  ports::store::FindingCounts c;
  SECPLAT_ASSIGN_OR_RETURN(c.critical, ReqInt(by, "critical", 0, kMaxCount));
  SECPLAT_ASSIGN_OR_RETURN(c.high, ReqInt(by, "high", 0, kMaxCount));
  SECPLAT_ASSIGN_OR_RETURN(c.medium, ReqInt(by, "medium", 0, kMaxCount));
  SECPLAT_ASSIGN_OR_RETURN(c.low, ReqInt(by, "low", 0, kMaxCount));
  SECPLAT_ASSIGN_OR_RETURN(c.info, ReqInt(by, "info", 0, kMaxCount));
  return c;
}

// ---- Batch routes ------------------------------------------------------------------------------

namespace {

constexpr ErrorCode kItemCodes[] = {ErrorCode::kInvalidArgument, ErrorCode::kNotFound,
                                    ErrorCode::kConflict,        ErrorCode::kInternal,
                                    ErrorCode::kUnavailable,     ErrorCode::kPermissionDenied};

ErrorCode ItemErrorCode(std::string_view name) {
  for (ErrorCode c : kItemCodes)
    if (ErrorCodeName(c) == name) return c;
  return ErrorCode::kInternal;
}

void AppendErrorObject(std::string& out, const Error& e) {
  out += "{\"code\":";
  AppendJsonString(out, ErrorCodeName(e.code));
  out += ",\"message\":";
  AppendJsonString(out, e.message);
  out += '}';
}

// The array member `key` of a batch body with 1..max items.
Result<const Json*> BatchArray(const ObjectReader& r, std::string_view key, size_t max_items) {
  const Json* items = r.Find(key);
  if (items == nullptr) return Required(r, key);
  if (!items->is_array()) return r.Fail(key, "must be an array");
  if (items->empty() || items->size() > max_items)
    return r.Fail(key, "must contain 1 to " + std::to_string(max_items) + " items");
  return items;
}

// "<path>: duplicate of <first path>" when `key` was seen; records it otherwise.
Status CheckDistinct(std::map<std::string, std::string>& seen, const std::string& key,
                     const std::string& path) {
  auto [it, inserted] = seen.emplace(key, path);
  if (!inserted) return internal::FailAt(path, "duplicate of " + it->second);
  return OkStatus();
}

// An item's {"code","message"} into `out` (Result<Error> cannot exist).
Status ReadItemError(const Json& value, const std::string& path, Error* out) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_ASSIGN_OR_RETURN(std::string code, ReqString(r, "code"));
  SECPLAT_ASSIGN_OR_RETURN(std::string message, ReqString(r, "message"));
  *out = Error{ItemErrorCode(code), std::move(message)};
  return OkStatus();
}

int ClampCount(int64_t v) { return static_cast<int>(std::min<int64_t>(v, kMaxInt)); }

}  // namespace

Result<std::vector<std::string>> DecodePostureBatchGet(std::string_view body, size_t max_items) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"asset_keys"}));
  SECPLAT_ASSIGN_OR_RETURN(const Json* keys, BatchArray(r, "asset_keys", max_items));
  std::vector<std::string> out;
  out.reserve(keys->size());
  std::map<std::string, std::string> seen;
  for (size_t i = 0; i < keys->size(); ++i) {
    const std::string path = IndexPath("asset_keys", i);
    const Json& k = (*keys)[i];
    if (!k.is_string()) return internal::FailAt(path, "must be a string");
    std::string key = k.get<std::string>();
    if (!core::contracts::IsValidAssetKey(key))
      return internal::FailAt(path, "must match " + std::string(core::contracts::kAssetKeyPattern));
    SECPLAT_RETURN_IF_ERROR(CheckDistinct(seen, key, path));
    out.push_back(std::move(key));
  }
  return out;
}

std::string EncodePostureBatchGet(std::span<const std::string> asset_keys) {
  std::string out = "{\"asset_keys\":[";
  for (size_t i = 0; i < asset_keys.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, asset_keys[i]);
  }
  out += "]}";
  return out;
}

std::string EncodePostureInputs(std::span<const PostureInputsRow> rows) {
  // Sized up front: a batch of 1,000 is ~4 MB, and growing it by doubling copies it again.
  size_t size = 16;
  for (const PostureInputsRow& row : rows) {
    size += 800 + row.asset_key.size();
    if (row.posture)
      size += row.posture->status_json.size() + row.posture->score_json.size() +
              row.posture->transitions_json.size();
  }
  std::string out;
  out.reserve(size);
  out += "{\"items\":[";
  for (size_t i = 0; i < rows.size(); ++i) {
    const PostureInputsRow& row = rows[i];
    if (i > 0) out += ',';
    out += "{\"asset_key\":";
    AppendJsonString(out, row.asset_key);
    Status status = row.status;
    const ports::store::StoredPosture* p = row.posture ? &*row.posture : nullptr;
    if (status.has_value() && p != nullptr) {
      // Stored by the api's own encoders and checked on write; a damaged row fails its item.
      for (auto [column, text] :
           {std::pair<std::string_view, std::string_view>{"status_json", p->status_json},
            {"score_json", p->score_json},
            {"transitions_json", p->transitions_json}}) {
        if (!internal::IsJsonText(text)) {
          status = Unexpected(ErrorCode::kInternal, "asset_status " + row.asset_key + ": " +
                                                        std::string(column) + ": not JSON");
          break;
        }
      }
    }
    if (!status.has_value()) {
      out += ",\"error\":";
      AppendErrorObject(out, status.error());
      out += ",\"asset\":null,\"open_findings\":null,\"posture\":null}";
      continue;
    }
    out += ",\"error\":null,\"asset\":";
    out += EncodeAsset(row.asset);
    const ports::store::FindingCounts& c = row.open_findings;
    out += ",\"open_findings\":{\"critical\":" + std::to_string(c.critical) +
           ",\"high\":" + std::to_string(c.high) + ",\"medium\":" + std::to_string(c.medium) +
           ",\"low\":" + std::to_string(c.low) + ",\"info\":" + std::to_string(c.info) + "}";
    if (p == nullptr) {
      out += ",\"posture\":null}";
      continue;
    }
    out += ",\"posture\":{\"version\":" + std::to_string(p->version) + ",\"updated_at\":";
    AppendJsonString(out, FormatRfc3339(p->updated_at));
    out += ",\"check_by\":";
    if (p->check_by) {
      AppendJsonString(out, FormatRfc3339(*p->check_by));
    } else {
      out += "null";
    }
    out += ",\"status\":";
    out += p->status_json;
    out += ",\"score\":";
    out += p->score_json;
    out += ",\"recent_transitions\":";
    out += p->transitions_json;
    out += "}}";
  }
  out += "]}";
  return out;
}

Result<std::vector<ports::platform::PostureInputs>> DecodePostureInputs(std::string_view body) {
  if (auto fast = internal::FastDecodePostureInputs(body)) return *std::move(fast);
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader top, ObjectReader::Open(doc, ""));
  SECPLAT_ASSIGN_OR_RETURN(const Json* items, ReqArray(top, "items", SIZE_MAX));
  std::vector<ports::platform::PostureInputs> out;
  out.reserve(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    const std::string path = IndexPath("items", i);
    SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open((*items)[i], path));
    ports::platform::PostureInputs in;
    SECPLAT_ASSIGN_OR_RETURN(in.asset_key, ReqString(r, "asset_key"));
    const Json* error = r.Find("error");
    if (error != nullptr && !error->is_null()) {
      Error e;
      SECPLAT_RETURN_IF_ERROR(ReadItemError(*error, r.PathOf("error"), &e));
      in.status = Unexpected(std::move(e));
      out.push_back(std::move(in));
      continue;
    }
    const Json* asset = r.Find("asset");
    if (asset == nullptr || !asset->is_object()) return r.Fail("asset", "must be an object");
    auto decoded = DecodeAsset(asset->dump());
    if (!decoded) return Unexpected(internal::Nest(r.PathOf("asset"), decoded.error()));
    in.asset = *std::move(decoded);
    SECPLAT_ASSIGN_OR_RETURN(ObjectReader by, ReqObject(r, "open_findings"));
    SECPLAT_ASSIGN_OR_RETURN(int64_t critical, ReqInt(by, "critical", 0, kMaxCount));
    SECPLAT_ASSIGN_OR_RETURN(int64_t high, ReqInt(by, "high", 0, kMaxCount));
    SECPLAT_ASSIGN_OR_RETURN(int64_t medium, ReqInt(by, "medium", 0, kMaxCount));
    SECPLAT_ASSIGN_OR_RETURN(int64_t low, ReqInt(by, "low", 0, kMaxCount));
    SECPLAT_ASSIGN_OR_RETURN(int64_t info, ReqInt(by, "info", 0, kMaxCount));
    in.open_findings = core::model::OpenFindingCounts{.critical = ClampCount(critical),
                                                      .high = ClampCount(high),
                                                      .medium = ClampCount(medium),
                                                      .low = ClampCount(low),
                                                      .info = ClampCount(info)};
    const Json* posture = r.Find("posture");
    if (posture == nullptr) return Required(r, "posture");
    if (!posture->is_null()) {
      SECPLAT_ASSIGN_OR_RETURN(ObjectReader pr, ObjectReader::Open(*posture, r.PathOf("posture")));
      PostureRecord rec;
      SECPLAT_ASSIGN_OR_RETURN(rec.version, ReqInt(pr, "version", 1, kMaxCount));
      SECPLAT_ASSIGN_OR_RETURN(rec.updated_at, ReqTime(pr, "updated_at"));
      SECPLAT_ASSIGN_OR_RETURN(rec.check_by, NullableTime(pr, "check_by"));
      if (!pr.Has("status")) return Required(pr, "status");
      SECPLAT_ASSIGN_OR_RETURN(rec.status, ReadStatus(*pr.Find("status"), pr.PathOf("status")));
      if (!pr.Has("score")) return Required(pr, "score");
      SECPLAT_ASSIGN_OR_RETURN(rec.score, ReadScore(*pr.Find("score"), pr.PathOf("score")));
      if (!pr.Has("recent_transitions")) return Required(pr, "recent_transitions");
      SECPLAT_ASSIGN_OR_RETURN(
          rec.recent_transitions,
          ReadTransitions(*pr.Find("recent_transitions"), pr.PathOf("recent_transitions")));
      in.record = std::move(rec);
    }
    out.push_back(std::move(in));
  }
  return out;
}

Result<std::vector<PostureBatchPutItem>> DecodePostureBatchPut(std::string_view body,
                                                               size_t max_items) {
  if (auto fast = internal::FastDecodePostureBatchPut(body, max_items)) return *std::move(fast);
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader top, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(top.OnlyKnown({"items"}));
  SECPLAT_ASSIGN_OR_RETURN(const Json* items, BatchArray(top, "items", max_items));
  std::vector<PostureBatchPutItem> out;
  out.reserve(items->size());
  std::map<std::string, std::string> seen;
  for (size_t i = 0; i < items->size(); ++i) {
    const std::string path = IndexPath("items", i);
    SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open((*items)[i], path));
    SECPLAT_RETURN_IF_ERROR(r.OnlyKnown(
        {"asset_key", "expected_version", "status", "score", "recent_transitions", "check_by"}));
    PostureBatchPutItem item;
    SECPLAT_ASSIGN_OR_RETURN(item.asset_key, ReqString(r, "asset_key"));
    if (!core::contracts::IsValidAssetKey(item.asset_key))
      return r.Fail("asset_key", "must match " + std::string(core::contracts::kAssetKeyPattern));
    SECPLAT_RETURN_IF_ERROR(CheckDistinct(seen, item.asset_key, r.PathOf("asset_key")));
    PosturePut& put = item.put;
    SECPLAT_ASSIGN_OR_RETURN(put.expected_version, ReqInt(r, "expected_version", 0, kMaxCount));
    if (!r.Has("status")) return Required(r, "status");
    SECPLAT_ASSIGN_OR_RETURN(put.record.status, ReadStatus(*r.Find("status"), r.PathOf("status")));
    if (!r.Has("score")) return Required(r, "score");
    SECPLAT_ASSIGN_OR_RETURN(put.record.score, ReadScore(*r.Find("score"), r.PathOf("score")));
    if (!r.Has("recent_transitions")) return Required(r, "recent_transitions");
    SECPLAT_ASSIGN_OR_RETURN(
        put.record.recent_transitions,
        ReadTransitions(*r.Find("recent_transitions"), r.PathOf("recent_transitions")));
    SECPLAT_ASSIGN_OR_RETURN(put.record.check_by, r.OptionalTimestamp("check_by"));
    out.push_back(std::move(item));
  }
  return out;
}

std::string EncodePostureBatchPutItem(const ports::platform::PostureWrite& write) {
  std::string out = "{\"asset_key\":";
  out.reserve(8192);
  AppendJsonString(out, write.record.status.asset_key);
  out += ',';
  AppendPutMembers(out, write.record, write.expected_version);
  return out;
}

std::string EncodePostureBatchPutResult(std::span<const std::string> asset_keys,
                                        std::span<const Result<PostureRecord>> results) {
  int64_t created = 0, updated = 0, conflict = 0, not_found = 0;
  std::string out = "{\"items\":[";
  for (size_t i = 0; i < results.size() && i < asset_keys.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"asset_key\":";
    AppendJsonString(out, asset_keys[i]);
    const Result<PostureRecord>& r = results[i];
    if (r.has_value()) {
      const bool first = r->version == 1;
      ++(first ? created : updated);
      out += first ? ",\"outcome\":\"created\"" : ",\"outcome\":\"updated\"";
      out += ",\"version\":" + std::to_string(r->version) + ",\"updated_at\":";
      AppendJsonString(out, FormatRfc3339(r->updated_at));
      out += ",\"error\":null}";
      continue;
    }
    const bool is_conflict = r.error().code == ErrorCode::kConflict;
    ++(is_conflict ? conflict : not_found);
    out += is_conflict ? ",\"outcome\":\"conflict\"" : ",\"outcome\":\"not_found\"";
    out += ",\"version\":null,\"updated_at\":null,\"error\":";
    AppendErrorObject(out, r.error());
    out += '}';
  }
  out += "],\"counts\":{\"created\":" + std::to_string(created) +
         ",\"updated\":" + std::to_string(updated) + ",\"conflict\":" + std::to_string(conflict) +
         ",\"not_found\":" + std::to_string(not_found) + "}}";
  return out;
}

Result<std::vector<Result<int64_t>>> DecodePostureBatchPutResult(std::string_view body,
                                                                 size_t expected_items) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader top, ObjectReader::Open(doc, ""));
  SECPLAT_ASSIGN_OR_RETURN(const Json* items, ReqArray(top, "items", SIZE_MAX));
  if (items->size() != expected_items)
    return top.Fail("items", "has " + std::to_string(items->size()) + " items, not " +
                                 std::to_string(expected_items));
  std::vector<Result<int64_t>> out;
  out.reserve(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    SECPLAT_ASSIGN_OR_RETURN(ObjectReader r,
                             ObjectReader::Open((*items)[i], IndexPath("items", i)));
    const Json* error = r.Find("error");
    if (error != nullptr && !error->is_null()) {
      Error e;
      SECPLAT_RETURN_IF_ERROR(ReadItemError(*error, r.PathOf("error"), &e));
      out.push_back(Unexpected(std::move(e)));
      continue;
    }
    SECPLAT_ASSIGN_OR_RETURN(int64_t version, ReqInt(r, "version", 1, kMaxCount));
    out.push_back(version);
  }
  return out;
}

}  // namespace secplat::adapters::json
