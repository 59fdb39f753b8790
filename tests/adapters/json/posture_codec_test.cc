// Posture codec: lossless round trips of what DerivePosture produces, strict decoding with
// field-named errors, and the API documents.
#include "adapters/json/posture_codec.h"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/posture/derive.h"
#include "core/posture/score.h"

namespace secplat::adapters::json {
namespace {

using core::model::CheckOutcome;
using core::model::CheckResult;
using core::model::PostureState;
using core::model::PostureStatus;
using core::model::PostureTransition;
using ports::platform::PostureRecord;

const Timestamp kT0 = FromUnixMillis(1'735'689'600'123);  // 2025-01-01T00:00:00.123Z

// A random timeline for one asset: regimes of up, down, flapping and noise, probe errors, gaps
// long enough to go stale, duplicates, TLS and exposure results.
std::vector<CheckResult> RandomResults(std::mt19937_64& rng) {
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::vector<CheckResult> out;
  const int n = uniform(1, 150);
  int64_t t_ms = 0;
  int regime = 0;
  for (int i = 0; i < n; ++i) {
    if (uniform(0, 9) == 0) regime = uniform(0, 3);
    t_ms += uniform(0, 25) == 0 ? 1000 * uniform(211, 900) : 60'000 + uniform(-2000, 2000);
    CheckResult r;
    r.event_id = "h\"" + std::to_string(i) + (i % 7 == 0 ? "\xc3\xa9" : "");  // quotes, UTF-8
    r.asset_key = "web-1";
    r.scan_type = "health_http";
    r.observed_at = kT0 + Duration(uniform(0, 30) == 0 && i > 0 ? t_ms - 60'000 : t_ms);
    r.outcome = regime == 1                    ? CheckOutcome::kDown
                : regime == 2                  ? (i % 2 ? CheckOutcome::kDown : CheckOutcome::kUp)
                : regime == 3 && uniform(0, 1) ? CheckOutcome::kDown
                                               : CheckOutcome::kUp;
    if (uniform(0, 12) == 0) r.outcome = CheckOutcome::kProbeError;
    if (r.outcome == CheckOutcome::kDown) r.failure_reason = uniform(0, 1) ? "connect_refused" : "";
    out.push_back(r);
    if (uniform(0, 10) == 0) out.push_back(r);
    if (uniform(0, 12) == 0) {
      CheckResult other = r;
      other.event_id = "o" + std::to_string(i);
      other.scan_type = uniform(0, 1) ? "tls_headers" : "web_exposure";
      other.outcome = CheckOutcome::kUp;
      other.failure_reason.clear();
      if (other.scan_type == "tls_headers")
        other.tls_grade = std::string(1, "ABCDFT"[uniform(0, 5)]);
      out.push_back(other);
    }
    if (uniform(0, 40) == 0) {  // another asset's result: counted as invalid
      CheckResult stray = r;
      stray.asset_key = "web-2";
      stray.event_id = "x" + std::to_string(i);
      out.push_back(stray);
    }
  }
  return out;
}

template <typename T>
std::string Why(const Result<T>& r) {
  return r.has_value() ? "ok" : r.error().message;
}

// Verifies Decode(Encode(x)) == x for every status, transition and score produced by
// DerivePosture over random timelines fed in random batches (with sweeps late enough to make
// assets stale), for the PUT body, detail and stored form of every 4th record, and that the
// runs covered every state the deriver produces.
TEST(PostureCodec, RoundTripIsLosslessOverRandomTimelines) {
  std::set<PostureState> states_seen;
  int flapping_statuses = 0, rings_full = 0, with_tls = 0, transitions_checked = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    std::mt19937_64 rng(seed);
    auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    core::model::PostureRules rules;
    rules.fail_threshold = uniform(1, 4);
    rules.recover_threshold = uniform(1, 3);
    rules.debounce_window = Duration(60'000 * uniform(0, 2));
    rules.flap_window = uniform(4, 30);
    const std::vector<CheckResult> results = RandomResults(rng);
    PostureRecord record;
    record.status.asset_key = "web-1";
    size_t at = 0;
    while (at < results.size()) {
      size_t n = std::min<size_t>(results.size() - at, static_cast<size_t>(uniform(1, 8)));
      std::span<const CheckResult> batch(results.data() + at, n);
      at += n;
      Timestamp now = batch.back().observed_at + Duration(uniform(0, 400) * 1000);
      auto step = core::posture::DerivePosture(record.status, batch, rules, now);
      record.status = step.status;
      for (auto& t : step.transitions) record.recent_transitions.push_back(t);
      auto& recent = record.recent_transitions;  // kept as the api keeps them
      if (recent.size() > static_cast<size_t>(ports::platform::kMaxRecentTransitions))
        recent.erase(recent.begin(), recent.end() - ports::platform::kMaxRecentTransitions);
      record.score = core::posture::ScorePosture(
          record.status.current.state,
          {.critical = uniform(0, 2), .high = uniform(0, 3), .medium = uniform(0, 5)},
          record.status.tls_grade);
      record.version += 1;
      record.updated_at = now;
      record.check_by =
          uniform(0, 1) ? std::optional<Timestamp>(now + Duration(210'000)) : std::nullopt;

      const PostureStatus& s = record.status;
      states_seen.insert(s.current.state);
      flapping_statuses += s.current.flapping ? 1 : 0;
      rings_full += static_cast<int>(s.ring.size()) == rules.flap_window ? 1 : 0;
      with_tls += s.tls_grade ? 1 : 0;

      const std::string text = EncodePostureStatus(s);
      auto back = DecodePostureStatus(text);
      ASSERT_TRUE(back.has_value()) << "seed " << seed << ": " << Why(back) << "\n" << text;
      ASSERT_EQ(*back, s) << "seed " << seed << "\n" << text;
      EXPECT_EQ(EncodePostureStatus(*back), text);

      for (const PostureTransition& t : step.transitions) {
        auto tb = DecodePostureTransition(EncodePostureTransition(t));
        ASSERT_TRUE(tb.has_value()) << Why(tb);
        EXPECT_EQ(*tb, t);
        ++transitions_checked;
      }
      auto sb = DecodePostureScore(EncodePostureScore(record.score));
      ASSERT_TRUE(sb.has_value()) << Why(sb);
      EXPECT_EQ(*sb, record.score);

      // The record documents embed the status again: every 4th step and the last one (the
      // sanitizer build spends milliseconds per document).
      if (record.version % 4 != 0 && at < results.size()) continue;
      auto put = DecodePosturePut(EncodePosturePut(record, record.version - 1));
      ASSERT_TRUE(put.has_value()) << "seed " << seed << ": " << Why(put);
      EXPECT_EQ(put->expected_version, record.version - 1);
      EXPECT_EQ(put->record.status, record.status);
      EXPECT_EQ(put->record.score, record.score);
      EXPECT_EQ(put->record.recent_transitions, record.recent_transitions);
      EXPECT_EQ(put->record.check_by, record.check_by);

      auto detail = DecodePostureDetail(EncodePostureDetail("web-1", record));
      ASSERT_TRUE(detail.has_value()) << Why(detail);
      ASSERT_TRUE(detail->has_value());
      EXPECT_EQ((*detail)->status, record.status);
      EXPECT_EQ((*detail)->score, record.score);
      EXPECT_EQ((*detail)->recent_transitions, record.recent_transitions);
      EXPECT_EQ((*detail)->version, record.version);
      EXPECT_EQ((*detail)->updated_at, record.updated_at);
      EXPECT_EQ((*detail)->check_by, record.check_by);

      auto stored = FromStoredPosture(ToStoredPosture("web-1", record));
      ASSERT_TRUE(stored.has_value()) << Why(stored);
      EXPECT_EQ(stored->status, record.status);
      EXPECT_EQ(stored->recent_transitions, record.recent_transitions);
    }
  }
  for (PostureState st : {PostureState::kUp, PostureState::kPending, PostureState::kDown,
                          PostureState::kFlapping, PostureState::kStale}) {
    EXPECT_TRUE(states_seen.count(st)) << core::model::PostureStateName(st);
  }
  EXPECT_GT(flapping_statuses, 0);
  EXPECT_GT(rings_full, 0);
  EXPECT_GT(with_tls, 0);
  EXPECT_GT(transitions_checked, 100);
}

// Verifies values at the edges survive: all 64 outcome bits, doubles without a short decimal
// form, 64-bit counters, the fresh (default) status.
TEST(PostureCodec, EdgeValuesRoundTrip) {
  PostureStatus s;
  s.current.outcome_bits = std::numeric_limits<uint64_t>::max();
  s.current.outcome_count = 64;
  s.current.flap_value = 1.0 / 3.0;
  s.base.flap_value = 0.1 + 0.2;
  s.base.outcome_bits = 1;
  s.confidence.freshness = std::nextafter(1.0, 0.0);
  s.confidence.coverage = 5e-324;  // the smallest subnormal
  s.results_applied = std::numeric_limits<int64_t>::max();
  s.confidence.missing_scan_types = {"tls_headers", "web_exposure"};
  s.tls_grade = "A+";
  s.tls_grade_at = kT0;
  for (const PostureStatus& x : {PostureStatus{}, s}) {
    auto back = DecodePostureStatus(EncodePostureStatus(x));
    ASSERT_TRUE(back.has_value()) << Why(back);
    EXPECT_EQ(*back, x);
  }
  auto j = nlohmann::json::parse(EncodePostureStatus(s));
  EXPECT_EQ(j["current"]["outcome_bits"], "ffffffffffffffff");
  EXPECT_EQ(j["base"]["outcome_bits"], "0000000000000001");
  EXPECT_TRUE(j["current"]["failing_since"].is_null());
  EXPECT_EQ(j["tls_grade_at"], "2025-01-01T00:00:00.123Z");
}

// A valid status document to break in the error tests.
nlohmann::json ValidStatus() {
  PostureStatus s;
  s.asset_key = "web-1";
  s.ring.push_back({"e1", kT0, CheckOutcome::kDown, "connect_refused"});
  s.seen.push_back({"health_http", kT0});
  return nlohmann::json::parse(EncodePostureStatus(s));
}

// Verifies the strict decoder names the offending field for each kind of defect.
TEST(PostureCodec, StrictDecodingNamesTheField) {
  struct Case {
    std::string name;
    std::function<void(nlohmann::json&)> edit;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"unknown top-level field", [](auto& j) { j["colour"] = 1; }, "colour: unknown field"},
      {"unknown nested field", [](auto& j) { j["current"]["x"] = 1; }, "current.x: unknown field"},
      {"missing field", [](auto& j) { j.erase("base"); }, "base: required"},
      {"missing nested field", [](auto& j) { j["current"].erase("flapping"); },
       "current.flapping: required"},
      {"bad state", [](auto& j) { j["current"]["state"] = "sideways"; },
       "current.state: must be one of unknown, up, pending, down, flapping, stale, maintenance"},
      {"flap value out of range", [](auto& j) { j["current"]["flap_value"] = 1.5; },
       "current.flap_value: must be a number between 0 and 1"},
      {"flap value as a string", [](auto& j) { j["base"]["flap_value"] = "0.1"; },
       "base.flap_value: must be a number between 0 and 1"},
      {"negative count", [](auto& j) { j["current"]["consecutive_failures"] = -1; },
       "current.consecutive_failures: must be an integer between 0 and 2147483647"},
      {"outcome bits as a number", [](auto& j) { j["current"]["outcome_bits"] = 5; },
       "current.outcome_bits: must be a string"},
      {"outcome bits not hex", [](auto& j) { j["current"]["outcome_bits"] = "000000000000000g"; },
       "current.outcome_bits: must be 16 hexadecimal digits"},
      {"outcome count too high", [](auto& j) { j["current"]["outcome_count"] = 65; },
       "current.outcome_count: must be an integer between 0 and 64"},
      {"null where a value is required", [](auto& j) { j["asset_key"] = nullptr; },
       "asset_key: must be a string"},
      {"bad timestamp", [](auto& j) { j["current"]["last_up_at"] = "yesterday"; },
       "current.last_up_at: invalid RFC 3339 timestamp"},
      {"bad ring outcome", [](auto& j) { j["ring"][0]["outcome"] = "maybe"; },
       "ring[0].outcome: must be one of up, down, probe_error"},
      {"ring not an array", [](auto& j) { j["ring"] = nlohmann::json::object(); },
       "ring: must be an array"},
      {"ring too long",
       [](auto& j) {
         for (int i = 0; i < 64; ++i) j["ring"].push_back(j["ring"][0]);
       },
       "ring: must have at most 64 items"},
      {"seen item missing", [](auto& j) { j["seen"][0].erase("last_at"); },
       "seen[0].last_at: required"},
      {"confidence score", [](auto& j) { j["confidence"]["score"] = 101; },
       "confidence.score: must be an integer between 0 and 100"},
      {"missing scan type not a string",
       [](auto& j) { j["confidence"]["missing_scan_types"] = {1}; },
       "confidence.missing_scan_types[0]: must be a string"},
  };
  for (const Case& c : cases) {
    nlohmann::json j = ValidStatus();
    c.edit(j);
    auto r = DecodePostureStatus(j.dump());
    ASSERT_FALSE(r.has_value()) << c.name;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << c.name;
    EXPECT_EQ(r.error().message.rfind(c.message, 0), 0u)
        << c.name << ": got '" << r.error().message << "'";
  }
  EXPECT_EQ(DecodePostureStatus("").error().message, "body: must not be empty");
  EXPECT_EQ(DecodePostureStatus("[]").error().message, "body: must be a JSON object");
  EXPECT_EQ(DecodePostureStatus("{\"asset_key\":\"a\",\"asset_key\":\"b\"}").error().message,
            "asset_key: duplicate key");
}

// Verifies the PUT body decoder: required members, the expected_version range, check_by only as
// a timestamp, nested paths in errors, and transitions decoded strictly.
TEST(PostureCodec, PutBodyIsStrict) {
  PostureRecord rec;
  rec.status.asset_key = "web-1";
  rec.recent_transitions.push_back({.asset_key = "web-1",
                                    .from = PostureState::kUnknown,
                                    .to = PostureState::kUp,
                                    .at = kT0,
                                    .detected_at = kT0,
                                    .reason = core::model::TransitionReason::kFirstResult,
                                    .reason_text = "first result: up",
                                    .event_id = "e1",
                                    .important = false});
  const nlohmann::json good = nlohmann::json::parse(EncodePosturePut(rec, 3));
  ASSERT_TRUE(DecodePosturePut(good.dump()).has_value());
  struct Case {
    std::function<void(nlohmann::json&)> edit;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](auto& j) { j.erase("expected_version"); }, "expected_version: required"},
      {[](auto& j) { j["expected_version"] = -1; },
       "expected_version: must be an integer between 0"},
      {[](auto& j) { j["expected_version"] = 1.5; },
       "expected_version: must be an integer between 0"},
      {[](auto& j) { j.erase("status"); }, "status: required"},
      {[](auto& j) { j["status"]["current"]["health"] = 1; },
       "status.current.health: must be a string"},
      {[](auto& j) { j["score"]["grade"] = "E"; }, "score.grade: must be one of A, B, C, D, F"},
      {[](auto& j) { j["score"]["score"] = 200; },
       "score.score: must be an integer between 0 and 100"},
      {[](auto& j) {
         j["score"]["reasons"] = {{{"code", "x"}, {"text", "t"}, {"points", -1}}};
       },
       "score.reasons[0].points: must be an integer between 0"},
      {[](auto& j) { j["recent_transitions"][0]["reason"] = "because"; },
       "recent_transitions[0].reason: must be one of first_result"},
      {[](auto& j) { j["recent_transitions"][0].erase("important"); },
       "recent_transitions[0].important: required"},
      {[](auto& j) { j["recent_transitions"] = "none"; }, "recent_transitions: must be an array"},
      {[](auto& j) { j["check_by"] = nullptr; }, "check_by: must be a string"},
      {[](auto& j) { j["version"] = 4; }, "version: unknown field"},
  };
  for (const Case& c : cases) {
    nlohmann::json j = good;
    c.edit(j);
    auto r = DecodePosturePut(j.dump());
    ASSERT_FALSE(r.has_value()) << c.message;
    EXPECT_EQ(r.error().message.rfind(c.message, 0), 0u) << "got '" << r.error().message << "'";
  }
  EXPECT_FALSE(DecodePosturePut("{\"expected_version\":0").has_value());  // truncated
}

// Verifies the list item and detail of an asset never derived: state unknown, nulls, no status.
TEST(PostureCodec, NeverDerivedAssetDocuments) {
  ports::store::StoredPosture never;
  never.asset_key = "web-9";
  auto item = nlohmann::json::parse(EncodePostureListItem(never));
  EXPECT_EQ(item["state"], "unknown");
  EXPECT_EQ(item["status_num"], -1);
  EXPECT_TRUE(item["score"].is_null());
  EXPECT_TRUE(item["grade"].is_null());
  EXPECT_TRUE(item["confidence"].is_null());
  EXPECT_TRUE(item["updated_at"].is_null());
  EXPECT_EQ(item["version"], 0);
  const std::string detail = EncodePostureDetail("web-9", std::nullopt);
  auto d = nlohmann::json::parse(detail);
  EXPECT_TRUE(d["status"].is_null());
  EXPECT_EQ(d["recent_transitions"].size(), 0u);
  EXPECT_EQ(d["inputs"].size(), 0u);
  auto decoded = DecodePostureDetail(detail);
  ASSERT_TRUE(decoded.has_value()) << Why(decoded);
  EXPECT_FALSE(decoded->has_value());
}

// Verifies the detail exposes the inputs (the ring), the score reasons and the confidence
// components of a derived record, and the list carries counts for every state.
TEST(PostureCodec, DetailAndListDocuments) {
  std::vector<CheckResult> rs;
  for (int i = 0; i < 4; ++i) {
    CheckResult r;
    r.event_id = "e" + std::to_string(i);
    r.asset_key = "web-1";
    r.scan_type = "health_http";
    r.observed_at = kT0 + Duration(60'000 * i);
    r.outcome = CheckOutcome::kDown;
    r.failure_reason = "http_503";
    rs.push_back(r);
  }
  auto step = core::posture::DerivePosture({}, rs, {}, kT0 + Duration(200'000));
  PostureRecord rec;
  rec.status = step.status;
  rec.recent_transitions = step.transitions;
  rec.score = core::posture::ScorePosture(rec.status.current.state, {.high = 1}, std::nullopt);
  rec.version = 2;
  rec.updated_at = kT0;
  auto d = nlohmann::json::parse(EncodePostureDetail("web-1", rec));
  EXPECT_EQ(d["state"], "down");
  EXPECT_EQ(d["status_num"], -2);
  EXPECT_EQ(d["score"], rec.score.score);
  EXPECT_EQ(d["grade"], rec.score.grade);
  ASSERT_EQ(d["inputs"].size(), 4u);
  EXPECT_EQ(d["inputs"][3]["event_id"], "e3");
  EXPECT_EQ(d["inputs"][3]["outcome"], "down");
  EXPECT_EQ(d["inputs"][3]["failure_reason"], "http_503");
  EXPECT_EQ(d["score_reasons"].size(), rec.score.reasons.size());
  EXPECT_TRUE(d["confidence_components"].contains("freshness"));
  EXPECT_FALSE(d["confidence_components"].contains("score"));
  EXPECT_EQ(d["confidence"], rec.status.confidence.score);
  ASSERT_FALSE(d["recent_transitions"].empty());
  EXPECT_EQ(d["recent_transitions"].back()["to"], "down");
  EXPECT_EQ(d["recent_transitions"].back()["reason"], "consecutive_failures");

  auto list = nlohmann::json::parse(
      EncodePostureList({"{\"asset_key\":\"web-1\"}"}, "c1.5", {{PostureState::kDown, 3}}));
  EXPECT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["next_cursor"], "c1.5");
  EXPECT_EQ(list["counts"]["down"], 3);
  EXPECT_EQ(list["counts"]["up"], 0);
  EXPECT_EQ(list["counts"].size(), 7u);
}

// Verifies a damaged stored document is an internal error naming the column, not a crash.
TEST(PostureCodec, DamagedStoredRecordIsInternalError) {
  auto row = ToStoredPosture("web-1", PostureRecord{});
  row.status_json = "{\"asset_key\":1}";
  auto r = FromStoredPosture(row);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  EXPECT_NE(r.error().message.find("status_json"), std::string::npos) << r.error().message;
}

// Verifies finding counts and the due list round-trip.
TEST(PostureCodec, CountsAndDueListRoundTrip) {
  ports::store::FindingCounts c{.info = 1, .low = 2, .medium = 3, .high = 4, .critical = 5};
  auto j = nlohmann::json::parse(EncodeFindingCounts(c));
  EXPECT_EQ(j["total"], 15);
  auto back = DecodeFindingCounts(j.dump());
  ASSERT_TRUE(back.has_value()) << Why(back);
  EXPECT_EQ(*back, c);
  EXPECT_FALSE(DecodeFindingCounts("{\"by_severity\":{\"critical\":-1}}").has_value());

  std::vector<ports::store::PostureDueKey> due = {{kT0, "a"}, {kT0 + Duration(1), "b"}};
  auto d = DecodePostureDue(EncodePostureDue(due, "d1.1.b"));
  ASSERT_TRUE(d.has_value()) << Why(d);
  EXPECT_EQ(d->items, due);
  EXPECT_EQ(d->next_cursor, "d1.1.b");
}

}  // namespace
}  // namespace secplat::adapters::json
