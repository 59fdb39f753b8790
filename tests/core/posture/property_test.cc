// PROPERTY: feeding the same results in any batching, with any arrival order inside a batch and
// late results that are still within the ring when they arrive, gives the same final status as
// feeding them all in one batch.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "core/posture/derive.h"
#include "tests/core/posture/test_util.h"

namespace secplat::core::posture {
namespace {

using model::CheckOutcome;
using model::CheckResult;
using model::PostureRules;
using namespace testing;  // NOLINT: test builders

struct Timeline {
  PostureRules rules;
  std::vector<CheckResult> results;  // in observed order, duplicates included
};

// A random timeline: regimes of steady up, steady down and flapping, probe errors, data gaps,
// TLS and exposure results, duplicates.
Timeline RandomTimeline(std::mt19937_64& rng) {
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Timeline tl;
  tl.rules.fail_threshold = uniform(1, 4);
  tl.rules.recover_threshold = uniform(1, 3);
  tl.rules.debounce_window = Duration(1000 * 60 * uniform(0, 2));
  tl.rules.flap_window = uniform(4, 30);
  const int n = uniform(1, 160);
  int64_t t_ms = 0;
  int regime = 0;  // 0 up, 1 down, 2 flapping, 3 random
  for (int i = 0; i < n; ++i) {
    if (uniform(0, 9) == 0) regime = uniform(0, 3);
    t_ms += uniform(0, 20) == 0 ? 1000 * uniform(211, 900) : 1000 * 60 + uniform(-2000, 2000);
    CheckOutcome o = CheckOutcome::kUp;
    if (regime == 1) o = CheckOutcome::kDown;
    if (regime == 2) o = i % 2 ? CheckOutcome::kDown : CheckOutcome::kUp;
    if (regime == 3) o = uniform(0, 1) ? CheckOutcome::kDown : CheckOutcome::kUp;
    if (uniform(0, 12) == 0) o = CheckOutcome::kProbeError;
    CheckResult r;
    r.event_id = "h" + std::to_string(i);
    r.asset_key = "web-1";
    r.scan_type = "health_http";
    // Equal timestamps happen (same millisecond): order then comes from the event id.
    r.observed_at = kT0 + Duration(uniform(0, 30) == 0 && i > 0 ? t_ms - 60'000 : t_ms);
    r.outcome = o;
    if (o == CheckOutcome::kDown) r.failure_reason = uniform(0, 1) ? "connect_refused" : "http_503";
    tl.results.push_back(r);
    if (uniform(0, 10) == 0) tl.results.push_back(r);  // a duplicate delivery
    if (uniform(0, 15) == 0) {
      CheckResult other = r;
      other.event_id = "o" + std::to_string(i);
      other.scan_type = uniform(0, 1) ? "tls_headers" : "web_exposure";
      other.outcome = uniform(0, 5) == 0 ? CheckOutcome::kProbeError : CheckOutcome::kUp;
      if (other.scan_type == "tls_headers")
        other.tls_grade = std::string(1, "ABCDF"[uniform(0, 4)]);
      tl.results.push_back(other);
    }
  }
  return tl;
}

// Delivers the timeline in random batches: health results late by fewer than flap_window
// positions (so still within the ring), other scan types anywhere, each batch shuffled. `now`
// of a batch is the newest up/down result fed so far (the deriver runs as results arrive).
model::PostureStatus FeedInBatches(const Timeline& tl, std::mt19937_64& rng, Timestamp final_now,
                                   int* out_of_order) {
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  struct Delivery {
    double position;
    const CheckResult* r;
  };
  std::vector<Delivery> deliveries;
  // Up to flap_window - 4 positions late: the generator's own disorder (a result observed up to
  // 62 s before its predecessor) adds up to 2 more, so every late result still fits the ring.
  const int max_delay = std::max(1, tl.rules.flap_window - 4);
  int health_index = 0;
  for (const auto& r : tl.results) {
    double position = health_index;
    if (r.scan_type == "health_http") {
      ++health_index;
      if (uniform(0, 5) == 0) position += uniform(1, max_delay) - 0.5;
    } else {
      position = uniform(0, static_cast<int>(tl.results.size())) - 0.25;
    }
    deliveries.push_back({position, &r});
  }
  std::stable_sort(deliveries.begin(), deliveries.end(),
                   [](const Delivery& a, const Delivery& b) { return a.position < b.position; });

  model::PostureStatus status = Fresh();
  std::optional<Timestamp> now;
  size_t i = 0;
  while (i < deliveries.size()) {
    const size_t size = static_cast<size_t>(uniform(1, 12));
    std::vector<CheckResult> batch;
    for (; i < deliveries.size() && batch.size() < size; ++i) {
      const CheckResult& r = *deliveries[i].r;
      batch.push_back(r);
      if (r.scan_type == "health_http" && r.outcome != CheckOutcome::kProbeError)
        now = std::max(now.value_or(r.observed_at), r.observed_at);
    }
    std::shuffle(batch.begin(), batch.end(), rng);
    auto step = DerivePosture(status, batch, tl.rules, now.value_or(kT0));
    *out_of_order += step.stats.out_of_order;
    status = std::move(step.status);
  }
  return DerivePosture(status, {}, tl.rules, final_now).status;
}

// Verifies the batching property over several hundred seeded random timelines, and that the
// timelines really exercise out-of-order merges, duplicates, gaps and flapping.
TEST(PostureProperty, AnyBatchingGivesTheSameFinalStatus) {
  int out_of_order = 0;
  int64_t duplicates = 0;
  int flapping = 0;
  int stale_seen = 0;
  for (uint64_t seed = 1; seed <= 600; ++seed) {
    std::mt19937_64 rng(seed);
    const Timeline tl = RandomTimeline(rng);
    Timestamp last = kT0;
    for (const auto& r : tl.results)
      if (r.scan_type == "health_http" && r.outcome != CheckOutcome::kProbeError)
        last = std::max(last, r.observed_at);
    const Timestamp final_now =
        last + Duration(1000 * std::uniform_int_distribution<int>(0, 400)(rng));

    std::vector<CheckResult> all = tl.results;
    std::shuffle(all.begin(), all.end(), rng);
    const auto first = DerivePosture(Fresh(), all, tl.rules, last);
    const auto reference = DerivePosture(first.status, {}, tl.rules, final_now);

    for (int round = 0; round < 3; ++round) {
      const model::PostureStatus batched = FeedInBatches(tl, rng, final_now, &out_of_order);
      ASSERT_EQ(batched.current, reference.status.current) << "seed " << seed << " round " << round;
      ASSERT_EQ(batched, reference.status) << "seed " << seed << " round " << round;
    }
    duplicates += reference.status.results_duplicate;
    flapping += reference.status.current.flapping || reference.status.base.flapping;
    for (const auto* step : {&first, &reference})
      for (const auto& t : step->transitions) stale_seen += t.to == model::PostureState::kStale;
  }
  EXPECT_GT(out_of_order, 100);
  EXPECT_GT(duplicates, 100);
  EXPECT_GT(flapping, 10);
  EXPECT_GT(stale_seen, 10);
}

}  // namespace
}  // namespace secplat::core::posture
