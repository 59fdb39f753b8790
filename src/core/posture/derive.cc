#include "core/posture/derive.h"

#include <algorithm>
#include <bit>
#include <string>
#include <string_view>
#include <tuple>

#include "core/posture/confidence.h"
#include "core/posture/rules.h"
#include "core/posture/text.h"

namespace secplat::core::posture {
namespace {

using model::CheckOutcome;
using model::CheckResult;
using model::HealthSample;
using model::PostureFacts;
using model::PostureRules;
using model::PostureState;
using model::PostureStatus;
using model::PostureTransition;
using model::TransitionReason;

// The rules as the state machine uses them: clamped into range, so an unvalidated rule can
// neither crash nor loop.
struct Params {
  int fail_threshold;
  int recover_threshold;
  Duration debounce_window;
  int window;
  double flap_low;
  double flap_high;
  Duration stale_after;
};

Params MakeParams(const PostureRules& r) {
  Params p;
  p.fail_threshold = std::clamp(r.fail_threshold, 1, kMaxThreshold);
  p.recover_threshold = std::clamp(r.recover_threshold, 1, kMaxThreshold);
  p.debounce_window = std::max(r.debounce_window, Duration(0));
  p.window = std::clamp(r.flap_window, kMinFlapWindow, kMaxFlapWindow);
  p.flap_high = (r.flap_high > 0.0 && r.flap_high <= 1.0) ? r.flap_high : 0.30;
  p.flap_low = (r.flap_low > 0.0 && r.flap_low < p.flap_high) ? r.flap_low : p.flap_high * 0.8;
  p.stale_after = std::max(r.stale_after, Duration(1));
  return p;
}

// Where the transitions of a Step go. Texts are built only when someone keeps them: base
// steps (evictions) keep nothing, replays keep the last one, live steps keep all.
struct Sink {
  std::vector<PostureTransition>* all = nullptr;
  PostureTransition* last = nullptr;
  bool wants_text() const { return all != nullptr || last != nullptr; }
};

struct Ctx {
  const Params& p;
  std::string_view asset_key;
  Timestamp now;
};

// (observed_at, event_id): the order in which results are applied.
bool Before(Timestamp at, std::string_view id, const HealthSample& s) {
  if (at != s.observed_at) return at < s.observed_at;
  return id < std::string_view(s.event_id);
}

std::string Plural(int n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// Moves the shown state to `to` and records the transition.
void Change(PostureFacts& f, PostureState to, Timestamp at, TransitionReason reason,
            std::string_view event_id, const Ctx& c, Sink& sink, std::string text) {
  if (sink.wants_text()) {
    PostureTransition t;
    t.asset_key = std::string(c.asset_key);
    t.from = f.state;
    t.to = to;
    t.at = at;
    t.detected_at = c.now;
    t.reason = reason;
    t.reason_text = std::move(text);
    t.event_id = std::string(event_id);
    t.important = IsImportantTransition(f.state, to);
    if (sink.all != nullptr) sink.all->push_back(t);
    if (sink.last != nullptr) *sink.last = std::move(t);
  }
  f.state = to;
  f.status_since = at;
  f.last_change_at = at;
  f.status_event_id.assign(event_id);
}

// Enters stale at the moment the newest result became overdue, if that is before `until`.
void CheckStale(PostureFacts& f, Timestamp until, const Ctx& c, Sink& sink) {
  if (!f.last_result_at || f.state == PostureState::kStale || f.state == PostureState::kUnknown)
    return;
  const Timestamp deadline = *f.last_result_at + c.p.stale_after;
  if (until <= deadline) return;
  std::string text;
  if (sink.wants_text())
    text = "no health result for more than " + FormatSpan(c.p.stale_after) + " (last at " +
           FormatRfc3339(*f.last_result_at) + ")";
  Change(f, PostureState::kStale, deadline, TransitionReason::kNoFreshResult, "", c, sink,
         std::move(text));
}

// Applies one health result (in order) to `f`. This function is the whole state machine: the
// live facts, the base facts and replays all go through it, which is what makes the result
// independent of batching.
void Step(PostureFacts& f, const HealthSample& s, const Ctx& c, Sink& sink) {
  if (s.outcome == CheckOutcome::kProbeError) return;  // our side failed: no data
  const Timestamp t = s.observed_at;
  const std::optional<Timestamp> previous_result_at = f.last_result_at;
  CheckStale(f, t, c, sink);  // a data gap before this result

  const bool down = s.outcome == CheckOutcome::kDown;
  f.outcome_bits = (f.outcome_bits << 1) | (down ? 1u : 0u);
  f.outcome_count = std::min(f.outcome_count + 1, 64);
  f.flap_value = FlapValue(f.outcome_bits, f.outcome_count, c.p.window);
  f.last_result_at = t;
  if (down) {
    ++f.consecutive_failures;
    f.consecutive_successes = 0;
    if (f.consecutive_failures == 1) f.failing_since = t;
    f.last_failure_reason.assign(s.failure_reason);
  } else {
    ++f.consecutive_successes;
    f.consecutive_failures = 0;
    f.failing_since.reset();
  }

  // Debounce.
  const PostureState from_health = f.health;
  PostureState health = from_health;
  TransitionReason reason = TransitionReason::kFirstResult;
  if (down) {
    const bool confirmed =
        f.consecutive_failures >= c.p.fail_threshold && t - *f.failing_since >= c.p.debounce_window;
    if (from_health == PostureState::kDown) {
      health = PostureState::kDown;
    } else {
      health = confirmed ? PostureState::kDown : PostureState::kPending;
      reason = confirmed ? TransitionReason::kConsecutiveFailures
                         : TransitionReason::kFailureUnconfirmed;
    }
  } else if (from_health == PostureState::kDown) {
    if (f.consecutive_successes >= c.p.recover_threshold) {
      health = PostureState::kUp;
      reason = TransitionReason::kConsecutiveSuccesses;
    }
  } else {
    health = PostureState::kUp;
    reason = TransitionReason::kRecovered;
  }
  if (from_health == PostureState::kUnknown) reason = TransitionReason::kFirstResult;
  f.health = health;

  // Flapping with hysteresis.
  const bool was_flapping = f.flapping;
  if (!f.flapping && f.flap_value > c.p.flap_high) f.flapping = true;
  if (f.flapping && f.flap_value < c.p.flap_low) f.flapping = false;
  const PostureState shown = f.flapping ? PostureState::kFlapping : health;
  if (shown == PostureState::kUp) f.last_up_at = t;
  f.last_good_status = shown;
  if (shown == f.state) return;

  if (f.flapping && !was_flapping) {
    reason = TransitionReason::kFlappingStarted;
  } else if (!f.flapping && was_flapping) {
    reason = TransitionReason::kFlappingStopped;
  } else if (f.state == PostureState::kStale) {
    reason = TransitionReason::kFreshResult;
  }
  std::string text;
  if (sink.wants_text()) {
    const std::string why =
        s.failure_reason.empty() ? std::string() : " (" + s.failure_reason + ")";
    switch (reason) {
      case TransitionReason::kFirstResult:
        text = std::string("first result: ") + (down ? "down" : "up") + why;
        break;
      case TransitionReason::kFailureUnconfirmed:
        text = Plural(f.consecutive_failures, "consecutive failure") + " over " +
               FormatSpan(t - *f.failing_since) + ", down needs " +
               std::to_string(c.p.fail_threshold) + " over " + FormatSpan(c.p.debounce_window) +
               why;
        break;
      case TransitionReason::kConsecutiveFailures:
        text = Plural(f.consecutive_failures, "consecutive failure") + " over " +
               FormatSpan(t - *f.failing_since) + why;
        break;
      case TransitionReason::kRecovered:
        text = "success after an unconfirmed failure";
        break;
      case TransitionReason::kConsecutiveSuccesses:
        text = std::to_string(f.consecutive_successes) + " consecutive " +
               (f.consecutive_successes == 1 ? "success" : "successes");
        break;
      case TransitionReason::kFlappingStarted:
        text = "flap value " + FormatRatio(f.flap_value) + " > " + FormatRatio(c.p.flap_high);
        break;
      case TransitionReason::kFlappingStopped:
        text = "flap value " + FormatRatio(f.flap_value) + " < " + FormatRatio(c.p.flap_low);
        break;
      case TransitionReason::kFreshResult:
        text = "fresh result after " +
               FormatSpan(previous_result_at ? t - *previous_result_at : Duration(0)) +
               " without data: " + (down ? "down" : "up") + why;
        break;
      default:
        break;
    }
  }
  Change(f, shown, t, reason, s.event_id, c, sink, std::move(text));
}

// Copies a result into a ring slot, reusing the slot's string buffers.
void Assign(HealthSample& slot, const CheckResult& r) {
  slot.event_id.assign(r.event_id);
  slot.observed_at = r.observed_at;
  slot.outcome = r.outcome;
  slot.failure_reason.assign(r.failure_reason);
}

bool InRing(const std::vector<HealthSample>& ring, const std::string& id) {
  // Ids often share a long prefix (UUIDv7, "<asset>-<n>"): compare the last byte first.
  for (const auto& s : ring)
    if (s.event_id.size() == id.size() && (id.empty() || s.event_id.back() == id.back()) &&
        s.event_id == id)
      return true;
  return false;
}

// Folds a non-health result: the newest result per scan type and the newest TLS grade win,
// whatever the order, so these need no ring.
void ApplyOther(PostureStatus& st, const CheckResult& r) {
  if (r.outcome == CheckOutcome::kProbeError) return;
  auto it = std::lower_bound(
      st.seen.begin(), st.seen.end(), r.scan_type,
      [](const model::ScanTypeSeen& s, const std::string& name) { return s.scan_type < name; });
  if (it == st.seen.end() || it->scan_type != r.scan_type) {
    st.seen.insert(it, model::ScanTypeSeen{r.scan_type, r.observed_at});
  } else if (r.observed_at > it->last_at) {
    it->last_at = r.observed_at;
  }
  if (r.tls_grade && (!st.tls_grade_at || std::tie(r.observed_at, r.event_id) >
                                              std::tie(*st.tls_grade_at, st.tls_grade_event_id))) {
    st.tls_grade = r.tls_grade;
    st.tls_grade_at = r.observed_at;
    st.tls_grade_event_id = r.event_id;
  }
}

// Removes ring.front(), folding it into base.
void EvictFront(PostureStatus& st, const Ctx& c) {
  Sink none;
  Step(st.base, st.ring.front(), c, none);
  // Shift down by one and park the old front in the last slot, so the caller reuses its string
  // buffers (a plain move loop: about a third of the moves std::rotate's swaps cost).
  HealthSample spare = std::move(st.ring.front());
  for (size_t i = 1; i < st.ring.size(); ++i) st.ring[i - 1] = std::move(st.ring[i]);
  st.ring.back() = std::move(spare);
}

bool ResultLess(const CheckResult* a, const CheckResult* b) {
  return std::tie(a->observed_at, a->event_id, a->scan_type, a->outcome, a->failure_reason) <
         std::tie(b->observed_at, b->event_id, b->scan_type, b->outcome, b->failure_reason);
}

}  // namespace

double FlapValue(uint64_t bits, int count, int window) {
  if (window < 2 || count < 2) return 0.0;
  const int n = std::min({window, count - 1, 63});  // results that have a predecessor
  const uint64_t mask = (uint64_t{1} << n) - 1;
  uint64_t changes = (bits ^ (bits >> 1)) & mask;
  double sum = 0.0;
  const double step = 0.4 / (window - 1);
  while (changes != 0) {
    const int i = std::countr_zero(changes);  // i-th newest result
    sum += 0.8 + step * (window - 1 - i);
    changes &= changes - 1;
  }
  return std::min(1.0, sum / window);  // the weights average 1: clamp float rounding
}

bool IsImportantTransition(PostureState from, PostureState to) {
  if (from == to) return false;
  auto loud = [](PostureState s) {
    return s == PostureState::kDown || s == PostureState::kFlapping || s == PostureState::kStale;
  };
  return loud(from) || loud(to);
}

PostureStepStats ApplyResults(PostureStatus& st, std::span<const CheckResult> results,
                              const PostureRules& rules, Timestamp now,
                              std::vector<PostureTransition>& transitions) {
  PostureStepStats stats;
  const Params p = MakeParams(rules);

  // Sorting makes the arrival order within a batch irrelevant.
  std::vector<const CheckResult*> order;
  order.reserve(results.size());
  for (const auto& r : results) order.push_back(&r);
  std::sort(order.begin(), order.end(), ResultLess);
  if (st.asset_key.empty()) {
    for (const CheckResult* r : order) {
      if (!r->asset_key.empty()) {
        st.asset_key = r->asset_key;
        break;
      }
    }
  }
  const Ctx c{p, st.asset_key, now};
  Sink live{&transitions, nullptr};

  // A smaller window (rules changed): fold the surplus into base.
  if (st.ring.size() > static_cast<size_t>(p.window)) {
    while (st.ring.size() > static_cast<size_t>(p.window)) {
      EvictFront(st, c);
      st.ring.pop_back();
    }
  }
  if (st.ring.capacity() < static_cast<size_t>(p.window)) st.ring.reserve(p.window);

  bool replay = false;
  std::string late_id;
  for (const CheckResult* r : order) {
    if (r->event_id.empty() || r->scan_type.empty() || r->asset_key != st.asset_key) {
      ++stats.invalid;
      ++st.results_invalid;
      continue;
    }
    if (r->scan_type != model::kHealthScanType) {
      ApplyOther(st, *r);
      ++stats.applied;
      continue;
    }
    if (InRing(st.ring, r->event_id)) {
      ++stats.duplicates;
      ++st.results_duplicate;
      continue;
    }
    const bool full = st.ring.size() == static_cast<size_t>(p.window);
    if (st.ring.empty() || !Before(r->observed_at, r->event_id, st.ring.back())) {
      // In order: append, and step the live facts unless a replay is due anyway.
      if (full) {
        EvictFront(st, c);
      } else {
        st.ring.emplace_back();
      }
      Assign(st.ring.back(), *r);
      if (!replay) Step(st.current, st.ring.back(), c, live);
    } else {
      // Older than the ring's front once something was folded into base: the replay could no
      // longer place it, so it is ignored and counted.
      const bool folded = full || st.base.last_result_at.has_value();
      if (folded && Before(r->observed_at, r->event_id, st.ring.front())) {
        ++stats.too_old;
        ++st.results_too_old;
        continue;
      }
      auto pos = std::upper_bound(st.ring.begin(), st.ring.end(), *r,
                                  [](const CheckResult& x, const HealthSample& s) {
                                    return Before(x.observed_at, x.event_id, s);
                                  });
      size_t index = static_cast<size_t>(pos - st.ring.begin());
      if (full) {
        // Evict the front, then rotate the free slot (now last) into place.
        EvictFront(st, c);
        --index;
      } else {
        st.ring.emplace_back();
      }
      std::rotate(st.ring.begin() + static_cast<std::ptrdiff_t>(index), st.ring.end() - 1,
                  st.ring.end());
      Assign(st.ring[index], *r);
      replay = true;
      late_id = r->event_id;
      ++stats.out_of_order;
    }
    ++stats.applied;
    ++st.results_applied;
  }

  if (replay) {
    // Recompute the facts from base over the ring; announce the net change once.
    PostureFacts facts = st.base;
    PostureTransition last;
    bool any = false;
    {
      Sink keep_last{nullptr, &last};
      for (const HealthSample& s : st.ring) {
        const PostureState before = facts.state;
        Step(facts, s, c, keep_last);
        any = any || facts.state != before;
      }
      const PostureState before = facts.state;
      CheckStale(facts, now, c, keep_last);
      any = any || facts.state != before;
    }
    const PostureState from = st.current.state;
    st.current = std::move(facts);
    if (from != st.current.state) {
      PostureTransition t;
      t.asset_key = st.asset_key;
      t.from = from;
      t.to = st.current.state;
      t.detected_at = now;
      if (any && last.to == st.current.state) {
        t.at = last.at;
        t.reason = last.reason;
        t.reason_text = last.reason_text + "; recomputed after out-of-order result " + late_id;
        t.event_id = last.event_id;
      } else {
        t.at = st.current.last_change_at.value_or(now);
        t.reason = TransitionReason::kRecomputed;
        t.reason_text = "recomputed after out-of-order result " + late_id;
        t.event_id = st.current.status_event_id;
      }
      t.important = IsImportantTransition(t.from, t.to);
      transitions.push_back(std::move(t));
    }
  } else {
    CheckStale(st.current, now, c, live);
  }

  ComputeConfidence(st, rules, now, st.confidence);
  st.evaluated_at = now;
  return stats;
}

PostureStep DerivePosture(const PostureStatus& previous, std::span<const CheckResult> results,
                          const PostureRules& rules, Timestamp now) {
  PostureStep step;
  step.status = previous;
  step.stats = ApplyResults(step.status, results, rules, now, step.transitions);
  return step;
}

}  // namespace secplat::core::posture
