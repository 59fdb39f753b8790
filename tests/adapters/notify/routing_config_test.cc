// The notifier's routes file: the shipped example decodes into working channels and rules; each
// bad file is refused with its exact problems (paths included), and no secret ever appears in
// a problem.
#include "adapters/notify/routing_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace secplat::adapters::notify {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kWhsec[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

SecretSources Sources() {
  SecretSources s;
  s.env = {{"SECPLAT_SLACK_OPS_WEBHOOK_URL", "https://hooks.slack.com/services/T1/B1/SECRETX"},
           {"SECPLAT_JIRA_API_TOKEN", "jira-token-SECRETX"},
           {"SECPLAT_SOC_WEBHOOK_SECRET", kWhsec},
           {"EMPTY", ""}};
  s.read_file = [](const std::string& path) -> Result<std::string> {
    if (path == "/run/secrets/twilio_auth_token") return std::string("twilio-SECRETX\n");
    if (path == "/run/secrets/empty") return std::string("\n");
    return Unexpected(ErrorCode::kInvalidArgument, "No such file or directory");
  };
  return s;
}

std::string ReadExample() {
  std::ifstream in(std::string(SECPLAT_SOURCE_DIR) + "/deploy/notifier.example.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Verifies the shipped example decodes: four channels of the four kinds, their rate limits
// (overrides and defaults) and three compiled rules with continue and repeat settings.
TEST(RoutingFile, ExampleDecodes) {
  const std::string text = ReadExample();
  ASSERT_FALSE(text.empty());
  RoutingFileResult r = ParseRoutingFile(text, Sources());
  ASSERT_THAT(r.problems, IsEmpty());
  ASSERT_TRUE(r.file.has_value());
  ASSERT_EQ(r.file->channels.size(), 4u);
  EXPECT_EQ(r.file->channels[0]->name(), "slack-ops");
  EXPECT_EQ(r.file->channels[0]->kind(), core::model::ChannelKind::kSlack);
  EXPECT_EQ(r.file->channels[1]->kind(), core::model::ChannelKind::kTwilio);
  EXPECT_EQ(r.file->channels[2]->kind(), core::model::ChannelKind::kJira);
  EXPECT_EQ(r.file->channels[3]->kind(), core::model::ChannelKind::kWebhook);
  EXPECT_EQ(r.file->rate_limits.at("slack-ops").rate_per_second, 1.0);
  EXPECT_EQ(r.file->rate_limits.at("jira-sec").burst, 5.0);
  EXPECT_EQ(r.file->rate_limits.at("sms-oncall").rate_per_second, 1.0);   // Twilio default
  EXPECT_EQ(r.file->rate_limits.at("soc-webhook").rate_per_second, 0.0);  // unlimited
  EXPECT_EQ(r.file->max_in_flight.at("slack-ops"), 1);
  EXPECT_EQ(r.file->max_in_flight.at("sms-oncall"), 1);  // default: in order
  EXPECT_EQ(r.file->max_in_flight.at("jira-sec"), 1);    // default: in order
  EXPECT_EQ(r.file->max_in_flight.at("soc-webhook"), 64);
  ASSERT_EQ(r.file->routing.rules.size(), 3u);
  EXPECT_TRUE(r.file->routing.rules[0].continue_matching);
  EXPECT_EQ(r.file->routing.rules[0].repeat_interval, std::chrono::hours(1));
  EXPECT_EQ(r.file->routing.rules[2].repeat_interval, Duration::zero());
  EXPECT_EQ(r.file->routing.rules[0].label_matchers[0].ToString(), R"(team=~"pay.*")");
}

struct BadCase {
  std::string name;
  std::string yaml;
  std::vector<std::string> problems;
};

const char kRoutes[] = "routes:\n  - {name: r, channels: [s]}\n";

// One row per mistake; each row's comment is the promise it checks.
std::vector<BadCase> BadCases() {
  return {
      // Verifies an inline Slack URL (the credential itself) is refused with the way out.
      {"inline_slack_url",
       "channels:\n  - {name: s, type: slack, url: "
       "'https://hooks.slack.com/services/T/B/SECRETX'}\n" +
           std::string(kRoutes),
       {"channels[0].url: inline secrets are not allowed; use url_env or url_file"}},
      // Verifies inline tokens are refused for Twilio, Jira and webhook secrets alike.
      {"inline_tokens",
       "channels:\n"
       "  - {name: s, type: twilio, account_sid: AC00000000000000000000000000000000,"
       " auth_token: SECRETX, from: '+15005550006', to: '+15005550001'}\n"
       "  - {name: j, type: jira, base_url: 'https://x.atlassian.net', email: a@b.c,"
       " api_token: SECRETX, project_key: SEC}\n"
       "  - {name: w, type: webhook, url: 'https://h.example.com/', secret: SECRETX}\n" +
           std::string(kRoutes),
       {"channels[0].auth_token: inline secrets are not allowed; use auth_token_env or "
        "auth_token_file",
        "channels[1].api_token: inline secrets are not allowed; use api_token_env or "
        "api_token_file",
        "channels[2].secret: inline secrets are not allowed; use secret_env or secret_file"}},
      // Verifies an unset environment variable and an unreadable or empty file are named (the
      // variable and path, never a value).
      {"missing_references",
       "channels:\n"
       "  - {name: s, type: slack, url_env: NOPE}\n"
       "  - {name: t, type: slack, url_env: EMPTY}\n"
       "  - {name: u, type: slack, url_file: /run/secrets/missing}\n"
       "  - {name: v, type: slack, url_file: /run/secrets/empty}\n" +
           std::string(kRoutes),
       {"channels[0].url_env: environment variable NOPE is not set or empty",
        "channels[1].url_env: environment variable EMPTY is not set or empty",
        "channels[2].url_file: cannot read '/run/secrets/missing': No such file or directory",
        "channels[3].url_file: file '/run/secrets/empty' is empty"}},
      // Verifies both references at once, or none, is an error.
      {"both_or_no_reference",
       "channels:\n"
       "  - {name: s, type: slack, url_env: SECPLAT_JIRA_API_TOKEN, url_file: /x}\n"
       "  - {name: t, type: slack}\n" +
           std::string(kRoutes),
       {"channels[0]: set only one of url_env and url_file",
        "channels[1]: url_env or url_file is required"}},
      // Verifies a misspelled key, an unknown type and a bad name are each reported with path.
      {"unknown_key_type_name",
       "channels:\n"
       "  - {name: s, type: slack, url_env: SECPLAT_SLACK_OPS_WEBHOOK_URL, webhok: x}\n"
       "  - {name: t, type: pagerduty}\n"
       "  - {name: 'bad name', type: slack, url_env: SECPLAT_SLACK_OPS_WEBHOOK_URL}\n" +
           std::string(kRoutes),
       {"channels[0].webhok: unknown key",
        "channels[1].type: unknown channel type 'pagerduty' (want slack, twilio, jira, webhook)",
        "channels[2].name: must be 1-64 characters of A-Z a-z 0-9 . _ -"}},
      // Verifies duplicate channel names and bad rate limits / timeouts are refused.
      {"duplicates_and_limits",
       "channels:\n"
       "  - {name: s, type: slack, url_env: SECPLAT_SLACK_OPS_WEBHOOK_URL,"
       " rate_limit: {per_second: -1, burst: 0, extra: 1}}\n"
       "  - {name: s, type: slack, url_env: SECPLAT_SLACK_OPS_WEBHOOK_URL, timeout: 10}\n" +
           std::string(kRoutes),
       {"channels[0].rate_limit.per_second: must be a number >= 0 (0: unlimited)",
        "channels[0].rate_limit.burst: must be a number >= 1",
        "channels[0].rate_limit.extra: unknown key",
        "channels[1].timeout: invalid duration \"10\": want a positive integer and a unit (ms, s, "
        "m, h, d), at most 365d",
        "channels[1].name: duplicate channel name 's'"}},
      // Verifies max_in_flight is an integer from 1 to 1000.
      {"max_in_flight_out_of_range",
       "channels:\n"
       "  - {name: s, type: slack, url_env: SECPLAT_SLACK_OPS_WEBHOOK_URL, max_in_flight: 0}\n"
       "  - {name: t, type: slack, url_env: SECPLAT_SLACK_OPS_WEBHOOK_URL, max_in_flight: 1001}\n"
       "  - {name: u, type: slack, url_env: SECPLAT_SLACK_OPS_WEBHOOK_URL, max_in_flight: 2.5}\n"
       "  - {name: v, type: slack, url_env: SECPLAT_SLACK_OPS_WEBHOOK_URL, max_in_flight: many}\n" +
           std::string(kRoutes),
       {"channels[0].max_in_flight: must be an integer from 1 to 1000",
        "channels[1].max_in_flight: must be an integer from 1 to 1000",
        "channels[2].max_in_flight: must be an integer from 1 to 1000",
        "channels[3].max_in_flight: must be an integer from 1 to 1000"}},
      // Verifies a channel the adapter refuses (a Twilio `to` that is not E.164) is reported
      // under the channel's path with the adapter's message.
      {"adapter_refuses",
       "channels:\n"
       "  - {name: s, type: twilio, account_sid: AC00000000000000000000000000000000,"
       " auth_token_file: /run/secrets/twilio_auth_token, from: '+15005550006', to: '555'}\n" +
           std::string(kRoutes),
       {"channels[0]: notifier.channels.s.to: want E.164 (+15005550001)"}},
      // Verifies route problems: shape errors with their path, then the routing rules' own
      // checks (unknown channel, bad severity, bad matcher), and no echo for broken routes.
      {"route_problems",
       "channels:\n  - {name: s, type: slack, url_env: SECPLAT_SLACK_OPS_WEBHOOK_URL}\n"
       "routes:\n"
       "  - {name: a, channels: [ops], min_severity: huge, labels: ['team=~\"(\"']}\n"
       "  - {name: b, channels: s, continue: yes, repeat_interval: 4 hours, typo: 1}\n"
       "  - {name: c}\n",
       {"routes[1].channels: must be a list of strings",
        "routes[1].continue: must be true or false",
        "routes[1].repeat_interval: invalid duration \"4 hours\": want a positive integer and a "
        "unit (ms, s, m, h, d), at most 365d (or 0 for never)",
        "routes[1].typo: unknown key", "routes[2].channels: required",
        "routes[0].min_severity: unknown severity 'huge' (want info, low, medium, high, "
        "critical)",
        "routes[0].labels[0]: invalid regex \"(\" for label 'team': Mismatched '(' and ')' in "
        "regular expression",
        "routes[0].channels[0]: unknown channel 'ops' (configured: s)"}},
      // Verifies the file's own shape: missing sections, unknown top-level keys, not a mapping.
      {"top_level",
       "channel: []\n",
       {"channels: required", "routes: required", "channel: unknown key"}},
      {"not_a_mapping", "- a\n- b\n", {"file: must be a mapping"}},
      {"empty", "", {"file: is empty (want channels and routes)"}},
      // Verifies malformed YAML is reported with its position, not thrown.
      {"malformed_yaml",
       "channels: [\n",
       {"yaml: line 2, column 1: end of sequence flow not found"}},
  };
}

class RoutingFileBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(RoutingFileBad, RefusedWithExactProblems) {
  const BadCase& c = GetParam();
  RoutingFileResult r = ParseRoutingFile(c.yaml, Sources());
  EXPECT_FALSE(r.file.has_value());
  EXPECT_EQ(r.problems, c.problems);
  for (const auto& p : r.problems) {
    EXPECT_EQ(p.find("SECRETX"), std::string::npos) << p;
    EXPECT_EQ(p.find("MfKQ9r8"), std::string::npos) << p;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, RoutingFileBad, ::testing::ValuesIn(BadCases()),
                         [](const auto& row) { return row.param.name; });

// Verifies max_in_flight overrides the default of the channel's kind (webhook 64).
TEST(RoutingFile, MaxInFlightOverridesTheKindDefault) {
  RoutingFileResult r = ParseRoutingFile(
      "channels:\n"
      "  - {name: s, type: slack, url_env: SECPLAT_SLACK_OPS_WEBHOOK_URL, max_in_flight: 4}\n"
      "  - {name: w, type: webhook, url: 'https://soc.example/hook',"
      " secret_env: SECPLAT_SOC_WEBHOOK_SECRET, max_in_flight: 1000}\n"
      "  - {name: x, type: webhook, url: 'https://soc.example/x',"
      " secret_env: SECPLAT_SOC_WEBHOOK_SECRET}\n"
      "routes:\n  - {name: all, channels: [s, w, x]}\n",
      Sources());
  ASSERT_THAT(r.problems, IsEmpty());
  ASSERT_TRUE(r.file.has_value());
  EXPECT_EQ(r.file->max_in_flight.at("s"), 4);
  EXPECT_EQ(r.file->max_in_flight.at("w"), 1000);
  EXPECT_EQ(r.file->max_in_flight.at("x"), 64);
}

// Verifies LoadRoutingFile names the file when it cannot be read.
TEST(RoutingFile, LoadNamesUnreadableFile) {
  auto r = LoadRoutingFile("/nonexistent/notifier.yaml");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "notifier routes file '/nonexistent/notifier.yaml': No such file or directory");
}

}  // namespace
}  // namespace secplat::adapters::notify
