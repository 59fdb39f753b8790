// Notification routing: config-shaped rules, checked in order, that send an event to channels.
// A rule matches when every condition it sets holds (event type, severity list or threshold,
// asset-label matchers, environment); the first matching rule stops the walk unless it has
// `continue` (Alertmanager's routing tree, flattened to the root's children). The decision lists
// every rule's verdict with its reason, so "why was / wasn't I notified?" has an answer.
//
//   RoutingConfigSpec spec{.rules = {{.name = "pages", .min_severity = "high",
//                                     .labels = {"team=~\"pay.*\""}, .channels = {"sms"}}}};
//   auto config = CompileRoutingConfig(spec, {"sms", "slack"});
//   RoutingDecision d = Route(event, *config);   // event: severity critical, team=payments
//   EXPECT_EQ(d.targets[0].channel, "sms");
#ifndef SECPLAT_CORE_NOTIFY_ROUTE_H_
#define SECPLAT_CORE_NOTIFY_ROUTE_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"
#include "core/model/finding.h"
#include "core/model/notification.h"
#include "core/notify/matcher.h"

namespace secplat::core::notify {

// One rule as written in config (strings, as decoded from YAML). Empty lists match anything.
struct RoutingRuleSpec {
  std::string name;                       // unique, non-empty; shown in decisions
  std::vector<std::string> event_types;   // "posture.changed", "incident.*" (prefix), "*"
  std::vector<std::string> severities;    // exact severities ("high", "critical")
  std::string min_severity;               // "": no threshold; else severity >= this
  std::vector<std::string> labels;        // matchers: `team=payments`, `tier=~"a|b"`
  std::vector<std::string> environments;  // exact environment names
  std::vector<std::string> channels;      // configured channel names; at least one
  bool continue_matching = false;         // keep checking later rules after a match
  Duration repeat_interval = std::chrono::hours(4);  // re-send an unchanged open problem; 0: never
  bool send_resolved = true;                         // send when the problem resolves
};

struct RoutingConfigSpec {
  std::vector<RoutingRuleSpec> rules;
};

// A validated rule with its matchers compiled.
struct RoutingRule {
  std::string name;
  std::vector<std::string> event_types;
  std::vector<model::Severity> severities;
  std::optional<model::Severity> min_severity;
  std::vector<LabelMatcher> label_matchers;
  std::vector<std::string> environments;
  std::vector<std::string> channels;
  bool continue_matching = false;
  Duration repeat_interval = std::chrono::hours(4);
  bool send_resolved = true;
};

// A validated routing config. Build it with CompileRoutingConfig; immutable and thread-safe.
struct RoutingConfig {
  std::vector<RoutingRule> rules;
};

// Every problem in `spec`, each prefixed with its field path under `path`:
// "notifier.routes[1].channels[0]: unknown channel 'ops' (configured: slack-ops, sms)".
// Empty when the spec is valid. `channel_names` are the configured channels.
std::vector<std::string> ValidateRoutingConfig(const RoutingConfigSpec& spec,
                                               const std::vector<std::string>& channel_names,
                                               std::string_view path = "notifier.routes");

// Validates and compiles. Errors: kInvalidArgument carrying every problem, joined by "; ".
Result<RoutingConfig> CompileRoutingConfig(const RoutingConfigSpec& spec,
                                           const std::vector<std::string>& channel_names,
                                           std::string_view path = "notifier.routes");

// One rule's verdict for one event.
struct RuleVerdict {
  std::string rule;
  bool evaluated = true;  // false: an earlier rule matched without `continue`
  bool matched = false;
  std::string reason;  // "matched", or the first failing condition: "severity low < min high"
};

// One channel to deliver to, with the settings of the (first) rule that chose it.
struct RouteTarget {
  std::string channel;
  std::string rule;
  Duration repeat_interval{};
  bool send_resolved = true;
};

// The routing decision for one event.
struct RoutingDecision {
  std::vector<RuleVerdict> verdicts;       // one per rule, in config order
  std::vector<std::string> matched_rules;  // names, in order
  std::vector<RouteTarget> targets;        // deduplicated by channel, first rule wins
  std::string reason;  // "matched rules: a, b" or "no rule matched" or "no routing rules"

  bool routed() const { return !targets.empty(); }
};

// Routes one event. Pure and total.
RoutingDecision Route(const model::NotifyEvent& event, const RoutingConfig& config);

// True when `event_type` satisfies `pattern` ("*", exact, or "prefix.*").
bool EventTypeMatches(std::string_view pattern, std::string_view event_type);

}  // namespace secplat::core::notify

#endif  // SECPLAT_CORE_NOTIFY_ROUTE_H_
