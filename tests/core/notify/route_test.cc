// Routing rules: matchers, thresholds, continue, dedup of targets, "why not" reasons, and
// config validation with field-named errors.
#include "core/notify/route.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace secplat::core::notify {
namespace {

using model::NotifyEvent;
using model::Severity;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

NotifyEvent Event(Severity s, std::map<std::string, std::string> labels,
                  std::string env = "production", std::string type = "posture.changed") {
  NotifyEvent e;
  e.event_id = "e1";
  e.event_type = std::move(type);
  e.asset_key = "web-shop";
  e.severity = s;
  e.labels = std::move(labels);
  e.environment = std::move(env);
  e.problem_key = "web-shop/health";
  return e;
}

const std::vector<std::string> kChannels = {"slack-ops", "sms", "jira", "hook"};

RoutingConfig Compile(RoutingConfigSpec spec) {
  auto c = CompileRoutingConfig(spec, kChannels);
  EXPECT_TRUE(c.has_value()) << c.error().message;
  return c.has_value() ? *c : RoutingConfig{};
}

// Verifies the four Alertmanager matcher forms, anchored regexes, and absent = "".
TEST(LabelMatcher, FourFormsAnchoredAndAbsentIsEmpty) {
  std::map<std::string, std::string> labels{{"team", "payments"}, {"tier", "web"}};
  EXPECT_TRUE(ParseMatcher("team=payments")->Matches(labels));
  EXPECT_FALSE(ParseMatcher("team!=payments")->Matches(labels));
  EXPECT_TRUE(ParseMatcher(R"(team=~"pay.*")")->Matches(labels));
  EXPECT_FALSE(ParseMatcher(R"(team=~"pay")")->Matches(labels));  // anchored
  EXPECT_TRUE(ParseMatcher(R"(tier !~ "db|cache")")->Matches(labels));
  EXPECT_TRUE(ParseMatcher(R"(owner="")")->Matches(labels));  // absent label = ""
  EXPECT_FALSE(ParseMatcher("owner=~.+")->Matches(labels));
  EXPECT_EQ(ParseMatcher(R"(a=~"x\"y")")->value(), "x\"y");
  EXPECT_EQ(ParseMatcher(R"(team=~"a|b")")->ToString(), R"(team=~"a|b")");
}

// Verifies malformed matchers are rejected with the reason.
TEST(LabelMatcher, RejectsMalformed) {
  EXPECT_THAT(ParseMatcher("team").error().message, HasSubstr("no operator"));
  EXPECT_THAT(ParseMatcher("=x").error().message, HasSubstr("invalid label name"));
  EXPECT_THAT(ParseMatcher("a!x").error().message, HasSubstr("must be followed"));
  EXPECT_THAT(ParseMatcher(R"(a="x)").error().message, HasSubstr("unterminated"));
  EXPECT_THAT(ParseMatcher("a=~(").error().message, HasSubstr("invalid regex"));
}

// Verifies a first match stops the walk, and later rules say why they were not evaluated.
TEST(Route, FirstMatchStopsWithoutContinue) {
  RoutingConfig config =
      Compile({.rules = {
                   {.name = "pages", .min_severity = "high", .channels = {"sms"}},
                   {.name = "all", .channels = {"slack-ops"}},
               }});
  RoutingDecision d = Route(Event(Severity::kCritical, {}), config);
  ASSERT_EQ(d.targets.size(), 1u);
  EXPECT_EQ(d.targets[0].channel, "sms");
  EXPECT_EQ(d.targets[0].rule, "pages");
  EXPECT_THAT(d.matched_rules, ElementsAre("pages"));
  EXPECT_FALSE(d.verdicts[1].evaluated);
  EXPECT_EQ(d.verdicts[1].reason, "not evaluated: rule 'pages' matched without continue");
  EXPECT_EQ(d.reason, "matched rules: pages");
}

// Verifies continue keeps matching, and a channel chosen twice is listed once (first rule wins).
TEST(Route, ContinueMatchesSiblingsAndDedupesChannels) {
  RoutingConfig config = Compile({.rules = {
                                      {.name = "pay",
                                       .labels = {R"(team=~"pay.*")"},
                                       .channels = {"slack-ops", "jira"},
                                       .continue_matching = true,
                                       .repeat_interval = std::chrono::hours(1)},
                                      {.name = "prod",
                                       .environments = {"production"},
                                       .channels = {"jira", "hook"},
                                       .send_resolved = false},
                                  }});
  RoutingDecision d = Route(Event(Severity::kLow, {{"team", "payments"}}), config);
  EXPECT_THAT(d.matched_rules, ElementsAre("pay", "prod"));
  ASSERT_EQ(d.targets.size(), 3u);
  EXPECT_EQ(d.targets[0].channel, "slack-ops");
  EXPECT_EQ(d.targets[1].channel, "jira");
  EXPECT_EQ(d.targets[1].rule, "pay");
  EXPECT_EQ(d.targets[1].repeat_interval, std::chrono::hours(1));
  EXPECT_EQ(d.targets[2].channel, "hook");
  EXPECT_FALSE(d.targets[2].send_resolved);
}

// Verifies each condition's "why not" reason.
TEST(Route, ExplainsEachMismatch) {
  RoutingConfig config =
      Compile({.rules = {
                   {.name = "type", .event_types = {"incident.*"}, .channels = {"sms"}},
                   {.name = "sev", .severities = {"critical"}, .channels = {"sms"}},
                   {.name = "min", .min_severity = "high", .channels = {"sms"}},
                   {.name = "label", .labels = {"team=search"}, .channels = {"sms"}},
                   {.name = "env", .environments = {"staging"}, .channels = {"sms"}},
               }});
  RoutingDecision d = Route(Event(Severity::kMedium, {{"team", "payments"}}), config);
  EXPECT_FALSE(d.routed());
  EXPECT_EQ(d.reason, "no rule matched");
  ASSERT_EQ(d.verdicts.size(), 5u);
  EXPECT_EQ(d.verdicts[0].reason, "event_type posture.changed not in [incident.*]");
  EXPECT_EQ(d.verdicts[1].reason, "severity medium not listed");
  EXPECT_EQ(d.verdicts[2].reason, "severity medium < min high");
  EXPECT_EQ(d.verdicts[3].reason, "label team=\"search\" not satisfied (team=\"payments\")");
  EXPECT_EQ(d.verdicts[4].reason, "environment 'production' not in [staging]");
}

// Verifies the severity threshold is inclusive and event-type patterns work.
TEST(Route, ThresholdInclusiveAndEventTypePatterns) {
  RoutingConfig config = Compile({.rules = {{.name = "r",
                                             .event_types = {"incident.*", "posture.changed"},
                                             .min_severity = "high",
                                             .channels = {"sms"}}}});
  EXPECT_TRUE(Route(Event(Severity::kHigh, {}), config).routed());
  EXPECT_FALSE(Route(Event(Severity::kMedium, {}), config).routed());
  EXPECT_TRUE(Route(Event(Severity::kHigh, {}, "", "incident.created"), config).routed());
  EXPECT_FALSE(Route(Event(Severity::kHigh, {}, "", "incident"), config).routed());
  EXPECT_TRUE(EventTypeMatches("*", "anything"));
  EXPECT_FALSE(EventTypeMatches("incident.*", "incidents.created"));
}

// Verifies an empty config routes nowhere and says so.
TEST(Route, EmptyConfigSaysSo) {
  RoutingDecision d = Route(Event(Severity::kHigh, {}), RoutingConfig{});
  EXPECT_FALSE(d.routed());
  EXPECT_EQ(d.reason, "no routing rules configured");
}

// Verifies validation reports every problem with its field path.
TEST(ValidateRoutingConfig, ReportsEveryProblemWithItsField) {
  RoutingConfigSpec spec{.rules = {
                             {.name = "a", .channels = {"slack-ops", "nope"}},
                             {.name = "",
                              .severities = {"urgent"},
                              .min_severity = "hgh",
                              .labels = {"x=~("},
                              .channels = {}},
                             {.name = "a",
                              .event_types = {"Bad Type"},
                              .channels = {"sms", "sms"},
                              .repeat_interval = Duration(-1)},
                         }};
  std::vector<std::string> errors = ValidateRoutingConfig(spec, kChannels);
  EXPECT_THAT(
      errors,
      ElementsAre("notifier.routes[0].channels[1]: unknown channel 'nope' (configured: "
                  "slack-ops, sms, jira, hook)",
                  "notifier.routes[1].name: must not be empty",
                  "notifier.routes[1].severities[0]: unknown severity 'urgent' (want "
                  "info, low, medium, high, critical)",
                  "notifier.routes[1].min_severity: unknown severity 'hgh' (want info, "
                  "low, medium, high, critical)",
                  ::testing::StartsWith("notifier.routes[1].labels[0]: invalid regex \"(\""),
                  "notifier.routes[1].channels: at least one channel is required",
                  "notifier.routes[2].event_types[0]: invalid event type pattern 'Bad "
                  "Type' (want 'posture.changed', 'incident.*' or '*')",
                  "notifier.routes[2].channels[1]: channel 'sms' listed twice",
                  "notifier.routes[2].repeat_interval: must not be negative (0: never)",
                  "notifier.routes[2].name: duplicate rule name 'a'"));
  auto compiled = CompileRoutingConfig(spec, kChannels);
  ASSERT_FALSE(compiled.has_value());
  EXPECT_EQ(compiled.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(compiled.error().message, HasSubstr("; notifier.routes[1].name: must not be empty"));
}

}  // namespace
}  // namespace secplat::core::notify
