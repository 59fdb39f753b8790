#include "adapters/notify/routing_config.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <utility>

#include "adapters/notify/jira_channel.h"
#include "adapters/notify/slack_channel.h"
#include "adapters/notify/twilio_channel.h"
#include "adapters/notify/webhook_channel.h"
#include "config/config.h"

extern char** environ;

namespace secplat::adapters::notify {
namespace {

using core::model::ChannelKind;
using core::model::Secret;

std::string Key(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::string Index(std::string_view path, size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

// Reads the members of one YAML mapping, naming each by path in its problems, and reports the
// members nobody asked for as unknown keys.
class MapReader {
 public:
  MapReader(const YAML::Node& node, std::string path, std::vector<std::string>& problems)
      : node_(node), path_(std::move(path)), problems_(problems) {
    ok_ = node_.IsMap();
    if (!ok_) problems_.push_back((path_.empty() ? "file" : path_) + ": must be a mapping");
  }
  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }

  bool Has(std::string_view key) const { return ok_ && node_[std::string(key)].IsDefined(); }

  std::optional<YAML::Node> Get(std::string_view key) {
    seen_.insert(std::string(key));
    if (!ok_) return std::nullopt;
    YAML::Node n = node_[std::string(key)];
    if (!n.IsDefined()) return std::nullopt;
    return n;
  }

  std::optional<std::string> String(std::string_view key, bool required = false) {
    auto n = Get(key);
    if (!n) {
      if (required && ok_) Problem(key, "required");
      return std::nullopt;
    }
    if (!n->IsScalar()) {
      Problem(key, "must be a string");
      return std::nullopt;
    }
    std::string s = n->Scalar();
    if (s.empty()) {
      Problem(key, "must not be empty");
      return std::nullopt;
    }
    return s;
  }

  std::vector<std::string> StringList(std::string_view key) {
    std::vector<std::string> out;
    auto n = Get(key);
    if (!n) return out;
    if (!n->IsSequence()) {
      Problem(key, "must be a list of strings");
      return out;
    }
    for (size_t i = 0; i < n->size(); ++i) {
      const YAML::Node item = (*n)[i];
      if (!item.IsScalar()) {
        problems_.push_back(Index(Key(path_, key), i) + ": must be a string");
        continue;
      }
      out.push_back(item.Scalar());
    }
    return out;
  }

  std::optional<bool> Bool(std::string_view key) {
    auto n = Get(key);
    if (!n) return std::nullopt;
    if (n->IsScalar() && (n->Scalar() == "true" || n->Scalar() == "false")) {
      return n->Scalar() == "true";
    }
    Problem(key, "must be true or false");
    return std::nullopt;
  }

  std::optional<double> Number(std::string_view key, double min, std::string_view want) {
    auto n = Get(key);
    if (!n) return std::nullopt;
    if (n->IsScalar()) {
      const std::string& s = n->Scalar();
      char* end = nullptr;
      errno = 0;
      const double v = std::strtod(s.c_str(), &end);
      if (!s.empty() && end == s.c_str() + s.size() && errno == 0 && std::isfinite(v) && v >= min) {
        return v;
      }
    }
    Problem(key, std::string("must be ") + std::string(want));
    return std::nullopt;
  }

  // "30s", "4h"; `allow_zero`: also "0" (never).
  std::optional<Duration> Dur(std::string_view key, bool allow_zero) {
    auto n = Get(key);
    if (!n) return std::nullopt;
    if (!n->IsScalar()) {
      Problem(key, "must be a duration such as 30s or 4h");
      return std::nullopt;
    }
    const std::string& s = n->Scalar();
    if (allow_zero && (s == "0" || s == "0s" || s == "0ms")) return Duration::zero();
    auto d = config::ParseDuration(s);
    if (!d.has_value()) {
      Problem(key, d.error().message + (allow_zero ? " (or 0 for never)" : ""));
      return std::nullopt;
    }
    return *d;
  }

  void Problem(std::string_view key, std::string_view message) {
    problems_.push_back(Key(path_, key) + ": " + std::string(message));
  }
  void Problem(std::string_view message) {
    problems_.push_back(path_ + ": " + std::string(message));
  }

  // Every member not read through this reader is an unknown key (in file order).
  void RejectUnknown() {
    if (!ok_) return;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      const std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string("<non-scalar>");
      if (!seen_.contains(k)) problems_.push_back(Key(path_, k) + ": unknown key");
    }
  }

 private:
  YAML::Node node_;
  std::string path_;
  std::vector<std::string>& problems_;
  std::set<std::string> seen_;
  bool ok_ = false;
};

Result<std::string> ReadFileDefault(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Unexpected(ErrorCode::kInvalidArgument, std::string(std::strerror(errno)));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Unexpected(ErrorCode::kInvalidArgument, "read error");
  return ss.str();
}

// A secret given as `<base>_env` or `<base>_file`. `inline_allowed`: `<base>` itself may hold
// the value (a webhook URL without a token in it); otherwise `<base>` is refused as an inline
// secret. Returns nullopt when absent or broken (the problem is recorded).
std::optional<Secret> SecretRef(MapReader& r, std::string_view base, bool required,
                                bool inline_allowed, const SecretSources& sources) {
  const std::string env_key = std::string(base) + "_env";
  const std::string file_key = std::string(base) + "_file";
  std::optional<std::string> inline_value;
  if (inline_allowed) {
    inline_value = r.String(base);
  } else if (r.Get(base)) {
    r.Problem(base, "inline secrets are not allowed; use " + env_key + " or " + file_key);
    return std::nullopt;
  }
  auto env = r.String(env_key);
  auto file = r.String(file_key);
  const int given = (inline_value ? 1 : 0) + (env ? 1 : 0) + (file ? 1 : 0);
  if (given > 1) {
    r.Problem(inline_allowed
                  ? "set only one of " + std::string(base) + ", " + env_key + " and " + file_key
                  : "set only one of " + env_key + " and " + file_key);
    return std::nullopt;
  }
  if (inline_value) return Secret(*inline_value);
  if (env) {
    auto it = sources.env.find(*env);
    if (it == sources.env.end() || it->second.empty()) {
      r.Problem(env_key, "environment variable " + *env + " is not set or empty");
      return std::nullopt;
    }
    return Secret(it->second);
  }
  if (file) {
    auto content = sources.read_file ? sources.read_file(*file) : ReadFileDefault(*file);
    if (!content.has_value()) {
      r.Problem(file_key, "cannot read '" + *file + "': " + content.error().message);
      return std::nullopt;
    }
    std::string value = std::move(*content);
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (value.empty()) {
      r.Problem(file_key, "file '" + *file + "' is empty");
      return std::nullopt;
    }
    return Secret(std::move(value));
  }
  if (required) {
    r.Problem(inline_allowed ? "one of " + std::string(base) + ", " + env_key + " or " + file_key +
                                   " is required"
                             : env_key + " or " + file_key + " is required");
  }
  return std::nullopt;
}

bool ValidChannelName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Decodes and builds one channel; nullptr when it has problems (recorded).
std::unique_ptr<ports::NotificationChannel> DecodeChannel(
    const YAML::Node& node, const std::string& path, const SecretSources& sources,
    std::vector<std::string>& problems, std::string& name_out,
    std::optional<core::notify::RateLimit>& rate_override, std::optional<int>& max_in_flight) {
  MapReader r(node, path, problems);
  if (!r.ok()) return nullptr;
  const size_t before = problems.size();
  auto name = r.String("name", true);
  if (name && !ValidChannelName(*name)) {
    r.Problem("name", "must be 1-64 characters of A-Z a-z 0-9 . _ -");
    name.reset();
  }
  if (name) name_out = *name;
  auto type = r.String("type", true);
  std::optional<ChannelKind> kind;
  if (type) {
    kind = core::model::ParseChannelKind(*type);
    if (!kind)
      r.Problem("type", "unknown channel type '" + *type + "' (want slack, twilio, jira, webhook)");
  }
  if (auto rl = r.Get("rate_limit")) {
    MapReader lr(*rl, Key(path, "rate_limit"), problems);
    if (lr.ok()) {
      auto per_second = lr.Number("per_second", 0, "a number >= 0 (0: unlimited)");
      auto burst = lr.Number("burst", 1, "a number >= 1");
      if (!lr.Has("per_second")) lr.Problem("per_second", "required");
      lr.RejectUnknown();
      if (per_second) rate_override = core::notify::RateLimit{*per_second, burst.value_or(1.0)};
    }
  }
  if (auto v = r.Number("max_in_flight", 1, "an integer from 1 to 1000")) {
    if (*v != std::floor(*v) || *v > kMaxChannelInFlight) {
      r.Problem("max_in_flight", "must be an integer from 1 to 1000");
    } else {
      max_in_flight = static_cast<int>(*v);
    }
  }
  const Duration timeout = r.Dur("timeout", false).value_or(std::chrono::seconds(10));
  if (!kind) {
    r.RejectUnknown();
    return nullptr;
  }

  std::unique_ptr<ports::NotificationChannel> channel;
  auto build = [&](auto made) {
    if (!made.has_value()) {
      r.Problem(made.error().message);
      return;
    }
    channel = std::move(made).value();
  };
  switch (*kind) {
    case ChannelKind::kSlack: {
      auto url = SecretRef(r, "url", true, false, sources);
      r.RejectUnknown();
      if (problems.size() != before || !name) return nullptr;
      build(SlackChannel::Make(*name, {.webhook_url = *url, .timeout = timeout}));
      break;
    }
    case ChannelKind::kTwilio: {
      TwilioOptions o;
      o.base_url = r.String("base_url").value_or(o.base_url);
      o.account_sid = r.String("account_sid", true).value_or("");
      auto token = SecretRef(r, "auth_token", true, false, sources);
      o.from = r.String("from").value_or("");
      o.messaging_service_sid = r.String("messaging_service_sid").value_or("");
      o.to = r.String("to", true).value_or("");
      if (auto v = r.Number("validity_period", 1, "a number of seconds from 1 to 36000")) {
        o.validity_period_s = static_cast<int>(*v);
      }
      o.status_callback = r.String("status_callback").value_or("");
      o.timeout = timeout;
      r.RejectUnknown();
      if (problems.size() != before || !name) return nullptr;
      o.auth_token = *token;
      build(TwilioChannel::Make(*name, std::move(o)));
      break;
    }
    case ChannelKind::kJira: {
      JiraOptions o;
      o.base_url = r.String("base_url", true).value_or("");
      o.email = r.String("email", true).value_or("");
      auto token = SecretRef(r, "api_token", true, false, sources);
      o.project_key = r.String("project_key", true).value_or("");
      o.issue_type = r.String("issue_type").value_or(o.issue_type);
      o.resolve_transition = r.String("resolve_transition").value_or(o.resolve_transition);
      o.extra_labels = r.StringList("labels");
      o.timeout = timeout;
      r.RejectUnknown();
      if (problems.size() != before || !name) return nullptr;
      o.api_token = *token;
      build(JiraChannel::Make(*name, std::move(o)));
      break;
    }
    case ChannelKind::kWebhook: {
      WebhookOptions o;
      auto url = SecretRef(r, "url", true, true, sources);
      auto secret = SecretRef(r, "secret", true, false, sources);
      o.external_url = r.String("external_url").value_or("");
      o.timeout = timeout;
      r.RejectUnknown();
      if (problems.size() != before || !name) return nullptr;
      o.url = *url;
      o.secret = *secret;
      build(WebhookChannel::Make(*name, std::move(o)));
      break;
    }
  }
  return channel;
}

core::notify::RoutingRuleSpec DecodeRoute(const YAML::Node& node, const std::string& path,
                                          std::vector<std::string>& problems) {
  core::notify::RoutingRuleSpec spec;
  MapReader r(node, path, problems);
  if (!r.ok()) return spec;
  spec.name = r.String("name", true).value_or("");
  spec.event_types = r.StringList("event_types");
  spec.severities = r.StringList("severities");
  spec.min_severity = r.String("min_severity").value_or("");
  spec.labels = r.StringList("labels");
  spec.environments = r.StringList("environments");
  spec.channels = r.StringList("channels");
  if (!r.Has("channels")) r.Problem("channels", "required");
  spec.continue_matching = r.Bool("continue").value_or(false);
  spec.repeat_interval = r.Dur("repeat_interval", true).value_or(spec.repeat_interval);
  spec.send_resolved = r.Bool("send_resolved").value_or(true);
  r.RejectUnknown();
  return spec;
}

RoutingFileResult ParseNode(const YAML::Node& root, const SecretSources& sources) {
  RoutingFileResult out;
  std::vector<std::string>& problems = out.problems;
  if (!root.IsDefined() || root.IsNull()) {
    problems.push_back("file: is empty (want channels and routes)");
    return out;
  }
  MapReader top(root, "", problems);
  if (!top.ok()) return out;

  RoutingFile file;
  std::vector<std::string> names;
  auto channels = top.Get("channels");
  if (!channels) {
    problems.push_back("channels: required");
  } else if (!channels->IsSequence() || channels->size() == 0) {
    problems.push_back("channels: must be a non-empty list");
  } else {
    std::set<std::string> seen;
    for (size_t i = 0; i < channels->size(); ++i) {
      const std::string path = Index("channels", i);
      std::string name;
      std::optional<core::notify::RateLimit> rate;
      std::optional<int> in_flight;
      auto channel = DecodeChannel((*channels)[i], path, sources, problems, name, rate, in_flight);
      if (!name.empty()) {
        if (!seen.insert(name).second) {
          problems.push_back(Key(path, "name") + ": duplicate channel name '" + name + "'");
        } else {
          names.push_back(name);
        }
      }
      if (channel) {
        file.rate_limits[name] = rate.value_or(core::notify::DefaultRateLimit(channel->kind()));
        file.max_in_flight[name] = in_flight.value_or(DefaultMaxInFlight(channel->kind()));
        file.channels.push_back(std::move(channel));
      }
    }
  }

  core::notify::RoutingConfigSpec spec;
  std::set<size_t> broken;  // routes with shape problems: their semantic checks would only echo
  auto routes = top.Get("routes");
  if (!routes) {
    problems.push_back("routes: required");
  } else if (!routes->IsSequence()) {
    problems.push_back("routes: must be a list");
  } else {
    for (size_t i = 0; i < routes->size(); ++i) {
      const size_t before = problems.size();
      spec.rules.push_back(DecodeRoute((*routes)[i], Index("routes", i), problems));
      if (problems.size() != before) broken.insert(i);
    }
  }
  top.RejectUnknown();

  for (const std::string& p : core::notify::ValidateRoutingConfig(spec, names, "routes")) {
    bool skip = false;
    for (size_t i : broken) {
      if (p.rfind(Index("routes", i) + ".", 0) == 0) skip = true;
    }
    if (!skip) problems.push_back(p);
  }
  if (!problems.empty()) return out;
  auto compiled = core::notify::CompileRoutingConfig(spec, names, "routes");
  if (!compiled.has_value()) {
    problems.push_back(compiled.error().message);
    return out;
  }
  file.routing = std::move(*compiled);
  out.file = std::move(file);
  return out;
}

}  // namespace

RoutingFileResult ParseRoutingFile(std::string_view yaml_text, const SecretSources& secrets) {
  try {
    return ParseNode(YAML::Load(std::string(yaml_text)), secrets);
  } catch (const YAML::Exception& e) {
    RoutingFileResult out;
    out.problems.push_back("yaml: line " + std::to_string(e.mark.line + 1) + ", column " +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
    return out;
  } catch (const std::exception& e) {
    RoutingFileResult out;
    out.problems.push_back(std::string("yaml: ") + e.what());
    return out;
  }
}

Result<RoutingFile> LoadRoutingFile(const std::string& path) {
  auto text = ReadFileDefault(path);
  if (!text.has_value()) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "notifier routes file '" + path + "': " + text.error().message);
  }
  SecretSources sources;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    const size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    sources.env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  RoutingFileResult r = ParseRoutingFile(*text, sources);
  if (!r.problems.empty()) {
    std::string message = "notifier routes file '" + path + "': ";
    for (size_t i = 0; i < r.problems.size(); ++i) {
      if (i > 0) message += "; ";
      message += r.problems[i];
    }
    return Unexpected(ErrorCode::kInvalidArgument, std::move(message));
  }
  return std::move(*r.file);
}

}  // namespace secplat::adapters::notify
