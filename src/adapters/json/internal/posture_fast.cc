// The posture documents without a DOM (posture_fast.h): direct encoders and a strict
// one-pass fast-path parser. Bounds and ranges mirror posture_codec.cc's readers exactly.
#include "adapters/json/internal/posture_fast.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "adapters/json/codec.h"
#include "adapters/json/internal/scanner.h"
#include "adapters/json/internal/writer.h"
#include "core/common/json_string.h"
#include "core/common/time.h"
#include "core/contracts/envelope.h"
#include "core/model/scan_job.h"
#include "core/validation/asset.h"

namespace secplat::adapters::json::internal {
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
using ports::platform::PostureRecord;

// Bounds of posture_codec.cc's readers.
constexpr int64_t kMaxCount = INT64_MAX;
constexpr int64_t kMaxInt = 2147483647;
constexpr size_t kMaxScoreReasons = 64;
constexpr double kBoundSlack = 1e-9;
constexpr int kMaxCanonicalDepth = 8;

// ---- Encoders ----------------------------------------------------------------------------------

using writer::Bool;
using writer::Int;
using writer::Key;
using writer::Str;
using writer::Time;
using writer::TimeOrNull;

// As nlohmann's serializer writes a double: shortest round trip, ".0" on integral values, null
// when not finite.
void Double(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[64];
  char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void Hex64(std::string& out, uint64_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (int shift = 60; shift >= 0; shift -= 4) out += kHex[(v >> shift) & 15];
  out += '"';
}

void Facts(std::string& out, const PostureFacts& f) {
  out += '{';
  Key(out, "state", true);
  Str(out, core::model::PostureStateName(f.state));
  Key(out, "health");
  Str(out, core::model::PostureStateName(f.health));
  Key(out, "last_good_status");
  Str(out, core::model::PostureStateName(f.last_good_status));
  Key(out, "flapping");
  Bool(out, f.flapping);
  Key(out, "flap_value");
  Double(out, f.flap_value);
  Key(out, "consecutive_failures");
  Int(out, f.consecutive_failures);
  Key(out, "consecutive_successes");
  Int(out, f.consecutive_successes);
  Key(out, "failing_since");
  TimeOrNull(out, f.failing_since);
  Key(out, "last_result_at");
  TimeOrNull(out, f.last_result_at);
  Key(out, "last_up_at");
  TimeOrNull(out, f.last_up_at);
  Key(out, "status_since");
  TimeOrNull(out, f.status_since);
  Key(out, "last_change_at");
  TimeOrNull(out, f.last_change_at);
  Key(out, "status_event_id");
  Str(out, f.status_event_id);
  Key(out, "last_failure_reason");
  Str(out, f.last_failure_reason);
  Key(out, "outcome_bits");
  Hex64(out, f.outcome_bits);
  Key(out, "outcome_count");
  Int(out, f.outcome_count);
  out += '}';
}

void Confidence(std::string& out, const PostureConfidence& c) {
  out += '{';
  Key(out, "score", true);
  Int(out, c.score);
  Key(out, "freshness");
  Double(out, c.freshness);
  Key(out, "completeness");
  Double(out, c.completeness);
  Key(out, "agreement");
  Double(out, c.agreement);
  Key(out, "probe_error_share");
  Double(out, c.probe_error_share);
  Key(out, "coverage");
  Double(out, c.coverage);
  Key(out, "samples_expected");
  Int(out, c.samples_expected);
  Key(out, "samples_received");
  Int(out, c.samples_received);
  Key(out, "missing_scan_types");
  out += '[';
  for (size_t i = 0; i < c.missing_scan_types.size(); ++i) {
    if (i > 0) out += ',';
    Str(out, c.missing_scan_types[i]);
  }
  out += "]}";
}

void Transition(std::string& out, const PostureTransition& t) {
  out += '{';
  Key(out, "asset_key", true);
  Str(out, t.asset_key);
  Key(out, "from");
  Str(out, core::model::PostureStateName(t.from));
  Key(out, "to");
  Str(out, core::model::PostureStateName(t.to));
  Key(out, "at");
  Time(out, t.at);
  Key(out, "detected_at");
  Time(out, t.detected_at);
  Key(out, "reason");
  Str(out, core::model::TransitionReasonName(t.reason));
  Key(out, "reason_text");
  Str(out, t.reason_text);
  Key(out, "event_id");
  Str(out, t.event_id);
  Key(out, "important");
  Bool(out, t.important);
  out += '}';
}

// ---- The fast-path parser ----------------------------------------------------------------------

using scan::Array;
using scan::IntIn;
using scan::KeyedObject;
using scan::Members;
using scan::NamedValue;
using scan::NullableTime;
using scan::Object;
using scan::Scanner;
using scan::TimeValue;

bool DoubleIn(Scanner& sc, double min, double max, double& v) {
  return sc.Number(v) && !(v < min - kBoundSlack) && !(v > max + kBoundSlack);
}

bool State(Scanner& sc, PostureState& s) {
  std::string name;
  if (!sc.String(name)) return false;
  auto parsed = core::model::ParsePostureState(name);
  if (!parsed) return false;
  s = *parsed;
  return true;
}

bool Hex64Value(Scanner& sc, uint64_t& v) {
  std::string s;
  if (!sc.String(s) || s.size() != 16) return false;
  v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return false;
    }
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return true;
}

bool ReadFacts(Scanner& sc, PostureFacts& f) {
  static constexpr std::string_view kNames[] = {"state",
                                                "health",
                                                "last_good_status",
                                                "flapping",
                                                "flap_value",
                                                "consecutive_failures",
                                                "consecutive_successes",
                                                "failing_since",
                                                "last_result_at",
                                                "last_up_at",
                                                "status_since",
                                                "last_change_at",
                                                "status_event_id",
                                                "last_failure_reason",
                                                "outcome_bits",
                                                "outcome_count"};
  Members m(kNames);
  return Object(sc,
                [&](std::string_view key) {
                  switch (m.Take(key)) {
                    case 0:
                      return State(sc, f.state);
                    case 1:
                      return State(sc, f.health);
                    case 2:
                      return State(sc, f.last_good_status);
                    case 3:
                      return sc.Boolean(f.flapping);
                    case 4:
                      return DoubleIn(sc, 0.0, 1.0, f.flap_value);
                    case 5:
                      return IntIn(sc, 0, kMaxInt, f.consecutive_failures);
                    case 6:
                      return IntIn(sc, 0, kMaxInt, f.consecutive_successes);
                    case 7:
                      return NullableTime(sc, f.failing_since);
                    case 8:
                      return NullableTime(sc, f.last_result_at);
                    case 9:
                      return NullableTime(sc, f.last_up_at);
                    case 10:
                      return NullableTime(sc, f.status_since);
                    case 11:
                      return NullableTime(sc, f.last_change_at);
                    case 12:
                      return sc.String(f.status_event_id);
                    case 13:
                      return sc.String(f.last_failure_reason);
                    case 14:
                      return Hex64Value(sc, f.outcome_bits);
                    case 15:
                      return IntIn(sc, 0, 64, f.outcome_count);
                    default:
                      return false;
                  }
                }) &&
         m.Complete();
}

bool ReadSample(Scanner& sc, HealthSample& s) {
  static constexpr std::string_view kNames[] = {"event_id", "observed_at", "outcome",
                                                "failure_reason"};
  Members m(kNames);
  return Object(sc,
                [&](std::string_view key) {
                  switch (m.Take(key)) {
                    case 0:
                      return sc.String(s.event_id);
                    case 1:
                      return TimeValue(sc, s.observed_at);
                    case 2: {
                      std::string name;
                      if (!sc.String(name)) return false;
                      auto o = core::model::ParseCheckOutcome(name);
                      if (!o) return false;
                      s.outcome = *o;
                      return true;
                    }
                    case 3:
                      return sc.String(s.failure_reason);
                    default:
                      return false;
                  }
                }) &&
         m.Complete();
}

bool ReadSeen(Scanner& sc, ScanTypeSeen& s) {
  static constexpr std::string_view kNames[] = {"scan_type", "last_at"};
  Members m(kNames);
  return Object(sc,
                [&](std::string_view key) {
                  switch (m.Take(key)) {
                    case 0:
                      return sc.String(s.scan_type);
                    case 1:
                      return TimeValue(sc, s.last_at);
                    default:
                      return false;
                  }
                }) &&
         m.Complete();
}

bool ReadConfidence(Scanner& sc, PostureConfidence& c) {
  static constexpr std::string_view kNames[] = {
      "score",    "freshness",        "completeness",     "agreement",         "probe_error_share",
      "coverage", "samples_expected", "samples_received", "missing_scan_types"};
  Members m(kNames);
  return Object(sc,
                [&](std::string_view key) {
                  switch (m.Take(key)) {
                    case 0:
                      return IntIn(sc, 0, 100, c.score);
                    case 1:
                      return DoubleIn(sc, 0.0, 1.0, c.freshness);
                    case 2:
                      return DoubleIn(sc, 0.0, 1.0, c.completeness);
                    case 3:
                      return DoubleIn(sc, 0.0, 1.0, c.agreement);
                    case 4:
                      return DoubleIn(sc, 0.0, 1.0, c.probe_error_share);
                    case 5:
                      return DoubleIn(sc, 0.0, 1.0, c.coverage);
                    case 6:
                      return IntIn(sc, 0, kMaxInt, c.samples_expected);
                    case 7:
                      return IntIn(sc, 0, kMaxInt, c.samples_received);
                    case 8:
                      c.missing_scan_types.clear();
                      return Array(sc, kMaxPostureSeen, [&] {
                        c.missing_scan_types.emplace_back();
                        return sc.String(c.missing_scan_types.back());
                      });
                    default:
                      return false;
                  }
                }) &&
         m.Complete();
}

bool ReadStatus(Scanner& sc, PostureStatus& s) {
  static constexpr std::string_view kNames[] = {"asset_key",
                                                "current",
                                                "base",
                                                "ring",
                                                "seen",
                                                "tls_grade",
                                                "tls_grade_at",
                                                "tls_grade_event_id",
                                                "results_applied",
                                                "results_duplicate",
                                                "results_too_old",
                                                "results_invalid",
                                                "confidence",
                                                "evaluated_at"};
  Members m(kNames);
  return Object(sc,
                [&](std::string_view key) {
                  switch (m.Take(key)) {
                    case 0:
                      return sc.String(s.asset_key);
                    case 1:
                      return ReadFacts(sc, s.current);
                    case 2:
                      return ReadFacts(sc, s.base);
                    case 3:
                      s.ring.clear();
                      return Array(sc, kMaxPostureRing, [&] {
                        s.ring.emplace_back();
                        return ReadSample(sc, s.ring.back());
                      });
                    case 4:
                      s.seen.clear();
                      return Array(sc, kMaxPostureSeen, [&] {
                        s.seen.emplace_back();
                        return ReadSeen(sc, s.seen.back());
                      });
                    case 5: {
                      if (sc.Null()) {
                        s.tls_grade.reset();
                        return true;
                      }
                      std::string g;
                      if (!sc.String(g)) return false;
                      s.tls_grade = std::move(g);
                      return true;
                    }
                    case 6:
                      return NullableTime(sc, s.tls_grade_at);
                    case 7:
                      return sc.String(s.tls_grade_event_id);
                    case 8:
                      return IntIn(sc, 0, kMaxCount, s.results_applied);
                    case 9:
                      return IntIn(sc, 0, kMaxCount, s.results_duplicate);
                    case 10:
                      return IntIn(sc, 0, kMaxCount, s.results_too_old);
                    case 11:
                      return IntIn(sc, 0, kMaxCount, s.results_invalid);
                    case 12:
                      return ReadConfidence(sc, s.confidence);
                    case 13:
                      return NullableTime(sc, s.evaluated_at);
                    default:
                      return false;
                  }
                }) &&
         m.Complete();
}

bool IsGrade(std::string_view g) {
  return g == "A" || g == "B" || g == "C" || g == "D" || g == "F";
}

bool ReadReason(Scanner& sc, ScoreReason& r) {
  static constexpr std::string_view kNames[] = {"code", "text", "points"};
  Members m(kNames);
  return Object(sc,
                [&](std::string_view key) {
                  switch (m.Take(key)) {
                    case 0:
                      return sc.String(r.code);
                    case 1:
                      return sc.String(r.text);
                    case 2:
                      return IntIn(sc, 0, kMaxInt, r.points);
                    default:
                      return false;
                  }
                }) &&
         m.Complete();
}

bool ReadScore(Scanner& sc, PostureScore& s) {
  static constexpr std::string_view kNames[] = {"score", "grade", "reasons"};
  Members m(kNames);
  return Object(sc,
                [&](std::string_view key) {
                  switch (m.Take(key)) {
                    case 0:
                      return IntIn(sc, 0, 100, s.score);
                    case 1:
                      return sc.String(s.grade) && IsGrade(s.grade);
                    case 2:
                      s.reasons.clear();
                      return Array(sc, kMaxScoreReasons, [&] {
                        s.reasons.emplace_back();
                        return ReadReason(sc, s.reasons.back());
                      });
                    default:
                      return false;
                  }
                }) &&
         m.Complete();
}

bool ReadTransition(Scanner& sc, PostureTransition& t) {
  static constexpr std::string_view kNames[] = {"asset_key",   "from",        "to",
                                                "at",          "detected_at", "reason",
                                                "reason_text", "event_id",    "important"};
  Members m(kNames);
  return Object(sc,
                [&](std::string_view key) {
                  switch (m.Take(key)) {
                    case 0:
                      return sc.String(t.asset_key);
                    case 1:
                      return State(sc, t.from);
                    case 2:
                      return State(sc, t.to);
                    case 3:
                      return TimeValue(sc, t.at);
                    case 4:
                      return TimeValue(sc, t.detected_at);
                    case 5: {
                      std::string name;
                      if (!sc.String(name)) return false;
                      auto r = core::model::ParseTransitionReason(name);
                      if (!r) return false;
                      t.reason = *r;
                      return true;
                    }
                    case 6:
                      return sc.String(t.reason_text);
                    case 7:
                      return sc.String(t.event_id);
                    case 8:
                      return sc.Boolean(t.important);
                    default:
                      return false;
                  }
                }) &&
         m.Complete();
}

bool ReadTransitions(Scanner& sc, std::vector<PostureTransition>& out) {
  out.clear();
  return Array(sc, kMaxPostureTransitions, [&] {
    out.emplace_back();
    return ReadTransition(sc, out.back());
  });
}

// A put body's members (with "asset_key" first in a batch item). Index 0 is asset_key.
bool ReadPut(Scanner& sc, bool with_key, std::string& asset_key, PosturePut& put) {
  static constexpr std::string_view kNames[] = {"asset_key", "expected_version",   "status",
                                                "score",     "recent_transitions", "check_by"};
  Members m(kNames);
  bool ok = Object(sc, [&](std::string_view key) {
    switch (m.Take(key)) {
      case 0:
        return with_key && sc.String(asset_key) && core::contracts::IsValidAssetKey(asset_key);
      case 1:
        return IntIn(sc, 0, kMaxCount, put.expected_version);
      case 2:
        return ReadStatus(sc, put.record.status);
      case 3:
        return ReadScore(sc, put.record.score);
      case 4:
        return ReadTransitions(sc, put.record.recent_transitions);
      case 5: {
        Timestamp t{};
        if (!TimeValue(sc, t)) return false;
        put.record.check_by = t;
        return true;
      }
      default:
        return false;
    }
  });
  const uint64_t optional = (with_key ? 0 : uint64_t{1}) | (uint64_t{1} << 5);
  return ok && m.Complete(optional);
}

template <typename T, typename Read>
std::optional<T> Whole(std::string_view text, Read&& read) {
  Scanner sc(text);
  T value{};
  if (!read(sc, value) || !sc.AtEnd()) return std::nullopt;
  return value;
}

int ClampCount(int64_t v) { return static_cast<int>(std::min<int64_t>(v, kMaxInt)); }

bool ReadOpenFindings(Scanner& sc, core::model::OpenFindingCounts& c) {
  static constexpr std::string_view kNames[] = {"critical", "high", "medium", "low", "info"};
  Members m(kNames);
  int64_t v[5] = {0, 0, 0, 0, 0};
  if (!Object(sc,
              [&](std::string_view key) {
                const int i = m.Take(key);
                return i >= 0 && IntIn(sc, 0, kMaxCount, v[i]);
              }) ||
      !m.Complete())
    return false;
  c = {.critical = ClampCount(v[0]),
       .high = ClampCount(v[1]),
       .medium = ClampCount(v[2]),
       .low = ClampCount(v[3]),
       .info = ClampCount(v[4])};
  return true;
}

bool ReadRecord(Scanner& sc, PostureRecord& r) {
  static constexpr std::string_view kNames[] = {"version", "updated_at", "check_by",
                                                "status",  "score",      "recent_transitions"};
  Members m(kNames);
  return Object(sc,
                [&](std::string_view key) {
                  switch (m.Take(key)) {
                    case 0:
                      return IntIn(sc, 1, kMaxCount, r.version);
                    case 1:
                      return TimeValue(sc, r.updated_at);
                    case 2:
                      return NullableTime(sc, r.check_by);
                    case 3:
                      return ReadStatus(sc, r.status);
                    case 4:
                      return ReadScore(sc, r.score);
                    case 5:
                      return ReadTransitions(sc, r.recent_transitions);
                    default:
                      return false;
                  }
                }) &&
         m.Complete();
}

constexpr ErrorCode kItemCodes[] = {ErrorCode::kInvalidArgument, ErrorCode::kNotFound,
                                    ErrorCode::kConflict,        ErrorCode::kInternal,
                                    ErrorCode::kUnavailable,     ErrorCode::kPermissionDenied};

bool ReadItemError(Scanner& sc, Error& e) {
  static constexpr std::string_view kNames[] = {"code", "message"};
  Members m(kNames);
  std::string code;
  if (!Object(sc,
              [&](std::string_view key) {
                switch (m.Take(key)) {
                  case 0:
                    return sc.String(code);
                  case 1:
                    return sc.String(e.message);
                  default:
                    return false;
                }
              }) ||
      !m.Complete())
    return false;
  e.code = ErrorCode::kInternal;
  for (ErrorCode c : kItemCodes)
    if (ErrorCodeName(c) == code) e.code = c;
  return true;
}

bool ReadScanSetting(Scanner& sc, core::model::ScanSetting& s) {
  static constexpr std::string_view kNames[] = {"enabled", "interval_seconds"};
  Members m(kNames);
  return Object(sc,
                [&](std::string_view key) {
                  switch (m.Take(key)) {
                    case 0:
                      return sc.Boolean(s.enabled);
                    case 1:
                      return IntIn(sc, 0, core::validation::kMaxScanIntervalSeconds,
                                   s.interval_seconds);
                    default:
                      return false;
                  }
                }) &&
         m.Complete();
}

// Every member EncodeAsset writes, each present once and nothing else (DecodeAsset takes
// more: absent members, null, unknown members; those go to it).
bool ReadAsset(Scanner& sc, core::model::Asset& a) {
  static constexpr std::string_view kNames[] = {
      "asset_key",  "name",       "kind",        "url",         "host",    "port",
      "labels",     "owner",      "criticality", "environment", "enabled", "scan",
      "created_at", "updated_at", "deleted_at",  "version"};
  Members m(kNames);
  return Object(sc,
                [&](std::string_view key) {
                  switch (m.Take(key)) {
                    case 0:
                      return sc.String(a.asset_key);
                    case 1:
                      return sc.String(a.name);
                    case 2:
                      return NamedValue(sc, core::model::ParseAssetKind, a.kind);
                    case 3:
                      return sc.String(a.url);
                    case 4:
                      return sc.String(a.host);
                    case 5:
                      return IntIn(sc, 0, 65535, a.port);
                    case 6:
                      return KeyedObject(sc, [&](std::string label) {
                        std::string value;
                        return sc.String(value) &&
                               a.labels.emplace(std::move(label), std::move(value)).second;
                      });
                    case 7:
                      return sc.String(a.owner);
                    case 8:
                      return NamedValue(sc, core::model::ParseCriticality, a.criticality);
                    case 9:
                      return sc.String(a.environment);
                    case 10:
                      return sc.Boolean(a.enabled);
                    case 11:
                      return KeyedObject(sc, [&](std::string type) {
                        core::model::ScanSetting setting;
                        return core::model::IsKnownScanType(type) && ReadScanSetting(sc, setting) &&
                               a.scan.emplace(std::move(type), setting).second;
                      });
                    case 12:
                      return TimeValue(sc, a.created_at);
                    case 13:
                      return TimeValue(sc, a.updated_at);
                    case 14:
                      return NullableTime(sc, a.deleted_at);
                    case 15:
                      return IntIn(sc, 0, INT64_MAX, a.version);
                    default:
                      return false;
                  }
                }) &&
         m.Complete();
}

bool ReadInputsItem(Scanner& sc, ports::platform::PostureInputs& in) {
  static constexpr std::string_view kNames[] = {"asset_key", "error", "asset", "open_findings",
                                                "posture"};
  Members m(kNames);
  bool has_error = false;
  std::string_view asset_text;
  bool asset_null = false;
  bool findings_null = false;
  if (!Object(sc,
              [&](std::string_view key) {
                switch (m.Take(key)) {
                  case 0:
                    return sc.String(in.asset_key);
                  case 1: {
                    if (sc.Null()) return true;
                    Error e;
                    if (!ReadItemError(sc, e)) return false;
                    in.status = Unexpected(std::move(e));
                    has_error = true;
                    return true;
                  }
                  case 2:
                    if (sc.Null()) {
                      asset_null = true;
                      return true;
                    }
                    return sc.Value(&asset_text) && asset_text.front() == '{';
                  case 3:
                    if (sc.Null()) {
                      findings_null = true;
                      return true;
                    }
                    return ReadOpenFindings(sc, in.open_findings);
                  case 4: {
                    if (sc.Null()) return true;
                    PostureRecord r;
                    if (!ReadRecord(sc, r)) return false;
                    in.record = std::move(r);
                    return true;
                  }
                  default:
                    return false;
                }
              }) ||
      !m.Complete())
    return false;
  if (has_error) {
    // As the full decoder: an item error stands for the whole item.
    in.asset = {};
    in.open_findings = {};
    in.record.reset();
    return true;
  }
  if (asset_null || findings_null) return false;
  if (auto fast = FastDecodeAsset(asset_text)) {
    in.asset = *std::move(fast);
    return true;
  }
  auto asset = DecodeAsset(asset_text);
  if (!asset) return false;
  in.asset = *std::move(asset);
  return true;
}

// ---- Envelopes ---------------------------------------------------------------------------------

// One value in the canonical form CanonicalDump writes (compact, object members in byte order
// without repeats, strings as AppendJsonString writes them, integers only); false for anything
// else, including forms that are valid but not canonical.
bool CanonicalValue(Scanner& sc, int depth);

bool CanonicalString(Scanner& sc) {
  const char* start = sc.Pos();
  std::string decoded;
  if (!sc.String(decoded)) return false;
  std::string again;
  AppendJsonString(again, decoded);
  return again == std::string_view(start, static_cast<size_t>(sc.Pos() - start));
}

bool CanonicalValue(Scanner& sc, int depth) {
  // Shallow payloads only: deeper ones are left to the full decoder and its depth limit.
  if (depth > kMaxCanonicalDepth || sc.AtWs()) return false;
  switch (sc.Peek()) {
    case '{': {
      sc.Eat('{');
      if (sc.AtWs()) return false;
      if (sc.Eat('}')) return true;
      std::string previous;
      bool first = true;
      do {
        if (sc.AtWs()) return false;
        const char* start = sc.Pos();
        if (!CanonicalString(sc)) return false;
        std::string key(start + 1, sc.Pos() - 1);  // canonical: no escapes to undo in a key
        if (key.find('\\') != std::string::npos || (!first && !(previous < key))) return false;
        previous = std::move(key);
        first = false;
        if (sc.AtWs() || !sc.Eat(':') || !CanonicalValue(sc, depth + 1) || sc.AtWs()) return false;
      } while (sc.Eat(','));
      return sc.Eat('}');
    }
    case '[': {
      sc.Eat('[');
      if (sc.AtWs()) return false;
      if (sc.Eat(']')) return true;
      do {
        if (!CanonicalValue(sc, depth + 1) || sc.AtWs()) return false;
      } while (sc.Eat(','));
      return sc.Eat(']');
    }
    case '"':
      return CanonicalString(sc);
    case 't':
      return sc.Literal("true");
    case 'f':
      return sc.Literal("false");
    case 'n':
      return sc.Literal("null");
    default: {
      int64_t unused = 0;
      return sc.Integer(unused);  // no floats: their canonical form is nlohmann's to decide
    }
  }
}

// A whole canonical JSON object.
bool IsCanonicalObject(std::string_view text) {
  if (text.empty() || text.front() != '{') return false;
  Scanner sc(text);
  return CanonicalValue(sc, 0) && sc.AtEnd();
}

bool ReadEnvelope(Scanner& sc, core::model::Envelope& e) {
  namespace contracts = core::contracts;
  static constexpr std::string_view kNames[] = {"event_id",   "event_type", "ts",       "org_id",
                                                "request_id", "asset_key",  "severity", "payload"};
  Members m(kNames);
  std::string text;
  const bool ok = Object(sc, [&](std::string_view key) {
    switch (m.Take(key)) {
      case 0:
        return sc.String(e.event_id) && contracts::IsUuid(e.event_id);
      case 1: {
        if (!sc.String(text)) return false;
        auto t = core::model::ParseEventType(text);
        if (!t) return false;
        e.event_type = *t;
        return true;
      }
      case 2: {
        if (!sc.String(text) || !contracts::IsUtcTimestampText(text)) return false;
        auto t = ParseRfc3339(text);
        if (!t) return false;
        e.ts = *t;
        return true;
      }
      case 3:
        return sc.String(e.org_id) && contracts::IsValidOrgId(e.org_id);
      case 4:
        return sc.String(e.request_id) && contracts::IsValidRequestId(e.request_id);
      case 5:
        return sc.String(e.asset_key) && contracts::IsValidAssetKey(e.asset_key);
      case 6: {
        if (!sc.String(text)) return false;
        auto v = core::model::ParseSeverity(text);
        if (!v) return false;
        e.severity = *v;
        return true;
      }
      case 7: {
        sc.Ws();
        const char* start = sc.Pos();
        if (sc.Peek() != '{' || !CanonicalValue(sc, 0)) return false;
        e.payload_json.assign(start, sc.Pos());
        return true;
      }
      default:
        return false;
    }
  });
  // event_id, event_type, ts and org_id required; then the contract's own checks.
  constexpr uint64_t kOptional = (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7);
  return ok && m.Complete(kOptional) && core::contracts::ValidateEnvelope(e).has_value();
}

}  // namespace

