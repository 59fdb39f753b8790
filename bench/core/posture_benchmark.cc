// The pure posture derive step over 1M synthetic results: 10,000 assets x 100 health results
// (UUID-sized event ids, mostly up, outages, flapping assets, probe errors), fed per asset in
// batches as the deriver would. Target: >= 1M results/s on one core (issue 5).
//
//   BM_ApplyResults/batch/late_pct   statuses kept in memory, updated in place
//   BM_DerivePosture/batch/late_pct  copy in, copy out (the deriver loads and stores statuses)
//
// late_pct: share of results delivered one batch late (out of order: merged and replayed).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

#include "core/posture/derive.h"

namespace secplat::core::posture {
namespace {

using model::CheckOutcome;
using model::CheckResult;

constexpr int kAssets = 10'000;
constexpr int kPerAsset = 100;
const Timestamp kT0 = FromUnixMillis(1'735'689'600'000);

// results[a] holds asset a's results in observed order.
const std::vector<std::vector<CheckResult>>& Results() {
  static const auto* data = [] {
    auto* out = new std::vector<std::vector<CheckResult>>(kAssets);
    std::mt19937_64 rng(42);
    for (int a = 0; a < kAssets; ++a) {
      auto& v = (*out)[a];
      v.reserve(kPerAsset);
      const std::string key = "asset-" + std::to_string(a);
      const int kind = a % 10;  // 0: flapping, 1-2: one outage, 3: probe errors, else steady up
      for (int i = 0; i < kPerAsset; ++i) {
        CheckResult r;
        char id[40];
        std::snprintf(id, sizeof(id), "0190f3c2-7b1e-7000-8000-%06x%06x", a, i);
        r.event_id = id;
        r.asset_key = key;
        r.scan_type = "health_http";
        r.observed_at = kT0 + Duration(60'000LL * i + static_cast<int64_t>(rng() % 2000));
        r.outcome = CheckOutcome::kUp;
        if (kind == 0 && (rng() % 3 == 0)) r.outcome = CheckOutcome::kDown;
        if ((kind == 1 || kind == 2) && i >= 40 && i < 55) r.outcome = CheckOutcome::kDown;
        if (kind == 3 && rng() % 5 == 0) r.outcome = CheckOutcome::kProbeError;
        if (r.outcome == CheckOutcome::kDown) r.failure_reason = "connect_refused";
        v.push_back(std::move(r));
      }
    }
    return out;
  }();
  return *data;
}

// The batches of one asset: consecutive runs of `batch` results; with late_pct > 0 that share
// of results moves into the next batch (arriving after newer ones), and each batch is shuffled.
std::vector<std::vector<CheckResult>> Batches(const std::vector<CheckResult>& results, int batch,
                                              int late_pct, std::mt19937_64& rng) {
  std::vector<std::vector<CheckResult>> out((results.size() + batch - 1) / batch);
  for (size_t i = 0; i < results.size(); ++i) {
    size_t b = i / batch;
    if (late_pct > 0 && b + 1 < out.size() && static_cast<int>(rng() % 100) < late_pct) ++b;
    out[b].push_back(results[i]);
  }
  for (auto& b : out) std::shuffle(b.begin(), b.end(), rng);
  return out;
}

struct Prepared {
  std::vector<std::vector<std::vector<CheckResult>>> batches;  // [asset][batch]
};

const Prepared& Prepare(int batch, int late_pct) {
  static std::vector<std::pair<std::pair<int, int>, Prepared*>> cache;
  for (auto& [k, p] : cache)
    if (k == std::make_pair(batch, late_pct)) return *p;
  auto* p = new Prepared;
  std::mt19937_64 rng(7);
  for (const auto& r : Results()) p->batches.push_back(Batches(r, batch, late_pct, rng));
  cache.push_back({{batch, late_pct}, p});
  return *p;
}

// Feeds round by round (every asset's first batch, then every asset's second ...), as a
// deriver draining its queue would, with `now` the newest observed time of the round.
template <bool kInPlace>
void Run(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  const int late_pct = static_cast<int>(state.range(1));
  const Prepared& p = Prepare(batch, late_pct);
  const model::PostureRules rules;
  const size_t rounds = p.batches[0].size();
  int64_t transitions_total = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<model::PostureStatus> statuses(kAssets);
    std::vector<model::PostureTransition> transitions;
    transitions.reserve(1024);
    state.ResumeTiming();
    for (size_t round = 0; round < rounds; ++round) {
      const Timestamp now = kT0 + Duration(60'000LL * static_cast<int64_t>((round + 1) * batch));
      for (int a = 0; a < kAssets; ++a) {
        const auto& b = p.batches[a][round];
        if constexpr (kInPlace) {
          ApplyResults(statuses[a], b, rules, now, transitions);
        } else {
          PostureStep step = DerivePosture(statuses[a], b, rules, now);
          statuses[a] = std::move(step.status);
          transitions_total += static_cast<int64_t>(step.transitions.size());
        }
      }
      transitions_total += static_cast<int64_t>(transitions.size());
      transitions.clear();
    }
    benchmark::DoNotOptimize(statuses.data());
  }
  state.SetItemsProcessed(state.iterations() * int64_t{kAssets} * kPerAsset);
  state.counters["transitions_per_iter"] =
      static_cast<double>(transitions_total) / static_cast<double>(state.iterations());
}

void BM_ApplyResults(benchmark::State& state) { Run<true>(state); }
void BM_DerivePosture(benchmark::State& state) { Run<false>(state); }

BENCHMARK(BM_ApplyResults)
    ->ArgNames({"batch", "late_pct"})
    ->Args({10, 0})
    ->Args({100, 0})
    ->Args({10, 5})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DerivePosture)
    ->ArgNames({"batch", "late_pct"})
    ->Args({10, 0})
    ->Args({1, 0})
    ->Args({10, 5})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace secplat::core::posture

BENCHMARK_MAIN();
