// Runs every tests/scenarios/posture/*.yaml through core::posture::DerivePosture.
//
// A scenario file:
//   name: clean_down_then_up
//   description: what it shows
//   rules: {fail_threshold: 3}         # optional; PostureRules fields, durations in seconds
//   override: {fail_threshold: 2}      # optional per-asset override, merged with MergeRules
//   given:                             # the timeline, in arrival order
//     - {t: 60, outcome: down, reason: connect_refused}   # a result (t in seconds from T0)
//         # optional: id (default "<scan>@<t>"), scan (default health_http), tls_grade, asset
//     - {series: {from: 0, every: 60, pattern: "uuud"}, reason: timeout}
//         # one result per letter: u up, d down, e probe_error; spaces are skipped
//     - {flush: 300}                   # feed the batch so far with now = 300 (~: newest t)
//     - check: {now: 300, state: down, transitions: [{from: up, to: pending, at: 60,
//               reason: failure_unconfirmed}]}
//         # feeds the batch so far (an empty batch is a staleness sweep), then compares.
//         # now defaults to the newest t fed. `transitions` is the exact list emitted since
//         # the previous check. Other keys: health, last_good_status, flapping,
//         # consecutive_failures, consecutive_successes, status_since, last_up_at,
//         # results_applied, results_duplicate, results_too_old, ring_size, tls_grade,
//         # confidence_min, confidence_max. Transition keys: from, to, at, reason, event_id,
//         # important, text (a substring of reason_text).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/posture/derive.h"
#include "core/posture/rules.h"