// ---- Encoders ----------------------------------------------------------------------------------

void AppendPostureStatus(std::string& out, const PostureStatus& s) {
  out += '{';
  Key(out, "asset_key", true);
  Str(out, s.asset_key);
  Key(out, "current");
  Facts(out, s.current);
  Key(out, "base");
  Facts(out, s.base);
  Key(out, "ring");
  out += '[';
  for (size_t i = 0; i < s.ring.size(); ++i) {
    const HealthSample& r = s.ring[i];
    if (i > 0) out += ',';
    out += '{';
    Key(out, "event_id", true);
    Str(out, r.event_id);
    Key(out, "observed_at");
    Time(out, r.observed_at);
    Key(out, "outcome");
    Str(out, core::model::CheckOutcomeName(r.outcome));
    Key(out, "failure_reason");
    Str(out, r.failure_reason);
    out += '}';
  }
  out += ']';
  Key(out, "seen");
  out += '[';
  for (size_t i = 0; i < s.seen.size(); ++i) {
    if (i > 0) out += ',';
    out += '{';
    Key(out, "scan_type", true);
    Str(out, s.seen[i].scan_type);
    Key(out, "last_at");
    Time(out, s.seen[i].last_at);
    out += '}';
  }
  out += ']';
  Key(out, "tls_grade");
  if (s.tls_grade) {
    Str(out, *s.tls_grade);
  } else {
    out += "null";
  }
  Key(out, "tls_grade_at");
  TimeOrNull(out, s.tls_grade_at);
  Key(out, "tls_grade_event_id");
  Str(out, s.tls_grade_event_id);
  Key(out, "results_applied");
  Int(out, s.results_applied);
  Key(out, "results_duplicate");
  Int(out, s.results_duplicate);
  Key(out, "results_too_old");
  Int(out, s.results_too_old);
  Key(out, "results_invalid");
  Int(out, s.results_invalid);
  Key(out, "confidence");
  Confidence(out, s.confidence);
  Key(out, "evaluated_at");
  TimeOrNull(out, s.evaluated_at);
  out += '}';
}

