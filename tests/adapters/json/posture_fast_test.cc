// The posture documents' fast paths (internal/posture_fast.h): the direct encoders write what
// nlohmann's serializer writes, and the fast-path decoders give what the full decoders give —
// or step aside (nullopt) and leave the answer, including every error message, to them.
#include "adapters/json/internal/posture_fast.h"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "adapters/json/codec.h"
#include "adapters/json/posture_codec.h"
#include "core/posture/derive.h"
#include "core/posture/score.h"

namespace secplat::adapters::json {
namespace {

using core::model::CheckOutcome;
using core::model::CheckResult;
using core::model::PostureStatus;
using nlohmann::ordered_json;
using ports::platform::PostureRecord;

const Timestamp kT0 = FromUnixMillis(1'735'689'600'123);  // 2025-01-01T00:00:00.123Z

// Records after random timelines (up, down, flapping, gaps, probe errors, odd strings).
std::vector<PostureRecord> RandomRecords(int count) {
  std::vector<PostureRecord> out;
  std::mt19937_64 rng(7);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const std::vector<std::string> odd = {"connect_refused",
                                        "tab\there",
                                        "quote\"back\\slash",
                                        "ctl\x01",
                                        "caf\xc3\xa9",
                                        "bad\xff utf8",
                                        "",
                                        "/slash"};
  for (int n = 0; n < count; ++n) {
    core::model::PostureRules rules;
    rules.fail_threshold = uniform(1, 4);
    rules.flap_window = uniform(4, 30);
    PostureRecord rec;
    rec.status.asset_key = "web-" + std::to_string(n);
    int64_t t = 0;
    const int steps = uniform(1, 12);
    for (int s = 0; s < steps; ++s) {
      std::vector<CheckResult> batch;
      for (int i = uniform(0, 8); i > 0; --i) {
        t += uniform(0, 9) == 0 ? 1000 * uniform(211, 900) : 60'000;
        CheckResult r;
        r.event_id = "e" + std::to_string(s) + "-" + std::to_string(i) + odd[uniform(0, 7)];
        r.asset_key = rec.status.asset_key;
        r.scan_type = uniform(0, 8) == 0 ? "tls_headers" : "health_http";
        r.observed_at = kT0 + Duration(t);
        const int o = uniform(0, 9);
        r.outcome = o < 5   ? CheckOutcome::kUp
                    : o < 9 ? CheckOutcome::kDown
                            : CheckOutcome::kProbeError;
        if (r.outcome == CheckOutcome::kDown) r.failure_reason = odd[uniform(0, 7)];
        if (r.scan_type == "tls_headers") r.tls_grade = "B";
        batch.push_back(r);
      }
      auto step = core::posture::DerivePosture(rec.status, batch, rules,
                                               kT0 + Duration(t + 1000 * uniform(0, 400)));
      rec.status = step.status;
      for (auto& tr : step.transitions) rec.recent_transitions.push_back(tr);
    }
    rec.score = core::posture::ScorePosture(rec.status.current.state, {.high = uniform(0, 2)},
                                            rec.status.tls_grade);
    rec.version = uniform(1, 9);
    rec.updated_at = kT0 + Duration(t);
    if (uniform(0, 1)) rec.check_by = kT0 + Duration(t + 210'000);
    out.push_back(std::move(rec));
  }
  return out;
}

std::string NlohmannDump(const ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Forces the full decoder without changing any value: a member name written with an escape
// (the fast path reads names without escapes; JSON says it is the same name).
std::string EscapeNames(std::string text) {
  for (size_t at = 0; (at = text.find("\"asset_key\":", at)) != std::string::npos; at += 16)
    text.replace(at, 12, "\"asset\\u005fkey\":");
  return text;
}

// Verifies the direct encoders write exactly nlohmann's bytes: the status equals the one the
// detail document embeds (still built as an nlohmann object), and re-serialising any encoder
// output with nlohmann (order kept) changes nothing — numbers, escapes, replaced bad UTF-8.
TEST(PostureFast, EncodersWriteNlohmannBytes) {
  for (const PostureRecord& rec : RandomRecords(150)) {
    const std::string status = EncodePostureStatus(rec.status);
    ordered_json detail = ordered_json::parse(EncodePostureDetail("web-1", rec));
    EXPECT_EQ(NlohmannDump(detail["status"]), status);
    for (const std::string& text :
         {status, EncodePostureScore(rec.score), EncodePostureTransitions(rec.recent_transitions),
          EncodePosturePut(rec, 3), EncodePostureBatchPutItem({rec, 2})}) {
      EXPECT_EQ(NlohmannDump(ordered_json::parse(text)), text);
    }
  }
  PostureStatus edge;
  edge.current.flap_value = 1.0 / 3.0;
  edge.base.flap_value = 0.0001;  // nlohmann keeps decimal notation here, std::to_chars would not
  edge.confidence.coverage = 5e-324;
  edge.confidence.freshness = 1.0;
  edge.results_applied = std::numeric_limits<int64_t>::max();
  edge.evaluated_at = FromUnixMillis(-86'400'000 - 1);  // before 1970
  const std::string text = EncodePostureStatus(edge);
  EXPECT_EQ(NlohmannDump(ordered_json::parse(text)), text);
  EXPECT_NE(text.find("\"evaluated_at\":\"1969-12-30T23:59:59.999Z\""), std::string::npos);
}

// Verifies the fast decoders accept every encoded document, in any layout (indented, members in
// another order, non-ASCII escaped), and give exactly what the full decoders give.
TEST(PostureFast, FastDecodersMatchTheFullDecoders) {
  int checked = 0;
  for (const PostureRecord& rec : RandomRecords(120)) {
    const std::string status = EncodePostureStatus(rec.status);
    const ordered_json as_ordered = ordered_json::parse(status);
    const nlohmann::json as_sorted = nlohmann::json::parse(status);
    for (const std::string& variant : {status, as_ordered.dump(2), as_sorted.dump(),
                                       as_sorted.dump(-1, ' ', /*ensure_ascii=*/true,
                                                      nlohmann::json::error_handler_t::replace)}) {
      auto fast = internal::FastDecodePostureStatus(variant);
      auto full = DecodePostureStatus(EscapeNames(variant));
      ASSERT_TRUE(full.has_value()) << full.error().message;
      ASSERT_TRUE(fast.has_value()) << variant;
      EXPECT_EQ(*fast, *full);
    }
    auto put = internal::FastDecodePosturePut(EncodePosturePut(rec, 4));
    auto put_full = DecodePosturePut(EscapeNames(EncodePosturePut(rec, 4)));
    ASSERT_TRUE(put.has_value());
    ASSERT_TRUE(put_full.has_value()) << put_full.error().message;
    EXPECT_EQ(put->record.status, put_full->record.status);
    EXPECT_EQ(put->record.score, put_full->record.score);
    EXPECT_EQ(put->record.recent_transitions, put_full->record.recent_transitions);
    EXPECT_EQ(put->record.check_by, put_full->record.check_by);
    EXPECT_EQ(put->expected_version, 4);
    ++checked;
  }
  EXPECT_EQ(checked, 120);
}

// Verifies the batch bodies: the fast path decodes a batch write and a batch read answer to what
// the full decoders give (forced by an escaped member name, or an item member the full response
// decoder ignores).
TEST(PostureFast, BatchBodiesMatchTheFullDecoders) {
  auto records = RandomRecords(40);
  std::string put = "{\"items\":[";
  std::vector<PostureInputsRow> rows;
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].status.asset_key = "web-" + std::to_string(i);
    for (auto& t : records[i].recent_transitions) t.asset_key = records[i].status.asset_key;
    if (i > 0) put += ',';
    put += EncodePostureBatchPutItem({records[i], static_cast<int64_t>(i)});
    PostureInputsRow row;
    row.asset_key = records[i].status.asset_key;
    if (i % 9 == 4) {
      row.status = Unexpected(ErrorCode::kNotFound, "asset '" + row.asset_key + "' not found");
    } else {
      row.asset.asset_key = row.asset_key;
      row.asset.name = "n\"" + row.asset_key;
      row.asset.url = "https://" + row.asset_key + ".test/";
      row.asset.host = row.asset_key + ".test";
      row.asset.labels = {{"posture.fail_threshold", "1"}};
      row.open_findings.high = static_cast<int64_t>(i);
      if (i % 5 != 0) row.posture = ToStoredPosture(row.asset_key, records[i]);
      if (row.posture) row.posture->version = records[i].version;
    }
    rows.push_back(std::move(row));
  }
  put += "]}";
  auto fast = internal::FastDecodePostureBatchPut(put, 1000);
  auto full = DecodePostureBatchPut(EscapeNames(put), 1000);
  ASSERT_TRUE(fast.has_value());
  ASSERT_TRUE(full.has_value()) << full.error().message;
  ASSERT_EQ(fast->size(), full->size());
  for (size_t i = 0; i < fast->size(); ++i) {
    EXPECT_EQ((*fast)[i].asset_key, (*full)[i].asset_key);
    EXPECT_EQ((*fast)[i].put.expected_version, static_cast<int64_t>(i));
    EXPECT_EQ((*fast)[i].put.record.status, (*full)[i].put.record.status);
    EXPECT_EQ((*fast)[i].put.record.recent_transitions, (*full)[i].put.record.recent_transitions);
  }
  EXPECT_FALSE(internal::FastDecodePostureBatchPut(put, 39).has_value());  // over the limit

  const std::string answer = EncodePostureInputs(rows);
  std::string ignored_member = answer;  // "x" before each item's "error"
  for (size_t at = 0; (at = ignored_member.find(",\"error\":", at)) != std::string::npos; at += 16)
    ignored_member.insert(at + 1, "\"x\":0,");
  auto fast_in = internal::FastDecodePostureInputs(answer);
  ASSERT_FALSE(internal::FastDecodePostureInputs(ignored_member).has_value());
  auto full_in = DecodePostureInputs(ignored_member);
  ASSERT_TRUE(fast_in.has_value());
  ASSERT_TRUE(full_in.has_value()) << full_in.error().message;
  ASSERT_EQ(fast_in->size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& a = (*fast_in)[i];
    const auto& b = (*full_in)[i];
    EXPECT_EQ(a.asset_key, b.asset_key);
    EXPECT_EQ(a.status.has_value(), b.status.has_value());
    if (!a.status.has_value()) {
      EXPECT_EQ(a.status.error().code, ErrorCode::kNotFound);
      EXPECT_EQ(a.status.error().message, b.status.error().message);
      continue;
    }
    EXPECT_EQ(a.asset.name, b.asset.name);
    EXPECT_EQ(a.asset.labels, b.asset.labels);
    EXPECT_EQ(a.open_findings, b.open_findings);
    ASSERT_EQ(a.record.has_value(), b.record.has_value());
    if (!a.record) continue;
    EXPECT_EQ(a.record->status, b.record->status);
    EXPECT_EQ(a.record->score, b.record->score);
    EXPECT_EQ(a.record->recent_transitions, b.record->recent_transitions);
    EXPECT_EQ(a.record->version, b.record->version);
    EXPECT_EQ(a.record->check_by, b.record->check_by);
  }
}

// Verifies the fast path steps aside for every defect (so the full decoder names it) and for
// valid JSON it does not read itself (a surrogate pair), which the full decoder then accepts.
TEST(PostureFast, StepsAsideForDefectsAndRareForms) {
  PostureStatus s;
  s.asset_key = "web-1";
  s.ring.push_back({"e1", kT0, CheckOutcome::kDown, "connect_refused"});
  const std::string good = EncodePostureStatus(s);
  ASSERT_TRUE(internal::FastDecodePostureStatus(good).has_value());
  auto edit = [&good](std::string_view from, std::string_view to) {
    std::string t = good;
    size_t at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) t.replace(at, from.size(), to);
    return t;
  };
  const std::vector<std::string> defects = {
      "",
      good + " x",
      edit("\"asset_key\":\"web-1\"", "\"asset_key\":\"web-1\",\"asset_key\":\"web-1\""),
      edit("\"asset_key\":\"web-1\",", ""),
      edit("\"asset_key\":\"web-1\"", "\"asset_key\":\"web-1\",\"colour\":1"),
      edit("\"asset_key\":\"web-1\"", "\"asset_key\":7"),
      edit("\"asset_key\":\"web-1\"", "\"asset_key\":\"we\\u0000b\""),
      edit("\"asset_key\":\"web-1\"", "\"asset_key\":\"we\xff\""),
      edit("\"state\":\"unknown\"", "\"state\":\"sideways\""),
      edit("\"outcome_count\":0", "\"outcome_count\":65"),
      edit("\"outcome_count\":0", "\"outcome_count\":1.0"),
      edit("\"flap_value\":0.0", "\"flap_value\":1.5"),
      edit("\"flap_value\":0.0", "\"flap_value\":.5"),
      edit("\"outcome_bits\":\"0000000000000000\"", "\"outcome_bits\":\"000000000000000G\""),
      edit("\"observed_at\":\"2025-01-01T00:00:00.123Z\"", "\"observed_at\":\"noon\""),
      edit("\"results_applied\":0", "\"results_applied\":99999999999999999999"),
  };
  for (size_t i = 0; i < defects.size(); ++i) {
    EXPECT_FALSE(internal::FastDecodePostureStatus(defects[i]).has_value()) << i;
    EXPECT_FALSE(DecodePostureStatus(defects[i]).has_value()) << i << ": " << defects[i];
  }
  // Valid, but left to the full decoder: an integer written -0, a surrogate pair.
  const std::string minus_zero = edit("\"outcome_count\":0", "\"outcome_count\":-0");
  EXPECT_FALSE(internal::FastDecodePostureStatus(minus_zero).has_value());
  auto zero = DecodePostureStatus(minus_zero);
  ASSERT_TRUE(zero.has_value()) << zero.error().message;
  EXPECT_EQ(zero->current.outcome_count, 0);
  const std::string emoji = edit("\"asset_key\":\"web-1\"", "\"asset_key\":\"\\ud83d\\ude00\"");
  EXPECT_FALSE(internal::FastDecodePostureStatus(emoji).has_value());
  auto full = DecodePostureStatus(emoji);
  ASSERT_TRUE(full.has_value()) << full.error().message;
  EXPECT_EQ(full->asset_key, "\xf0\x9f\x98\x80");

