// The notifier's routes file (`notifier.routes_file`): channels and routing rules are lists,
// which the project config does not hold, so they live in their own YAML file, decoded here as
// strictly as the main config: unknown keys, wrong types and bad values are errors, every
// problem is reported at once with its path, and secrets are only ever references
// (`*_env` names an environment variable, `*_file` a file): an inline secret is refused.
//
//   channels:
//     - name: slack-ops
//       type: slack                 # slack | twilio | jira | webhook
//       url_env: SLACK_OPS_WEBHOOK  # the webhook URL is the credential
//       rate_limit: {per_second: 1, burst: 1}
//       max_in_flight: 1            # sends at once (1..1000; default 1, webhooks 64)
//   routes:
//     - name: pages
//       event_types: [posture.changed]
//       min_severity: high
//       labels: ['team=~"pay.*"']   # label matchers: = != =~ !~
//       channels: [slack-ops]
//       continue: false
//       repeat_interval: 4h         # 0: never repeat
//       send_resolved: true
//
//   RoutingFileResult r = ParseRoutingFile(text, {.env = {{"SLACK_OPS_WEBHOOK", url}}});
//   EXPECT_THAT(r.problems, IsEmpty());
//   r.file->channels[0]->name();   // "slack-ops"
// The full key list per channel type: deploy/notifier.example.yaml and docs/notifier.md.
#ifndef SECPLAT_ADAPTERS_NOTIFY_ROUTING_CONFIG_H_
#define SECPLAT_ADAPTERS_NOTIFY_ROUTING_CONFIG_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/notify/rate_limit.h"
#include "core/notify/route.h"
#include "ports/notification_channel.h"

namespace secplat::adapters::notify {

// Where `*_env` and `*_file` references are resolved.
struct SecretSources {
  std::map<std::string, std::string> env;  // environment variables
  // Reads a secret file (whole content). Empty: read from the filesystem.
  std::function<Result<std::string>(const std::string& path)> read_file;
};

// The decoded file: the channels, ready to deliver, and the compiled routing rules.
struct RoutingFile {
  std::vector<std::unique_ptr<ports::NotificationChannel>> channels;  // in file order
  // The effective rate limit of every channel by name: the `rate_limit` override or the
  // kind's default (core::notify::DefaultRateLimit).
  std::map<std::string, core::notify::RateLimit> rate_limits;
  // Sends in flight at once per channel by name: `max_in_flight` (1..1000) or
  // DefaultMaxInFlight(kind).
  std::map<std::string, int> max_in_flight;
  core::notify::RoutingConfig routing;
};

// The most sends one channel may have in flight (`max_in_flight`).
inline constexpr int kMaxChannelInFlight = 1000;

// 1 for Slack, Twilio and Jira (one send at a time keeps a channel's messages in order); 64 for
// webhooks, whose receivers dedupe by webhook-id and need no order.
constexpr int DefaultMaxInFlight(core::model::ChannelKind kind) {
  return kind == core::model::ChannelKind::kWebhook ? 64 : 1;
}

struct RoutingFileResult {
  std::optional<RoutingFile> file;    // set when problems is empty
  std::vector<std::string> problems;  // "<path>: <message>", in file order; never a secret
};

// Decodes a routes file. Paths are "channels[1].auth_token_env", "routes[0].channels[2]".
// Never throws; secrets never appear in problems (only variable names and file paths).
RoutingFileResult ParseRoutingFile(std::string_view yaml_text, const SecretSources& secrets);

// Reads `path` and parses it with the process environment and the filesystem. Errors:
// kInvalidArgument carrying every problem joined by "; " (the first one names the file when it
// cannot be read).
Result<RoutingFile> LoadRoutingFile(const std::string& path);

}  // namespace secplat::adapters::notify

#endif  // SECPLAT_ADAPTERS_NOTIFY_ROUTING_CONFIG_H_