void AppendPostureScore(std::string& out, const PostureScore& s) {
  out += '{';
  Key(out, "score", true);
  Int(out, s.score);
  Key(out, "grade");
  Str(out, s.grade);
  Key(out, "reasons");
  out += '[';
  for (size_t i = 0; i < s.reasons.size(); ++i) {
    if (i > 0) out += ',';
    out += '{';
    Key(out, "code", true);
    Str(out, s.reasons[i].code);
    Key(out, "text");
    Str(out, s.reasons[i].text);
    Key(out, "points");
    Int(out, s.reasons[i].points);
    out += '}';
  }
  out += "]}";
}

void AppendPostureTransitions(std::string& out, std::span<const PostureTransition> ts) {
  out += '[';
  for (size_t i = 0; i < ts.size(); ++i) {
    if (i > 0) out += ',';
    Transition(out, ts[i]);
  }
  out += ']';
}

// ---- Fast-path decoders ------------------------------------------------------------------------

std::optional<PostureStatus> FastDecodePostureStatus(std::string_view text) {
  return Whole<PostureStatus>(text,
                              [](Scanner& sc, PostureStatus& s) { return ReadStatus(sc, s); });
}

std::optional<PostureScore> FastDecodePostureScore(std::string_view text) {
  return Whole<PostureScore>(text, [](Scanner& sc, PostureScore& s) { return ReadScore(sc, s); });
}