  EXPECT_TRUE(internal::IsJsonText(good));
  EXPECT_TRUE(internal::IsJsonText(" [1, -2.5e3, true, null, {\"a\": \"\\u00e9\"}] "));
  EXPECT_FALSE(internal::IsJsonText("{\"a\":1"));
  EXPECT_FALSE(internal::IsJsonText("{\"a\":1} {}"));
  EXPECT_FALSE(internal::IsJsonText("{'a':1}"));
  EXPECT_FALSE(internal::IsJsonText(std::string(100, '[') + std::string(100, ']')));
}

// Verifies the envelope fast paths: an envelope with a canonical payload (what the deriver
// writes) is encoded to nlohmann's bytes and decoded to what the full decoder gives; payloads
// not in canonical form (members out of order, spaces, a float, a deep nesting) make the fast
// path step aside, and the full decoder canonicalises them as before.
TEST(PostureFast, EnvelopesWithCanonicalPayloads) {
  core::model::Envelope e;
  e.event_id = "0b7e2c1a-0000-4000-8000-000000000001";
  e.event_type = core::model::EventType::kPostureChanged;
  e.ts = kT0;
  e.org_id = "default";
  e.asset_key = "web-1";
  e.severity = core::model::Severity::kHigh;
  e.payload_json =
      R"({"at":"2025-01-01T00:00:00.123Z","confidence":58,"from":"up","reason_text":"tab\tq\"u)"
      "\xc3\xa9"
      R"(","score":-3,"to":"down","x":[1,{"a":null,"b":true}]})";
  for (const std::string& request_id : {std::string(), std::string("req-1")}) {
    e.request_id = request_id;
    auto fast = internal::FastEncodeEnvelope(e);
    ASSERT_TRUE(fast.has_value());
    EXPECT_EQ(EncodeEnvelope(e), *fast);
    EXPECT_EQ(NlohmannDump(ordered_json::parse(*fast)), *fast);
    auto decoded = internal::FastDecodeEnvelope(*fast);
    ASSERT_TRUE(decoded.has_value());
    std::string forced = *fast;
    forced.replace(forced.find("\"event_id\""), 10, "\"event\\u005fid\"");
    auto full = DecodeEnvelope(forced);
    ASSERT_TRUE(full.has_value()) << full.error().message;
    EXPECT_EQ(decoded->event_id, full->event_id);
    EXPECT_EQ(decoded->ts, full->ts);
    EXPECT_EQ(decoded->request_id, full->request_id);
    EXPECT_EQ(decoded->severity, full->severity);
    EXPECT_EQ(decoded->payload_json, full->payload_json);
    EXPECT_EQ(decoded->payload_json, e.payload_json);
  }
  auto batch = internal::FastDecodeEventBatch("{\"events\":[" + EncodeEnvelope(e) + "]}", 10);
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->at(0).payload_json, e.payload_json);
  EXPECT_FALSE(internal::FastDecodeEventBatch(
                   "{\"events\":[" + EncodeEnvelope(e) + "," + EncodeEnvelope(e) + "]}", 10)
                   .has_value());  // a repeated event_id: the full decoder names it

  const std::string base = EncodeEnvelope(e);
  for (const std::string& payload :
       {std::string(R"({"b":1,"a":2})"), std::string(R"({"a": 1})"), std::string(R"({"a":1.5})"),
        std::string(R"({"a":"\u00e9"})"), std::string(R"({"a":1,"a":1})"),
        std::string(R"({"a":[[[[[[[[[[1]]]]]]]]]]})")}) {
    std::string text = base;
    const size_t at = text.find("\"payload\":") + 10;
    text.replace(at, text.size() - 1 - at, payload);
    EXPECT_FALSE(internal::FastDecodeEnvelope(text).has_value()) << payload;
    core::model::Envelope raw = e;
    raw.payload_json = payload;
    EXPECT_FALSE(internal::FastEncodeEnvelope(raw).has_value()) << payload;
    auto full = DecodeEnvelope(text);
    if (payload == R"({"a":1,"a":1})") {
      EXPECT_FALSE(full.has_value());
      continue;
    }
    ASSERT_TRUE(full.has_value()) << payload << ": " << full.error().message;
    EXPECT_EQ(full->payload_json, nlohmann::json::parse(payload).dump()) << payload;
  }
}

}  // namespace
}  // namespace secplat::adapters::json