namespace secplat::core::posture {
namespace {

namespace fs = std::filesystem;
using model::CheckOutcome;
using model::CheckResult;
using model::PostureState;
using model::PostureTransition;

const Timestamp kT0 = FromUnixMillis(1'735'689'600'000);  // 2025-01-01T00:00:00Z

fs::path ScenarioDir() { return fs::path(SECPLAT_SOURCE_DIR) / "tests/scenarios/posture"; }

std::vector<std::string> ScenarioFiles() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(ScenarioDir(), ec))
    if (e.path().extension() == ".yaml") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

Timestamp At(double seconds) { return kT0 + Duration(std::llround(seconds * 1000.0)); }
std::string T(Timestamp t) {
  std::ostringstream os;
  os << "t=" << static_cast<double>((t - kT0).count()) / 1000.0;
  return os.str();
}
std::string T(const std::optional<Timestamp>& t) { return t ? T(*t) : "never"; }

// Errors in a scenario file itself.
struct BadScenario {
  std::string message;
};

void CheckKeys(const YAML::Node& n, const std::set<std::string>& allowed,
               const std::string& where) {
  if (!n.IsMap()) throw BadScenario{where + ": expected a map"};
  for (const auto& kv : n) {
    const auto key = kv.first.as<std::string>();
    if (!allowed.count(key)) throw BadScenario{where + ": unknown key '" + key + "'"};
  }
}

model::PostureRulesOverride ParseRules(const YAML::Node& n, const std::string& where) {
  model::PostureRulesOverride o;
  if (!n) return o;
  CheckKeys(n,
            {"fail_threshold", "recover_threshold", "debounce_window", "flap_window", "flap_low",
             "flap_high", "health_interval", "stale_after", "scan_types"},
            where);
  auto secs = [](const YAML::Node& v) { return Duration(std::llround(v.as<double>() * 1000)); };
  if (n["fail_threshold"]) o.fail_threshold = n["fail_threshold"].as<int>();
  if (n["recover_threshold"]) o.recover_threshold = n["recover_threshold"].as<int>();
  if (n["debounce_window"]) o.debounce_window = secs(n["debounce_window"]);
  if (n["flap_window"]) o.flap_window = n["flap_window"].as<int>();
  if (n["flap_low"]) o.flap_low = n["flap_low"].as<double>();
  if (n["flap_high"]) o.flap_high = n["flap_high"].as<double>();
  if (n["health_interval"]) o.health_interval = secs(n["health_interval"]);
  if (n["stale_after"]) o.stale_after = secs(n["stale_after"]);
  if (n["scan_types"]) {
    std::vector<model::ScanTypeRule> types;
    for (const auto& st : n["scan_types"])
      types.push_back({st["scan_type"].as<std::string>(), secs(st["interval"])});
    o.scan_types = types;
  }
  return o;
}

CheckOutcome Outcome(const std::string& s, const std::string& where) {
  auto o = model::ParseCheckOutcome(s);
  if (!o) throw BadScenario{where + ": unknown outcome '" + s + "'"};
  return *o;
}

PostureState State(const YAML::Node& n, const std::string& where) {
  auto s = model::ParsePostureState(n.as<std::string>());
  if (!s) throw BadScenario{where + ": unknown state '" + n.as<std::string>() + "'"};
  return *s;
}

CheckResult MakeResult(double t, CheckOutcome outcome, const YAML::Node& n) {
  CheckResult r;
  r.scan_type = n["scan"] ? n["scan"].as<std::string>() : std::string(model::kHealthScanType);
  r.observed_at = At(t);
  r.outcome = outcome;
  r.asset_key = n["asset"] ? n["asset"].as<std::string>() : "web-1";
  r.failure_reason = n["reason"] ? n["reason"].as<std::string>()
                                 : (outcome == CheckOutcome::kUp ? "" : "connect_refused");
  if (n["tls_grade"]) r.tls_grade = n["tls_grade"].as<std::string>();
  std::ostringstream id;
  id << r.scan_type << "@" << t;
  r.event_id = id.str();
  return r;
}

std::string Describe(const PostureTransition& t) {
  std::ostringstream os;
  os << "{" << model::PostureStateName(t.from) << " -> " << model::PostureStateName(t.to) << " at "
     << T(t.at) << ", " << model::TransitionReasonName(t.reason) << ", \"" << t.reason_text
     << "\", event " << t.event_id << (t.important ? ", important" : "") << "}";
  return os.str();
}

// Compares the expectations of one check; returns the differences (empty when all match).
std::vector<std::string> Compare(const YAML::Node& want, const model::PostureStatus& st,
                                 const std::vector<PostureTransition>& got,
                                 const std::string& where) {
  CheckKeys(want,
            {"now", "state", "health", "last_good_status", "flapping", "consecutive_failures",
             "consecutive_successes", "status_since", "last_up_at", "results_applied",
             "results_duplicate", "results_too_old", "ring_size", "tls_grade", "confidence_min",
             "confidence_max", "transitions"},
            where);
  std::vector<std::string> diffs;
  const auto& f = st.current;
  auto state = [&](const char* key, PostureState have) {
    if (!want[key]) return;
    const PostureState w = State(want[key], where);
    if (w != have)
      diffs.push_back(std::string(key) + ": want " + std::string(model::PostureStateName(w)) +
                      ", got " + std::string(model::PostureStateName(have)));
  };
  auto number = [&](const char* key, int64_t have) {
    if (want[key] && want[key].as<int64_t>() != have)
      diffs.push_back(std::string(key) + ": want " + want[key].as<std::string>() + ", got " +
                      std::to_string(have));
  };
  auto time = [&](const char* key, const std::optional<Timestamp>& have) {
    if (!want[key]) return;
    const std::optional<Timestamp> w =
        want[key].IsNull() ? std::nullopt : std::optional<Timestamp>(At(want[key].as<double>()));
    if (w != have) diffs.push_back(std::string(key) + ": want " + T(w) + ", got " + T(have));
  };
  state("state", f.state);
  state("health", f.health);
  state("last_good_status", f.last_good_status);
  if (want["flapping"] && want["flapping"].as<bool>() != f.flapping)
    diffs.push_back("flapping: want " + want["flapping"].as<std::string>() + ", got " +
                    (f.flapping ? "true" : "false") + " (flap value " +
                    std::to_string(f.flap_value) + ")");
  number("consecutive_failures", f.consecutive_failures);
  number("consecutive_successes", f.consecutive_successes);
  time("status_since", f.status_since);
  time("last_up_at", f.last_up_at);
  number("results_applied", st.results_applied);
  number("results_duplicate", st.results_duplicate);
  number("results_too_old", st.results_too_old);
  number("ring_size", static_cast<int64_t>(st.ring.size()));
  if (want["tls_grade"] && want["tls_grade"].as<std::string>() != st.tls_grade.value_or(""))
    diffs.push_back("tls_grade: want " + want["tls_grade"].as<std::string>() + ", got " +
                    st.tls_grade.value_or("(none)"));
  if (want["confidence_min"] && st.confidence.score < want["confidence_min"].as<int>())
    diffs.push_back("confidence: want >= " + want["confidence_min"].as<std::string>() + ", got " +
                    std::to_string(st.confidence.score));
  if (want["confidence_max"] && st.confidence.score > want["confidence_max"].as<int>())
    diffs.push_back("confidence: want <= " + want["confidence_max"].as<std::string>() + ", got " +
                    std::to_string(st.confidence.score));
  if (want["transitions"]) {
    const YAML::Node wt = want["transitions"];
    bool same = wt.size() == got.size();
    for (size_t i = 0; same && i < got.size(); ++i) {
      const YAML::Node w = wt[i];
      const std::string at = where + ".transitions[" + std::to_string(i) + "]";
      CheckKeys(w, {"from", "to", "at", "reason", "event_id", "important", "text"}, at);
      const auto& g = got[i];
      if (w["from"] && State(w["from"], at) != g.from) same = false;
      if (w["to"] && State(w["to"], at) != g.to) same = false;
      if (w["at"] && At(w["at"].as<double>()) != g.at) same = false;
      if (w["reason"]) {
        auto r = model::ParseTransitionReason(w["reason"].as<std::string>());
        if (!r) throw BadScenario{at + ": unknown reason '" + w["reason"].as<std::string>() + "'"};
        if (*r != g.reason) same = false;
      }
      if (w["event_id"] && w["event_id"].as<std::string>() != g.event_id) same = false;
      if (w["important"] && w["important"].as<bool>() != g.important) same = false;
      if (w["text"] && g.reason_text.find(w["text"].as<std::string>()) == std::string::npos)
        same = false;
    }
    if (!same) {
      std::ostringstream os;
      os << "transitions differ.\n    want (" << wt.size() << "):";
      for (const auto& w : wt) os << "\n      " << YAML::Dump(w);
      os << "\n    got (" << got.size() << "):";
      for (const auto& g : got) os << "\n      " << Describe(g);
      diffs.push_back(os.str());
    }
  }
  return diffs;
}

class PostureScenario : public ::testing::TestWithParam<std::string> {};

// Verifies each golden posture scenario: at every check the status and the exact transitions
// since the previous check are the ones the file expects.
TEST_P(PostureScenario, MatchesGoldenTimeline) {
  const fs::path path = ScenarioDir() / GetParam();
  try {
    const YAML::Node doc = YAML::LoadFile(path.string());
    CheckKeys(doc, {"name", "description", "rules", "override", "given"}, "scenario");
    ASSERT_TRUE(doc["name"] && doc["description"]) << "scenario needs name and description";
    auto global = MergeRules(model::PostureRules{}, ParseRules(doc["rules"], "rules"));
    ASSERT_TRUE(global.has_value()) << "rules: " << global.error().message;
    auto rules = MergeRules(*global, ParseRules(doc["override"], "override"));
    ASSERT_TRUE(rules.has_value()) << "override: " << rules.error().message;

    model::PostureStatus status;
    status.asset_key = "web-1";
    std::vector<CheckResult> batch;
    std::vector<PostureTransition> since_check;
    std::optional<Timestamp> newest;
    int checks = 0;
    auto feed = [&](Timestamp now) {
      auto step = DerivePosture(status, batch, *rules, now);
      status = std::move(step.status);
      since_check.insert(since_check.end(), step.transitions.begin(), step.transitions.end());
      batch.clear();
    };
    auto now_of = [&](const YAML::Node& n) {
      if (n && !n.IsNull()) return At(n.as<double>());
      if (!newest) throw BadScenario{"a check or flush before any result needs `now`"};
      return *newest;
    };
    int index = 0;
    for (const YAML::Node& e : doc["given"]) {
      const std::string where = "given[" + std::to_string(index++) + "]";
      if (e["check"]) {
        ++checks;
        const YAML::Node want = e["check"];
        const Timestamp now = now_of(want["now"]);
        feed(now);
        const auto diffs = Compare(want, status, since_check, where + ".check");
        if (!diffs.empty()) {
          std::ostringstream os;
          os << doc["name"].as<std::string>() << ": check #" << checks << " (" << where << ", now "
             << T(now) << ") differs:";
          for (const auto& d : diffs) os << "\n  " << d;
          ADD_FAILURE() << os.str();
        }
        since_check.clear();
      } else if (e["flush"]) {
        feed(now_of(e["flush"]));
      } else if (e["series"]) {
        CheckKeys(e, {"series", "reason", "scan", "asset"}, where);
        const YAML::Node s = e["series"];
        CheckKeys(s, {"from", "every", "pattern"}, where + ".series");
        double t = s["from"].as<double>();
        const double every = s["every"].as<double>();
        for (char ch : s["pattern"].as<std::string>()) {
          if (ch == ' ') continue;
          const CheckOutcome o =
              ch == 'u'   ? CheckOutcome::kUp
              : ch == 'd' ? CheckOutcome::kDown
              : ch == 'e'
                  ? CheckOutcome::kProbeError
                  : throw BadScenario{where + ": pattern letter '" + std::string(1, ch) + "'"};
          batch.push_back(MakeResult(t, o, e));
          newest = std::max(newest.value_or(At(t)), At(t));
          t += every;
        }
      } else if (e["t"]) {
        CheckKeys(e, {"t", "outcome", "reason", "id", "scan", "asset", "tls_grade"}, where);
        const double t = e["t"].as<double>();
        CheckResult r = MakeResult(t, Outcome(e["outcome"].as<std::string>(), where), e);
        if (e["id"]) r.event_id = e["id"].as<std::string>();
        batch.push_back(std::move(r));
        newest = std::max(newest.value_or(At(t)), At(t));
      } else {
        throw BadScenario{where + ": expected t, series, flush or check"};
      }
    }
    EXPECT_GT(checks, 0) << "a scenario without checks verifies nothing";
  } catch (const BadScenario& e) {
    FAIL() << GetParam() << ": " << e.message;
  } catch (const YAML::Exception& e) {
    FAIL() << GetParam() << ": " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, PostureScenario, ::testing::ValuesIn(ScenarioFiles()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = fs::path(param.param).stem().string();
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// Verifies the scenario directory is found and holds the required cases.
TEST(PostureScenarioFiles, RequiredScenariosExist) {
  const auto files = ScenarioFiles();
  for (const char* required : {"clean_down_then_up.yaml", "single_blip_ignored.yaml",
                               "slow_recovery.yaml", "flapping_hysteresis.yaml", "stale.yaml",
                               "data_gap.yaml", "out_of_order_and_duplicates.yaml",
                               "per_asset_thresholds.yaml", "probe_error_is_not_down.yaml"}) {
    EXPECT_NE(std::find(files.begin(), files.end(), required), files.end()) << required;
  }
}

}  // namespace
}  // namespace secplat::core::posture