std::optional<std::vector<PostureTransition>> FastDecodePostureTransitions(std::string_view text) {
  return Whole<std::vector<PostureTransition>>(
      text, [](Scanner& sc, std::vector<PostureTransition>& t) { return ReadTransitions(sc, t); });
}

std::optional<PosturePut> FastDecodePosturePut(std::string_view body) {
  return Whole<PosturePut>(body, [](Scanner& sc, PosturePut& put) {
    std::string unused;
    return ReadPut(sc, /*with_key=*/false, unused, put);
  });
}

std::optional<std::vector<PostureBatchPutItem>> FastDecodePostureBatchPut(std::string_view body,
                                                                          size_t max_items) {
  using Items = std::vector<PostureBatchPutItem>;
  auto items = Whole<Items>(body, [max_items](Scanner& sc, Items& out) {
    static constexpr std::string_view kNames[] = {"items"};
    Members m(kNames);
    return Object(sc,
                  [&](std::string_view key) {
                    if (m.Take(key) != 0) return false;
                    return Array(sc, max_items, [&] {
                      out.emplace_back();
                      return ReadPut(sc, /*with_key=*/true, out.back().asset_key, out.back().put);
                    });
                  }) &&
           m.Complete() && !out.empty();
  });
  if (!items) return std::nullopt;
  std::set<std::string_view> keys;
  for (const auto& item : *items)
    if (!keys.insert(item.asset_key).second) return std::nullopt;  // the full decoder names it
  return items;
}

