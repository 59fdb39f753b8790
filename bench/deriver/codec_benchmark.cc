// Per-record costs of the JSON work in a sweep (Google Benchmark): what the deriver and the api
// do with one posture record of the shape the sweep benchmark seeds (20 results in the ring,
// one transition), to see where bench/deriver/run.sh's CPU time goes.
//   build/rel/bench/deriver/deriver_codec_benchmark
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "adapters/json/codec.h"
#include "adapters/json/posture_codec.h"
#include "core/posture/derive.h"
#include "core/posture/score.h"
#include "services/deriver/deriver.h"

namespace {

using namespace secplat;

const Timestamp kLast = FromUnixMillis(1'764'358'200'000);

ports::platform::PostureRecord Record() {
  std::vector<core::model::CheckResult> rs;
  for (int i = 0; i < 20; ++i) {
    core::model::CheckResult r;
    r.event_id = "sweep-12345-seed-" + std::to_string(i);
    r.asset_key = "sweep-12345";
    r.scan_type = "health_http";
    r.observed_at = kLast - std::chrono::minutes(19 - i);
    r.outcome = core::model::CheckOutcome::kUp;
    rs.push_back(r);
  }
  auto step = core::posture::DerivePosture({}, rs, {}, kLast + std::chrono::seconds(30));
  ports::platform::PostureRecord rec;
  rec.status = step.status;
  rec.recent_transitions = step.transitions;
  rec.score = core::posture::ScorePosture(rec.status.current.state, {}, std::nullopt);
  rec.check_by = kLast + std::chrono::seconds(210);
  rec.version = 1;
  rec.updated_at = kLast;
  return rec;
}

void BM_DerivePostureStale(benchmark::State& state) {
  auto rec = Record();
  for (auto _ : state) {
    auto step = core::posture::DerivePosture(rec.status, {}, {}, kLast + std::chrono::hours(1));
    benchmark::DoNotOptimize(step);
  }
}
BENCHMARK(BM_DerivePostureStale);

void BM_EncodePostureStatus(benchmark::State& state) {
  auto rec = Record();
  size_t bytes = 0;
  for (auto _ : state) {
    auto s = adapters::json::EncodePostureStatus(rec.status);
    bytes = s.size();
    benchmark::DoNotOptimize(s);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_EncodePostureStatus);

void BM_DecodePostureStatus(benchmark::State& state) {
  auto text = adapters::json::EncodePostureStatus(Record().status);
  for (auto _ : state) {
    auto s = adapters::json::DecodePostureStatus(text);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_DecodePostureStatus);

// The deriver's write item and the api's decode of it.
void BM_EncodeBatchPutItem(benchmark::State& state) {
  ports::platform::PostureWrite w{Record(), 1};
  for (auto _ : state) {
    auto s = adapters::json::EncodePostureBatchPutItem(w);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_EncodeBatchPutItem);

void BM_DecodeBatchPut100(benchmark::State& state) {
  std::string body = "{\"items\":[";
  for (int i = 0; i < 100; ++i) {
    auto rec = Record();
    rec.status.asset_key = "sweep-" + std::to_string(i);
    for (auto& t : rec.recent_transitions) t.asset_key = rec.status.asset_key;
    if (i > 0) body += ',';
    body += adapters::json::EncodePostureBatchPutItem({rec, 1});
  }
  body += "]}";
  for (auto _ : state) {
    auto items = adapters::json::DecodePostureBatchPut(body, 1000);
    benchmark::DoNotOptimize(items);
  }
  state.SetItemsProcessed(state.iterations() * 100);
  state.counters["bytes_per_item"] = static_cast<double>(body.size()) / 100;
}
BENCHMARK(BM_DecodeBatchPut100);

// The api's stored form (three documents encoded).
void BM_ToStoredPosture(benchmark::State& state) {
  auto rec = Record();
  for (auto _ : state) {
    auto p = adapters::json::ToStoredPosture("sweep-12345", rec);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_ToStoredPosture);

// The api's batch read answer for 100 records and the deriver's decode of it.
std::vector<adapters::json::PostureInputsRow> Rows() {
  std::vector<adapters::json::PostureInputsRow> rows;
  for (int i = 0; i < 100; ++i) {
    adapters::json::PostureInputsRow row;
    row.asset_key = "sweep-" + std::to_string(i);
    row.asset.asset_key = row.asset_key;
    row.asset.name = row.asset_key;
    row.asset.url = "https://" + row.asset_key + ".test/";
    row.asset.host = row.asset_key + ".test";
    row.asset.port = 443;
    row.posture = adapters::json::ToStoredPosture(row.asset_key, Record());
    rows.push_back(std::move(row));
  }
  return rows;
}

void BM_EncodePostureInputs100(benchmark::State& state) {
  auto rows = Rows();
  for (auto _ : state) {
    auto s = adapters::json::EncodePostureInputs(rows);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_EncodePostureInputs100);

void BM_DecodePostureInputs100(benchmark::State& state) {
  auto body = adapters::json::EncodePostureInputs(Rows());
  for (auto _ : state) {
    auto items = adapters::json::DecodePostureInputs(body);
    benchmark::DoNotOptimize(items);
  }
  state.SetItemsProcessed(state.iterations() * 100);
  state.counters["bytes_per_item"] = static_cast<double>(body.size()) / 100;
}
BENCHMARK(BM_DecodePostureInputs100);

void BM_ChangeEventEncode(benchmark::State& state) {
  auto rec = Record();
  auto step = core::posture::DerivePosture(rec.status, {}, {}, kLast + std::chrono::hours(1));
  auto score = core::posture::ScorePosture(step.status.current.state, {}, std::nullopt);
  for (auto _ : state) {
    auto e = services::deriver::Deriver::ChangeEvent(step.transitions.at(0), step.status, score);
    auto s = adapters::json::EncodeEnvelope(e);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_ChangeEventEncode);

void BM_DecodeEventBatch100(benchmark::State& state) {
  auto rec = Record();
  auto step = core::posture::DerivePosture(rec.status, {}, {}, kLast + std::chrono::hours(1));
  auto score = core::posture::ScorePosture(step.status.current.state, {}, std::nullopt);
  std::string body = "{\"events\":[";
  for (int i = 0; i < 100; ++i) {
    auto t = step.transitions.at(0);
    t.asset_key = "sweep-" + std::to_string(i);
    if (i > 0) body += ',';
    body += adapters::json::EncodeEnvelope(
        services::deriver::Deriver::ChangeEvent(t, step.status, score));
  }
  body += "]}";
  for (auto _ : state) {
    auto events = adapters::json::DecodeEventBatch(body, 1000);
    benchmark::DoNotOptimize(events);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_DecodeEventBatch100);

}  // namespace

BENCHMARK_MAIN();