std::optional<core::model::Asset> FastDecodeAsset(std::string_view text) {
  Scanner sc(text);
  core::model::Asset a;
  if (!ReadAsset(sc, a) || !sc.AtEnd()) return std::nullopt;
  return a;
}

std::optional<std::vector<ports::platform::PostureInputs>> FastDecodePostureInputs(
    std::string_view body) {
  using Items = std::vector<ports::platform::PostureInputs>;
  return Whole<Items>(body, [](Scanner& sc, Items& out) {
    static constexpr std::string_view kNames[] = {"items"};
    Members m(kNames);
    return Object(sc,
                  [&](std::string_view key) {
                    if (m.Take(key) != 0) return false;
                    return Array(sc, SIZE_MAX, [&] {
                      out.emplace_back();
                      return ReadInputsItem(sc, out.back());
                    });
                  }) &&
           m.Complete();
  });
}

bool IsJsonText(std::string_view text) {
  Scanner sc(text);
  return sc.Value(nullptr) && sc.AtEnd();
}

std::optional<core::model::Envelope> FastDecodeEnvelope(std::string_view body) {
  return Whole<core::model::Envelope>(
      body, [](Scanner& sc, core::model::Envelope& e) { return ReadEnvelope(sc, e); });
}

std::optional<std::vector<core::model::Envelope>> FastDecodeEventBatch(std::string_view body,
                                                                       size_t max_items) {
  using Items = std::vector<core::model::Envelope>;
  auto items = Whole<Items>(body, [max_items](Scanner& sc, Items& out) {
    static constexpr std::string_view kNames[] = {"events"};
    Members m(kNames);
    return Object(sc,
                  [&](std::string_view key) {
                    if (m.Take(key) != 0) return false;
                    return Array(sc, max_items, [&] {
                      out.emplace_back();
                      return ReadEnvelope(sc, out.back());
                    });
                  }) &&
           m.Complete() && !out.empty();
  });
  if (!items) return std::nullopt;
  std::set<std::string_view> ids;
  for (const auto& e : *items)
    if (!ids.insert(e.event_id).second) return std::nullopt;  // the full decoder names it
  return items;
}

std::optional<std::string> FastEncodeEnvelope(const core::model::Envelope& e) {
  if (!e.payload_json.empty() && !IsCanonicalObject(e.payload_json)) return std::nullopt;
  std::string out = "{";
  out.reserve(256 + e.payload_json.size());
  Key(out, "event_id", true);
  Str(out, e.event_id);
  Key(out, "event_type");
  Str(out, core::model::EventTypeName(e.event_type));
  Key(out, "ts");
  Time(out, e.ts);
  Key(out, "org_id");
  Str(out, e.org_id);
  if (!e.request_id.empty()) {
    Key(out, "request_id");
    Str(out, e.request_id);
  }
  if (!e.asset_key.empty()) {
    Key(out, "asset_key");
    Str(out, e.asset_key);
  }
  if (e.severity) {
    Key(out, "severity");
    Str(out, core::model::SeverityName(*e.severity));
  }
  if (!e.payload_json.empty()) {
    Key(out, "payload");
    out += e.payload_json;
  }
  out += '}';
  return out;
}

}  // namespace secplat::adapters::json::internal
