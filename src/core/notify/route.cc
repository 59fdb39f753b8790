#include "core/notify/route.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

namespace secplat::core::notify {
namespace {

using model::Severity;

std::string Field(std::string_view path, size_t i, std::string_view field) {
  std::string out(path);
  out += '[';
  out += std::to_string(i);
  out += "].";
  out += field;
  return out;
}

std::string Field(std::string_view path, size_t i, std::string_view field, size_t j) {
  return Field(path, i, field) + "[" + std::to_string(j) + "]";
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out.empty() ? "none" : out;
}

bool ValidEventTypePattern(std::string_view p) {
  if (p.empty()) return false;
  if (p == "*") return true;
  for (char c : p) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '*';
    if (!ok) return false;
  }
  const size_t star = p.find('*');
  // A star is allowed only as a final ".*".
  return star == std::string_view::npos ||
         (star == p.size() - 1 && p.size() >= 2 && p[p.size() - 2] == '.');
}

// Compiles one rule; problems are appended to `errors`. Returns the rule even when incomplete.
RoutingRule CompileRule(const RoutingRuleSpec& spec, size_t i, std::string_view path,
                        const std::set<std::string>& channels,
                        const std::vector<std::string>& channel_list,
                        std::vector<std::string>& errors) {
  RoutingRule rule;
  rule.name = spec.name;
  if (spec.name.empty()) errors.push_back(Field(path, i, "name") + ": must not be empty");
  for (size_t j = 0; j < spec.event_types.size(); ++j) {
    if (!ValidEventTypePattern(spec.event_types[j])) {
      errors.push_back(Field(path, i, "event_types", j) + ": invalid event type pattern '" +
                       spec.event_types[j] + "' (want 'posture.changed', 'incident.*' or '*')");
    }
  }
  rule.event_types = spec.event_types;
  for (size_t j = 0; j < spec.severities.size(); ++j) {
    if (auto s = model::ParseSeverity(spec.severities[j])) {
      rule.severities.push_back(*s);
    } else {
      errors.push_back(Field(path, i, "severities", j) + ": unknown severity '" +
                       spec.severities[j] + "' (want info, low, medium, high, critical)");
    }
  }
  if (!spec.min_severity.empty()) {
    if (auto s = model::ParseSeverity(spec.min_severity)) {
      rule.min_severity = *s;
    } else {
      errors.push_back(Field(path, i, "min_severity") + ": unknown severity '" + spec.min_severity +
                       "' (want info, low, medium, high, critical)");
    }
  }
  for (size_t j = 0; j < spec.labels.size(); ++j) {
    auto m = ParseMatcher(spec.labels[j]);
    if (m.has_value()) {
      rule.label_matchers.push_back(std::move(m).value());
    } else {
      errors.push_back(Field(path, i, "labels", j) + ": " + m.error().message);
    }
  }
  for (size_t j = 0; j < spec.environments.size(); ++j) {
    if (spec.environments[j].empty()) {
      errors.push_back(Field(path, i, "environments", j) + ": must not be empty");
    }
  }
  rule.environments = spec.environments;
  if (spec.channels.empty()) {
    errors.push_back(Field(path, i, "channels") + ": at least one channel is required");
  }
  std::set<std::string> seen;
  for (size_t j = 0; j < spec.channels.size(); ++j) {
    const std::string& c = spec.channels[j];
    if (!channels.contains(c)) {
      errors.push_back(Field(path, i, "channels", j) + ": unknown channel '" + c +
                       "' (configured: " + JoinNames(channel_list) + ")");
    } else if (!seen.insert(c).second) {
      errors.push_back(Field(path, i, "channels", j) + ": channel '" + c + "' listed twice");
    } else {
      rule.channels.push_back(c);
    }
  }
  if (spec.repeat_interval < Duration::zero()) {
    errors.push_back(Field(path, i, "repeat_interval") + ": must not be negative (0: never)");
  }
  rule.continue_matching = spec.continue_matching;
  rule.repeat_interval = spec.repeat_interval;
  rule.send_resolved = spec.send_resolved;
  return rule;
}

// The first condition of `rule` that `event` fails, or "" when all hold.
std::string FirstMismatch(const RoutingRule& rule, const model::NotifyEvent& event) {
  if (!rule.event_types.empty() &&
      std::none_of(rule.event_types.begin(), rule.event_types.end(),
                   [&](const std::string& p) { return EventTypeMatches(p, event.event_type); })) {
    return "event_type " + event.event_type + " not in [" + JoinNames(rule.event_types) + "]";
  }
  if (!rule.severities.empty() && std::find(rule.severities.begin(), rule.severities.end(),
                                            event.severity) == rule.severities.end()) {
    return "severity " + std::string(model::SeverityName(event.severity)) + " not listed";
  }
  if (rule.min_severity && event.severity < *rule.min_severity) {
    return "severity " + std::string(model::SeverityName(event.severity)) + " < min " +
           std::string(model::SeverityName(*rule.min_severity));
  }
  for (const auto& m : rule.label_matchers) {
    if (!m.Matches(event.labels)) {
      auto it = event.labels.find(m.name());
      return "label " + m.ToString() + " not satisfied (" + m.name() + "=" +
             (it == event.labels.end() ? std::string("<absent>") : "\"" + it->second + "\"") + ")";
    }
  }
  if (!rule.environments.empty() && std::find(rule.environments.begin(), rule.environments.end(),
                                              event.environment) == rule.environments.end()) {
    return "environment '" + event.environment + "' not in [" + JoinNames(rule.environments) + "]";
  }
  return "";
}

}  // namespace

bool EventTypeMatches(std::string_view pattern, std::string_view event_type) {
  if (pattern == "*") return true;
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == ".*") {
    const std::string_view prefix = pattern.substr(0, pattern.size() - 1);  // keeps the '.'
    return event_type.size() > prefix.size() && event_type.substr(0, prefix.size()) == prefix;
  }
  return pattern == event_type;
}

std::vector<std::string> ValidateRoutingConfig(const RoutingConfigSpec& spec,
                                               const std::vector<std::string>& channel_names,
                                               std::string_view path) {
  std::vector<std::string> errors;
  const std::set<std::string> channels(channel_names.begin(), channel_names.end());
  std::set<std::string> names;
  for (size_t i = 0; i < spec.rules.size(); ++i) {
    (void)CompileRule(spec.rules[i], i, path, channels, channel_names, errors);
    if (!spec.rules[i].name.empty() && !names.insert(spec.rules[i].name).second) {
      errors.push_back(Field(path, i, "name") + ": duplicate rule name '" + spec.rules[i].name +
                       "'");
    }
  }
  return errors;
}

Result<RoutingConfig> CompileRoutingConfig(const RoutingConfigSpec& spec,
                                           const std::vector<std::string>& channel_names,
                                           std::string_view path) {
  std::vector<std::string> errors = ValidateRoutingConfig(spec, channel_names, path);
  if (!errors.empty()) {
    std::string message;
    for (const auto& e : errors) {
      if (!message.empty()) message += "; ";
      message += e;
    }
    return Unexpected(ErrorCode::kInvalidArgument, std::move(message));
  }
  RoutingConfig config;
  const std::set<std::string> channels(channel_names.begin(), channel_names.end());
  for (size_t i = 0; i < spec.rules.size(); ++i) {
    config.rules.push_back(CompileRule(spec.rules[i], i, path, channels, channel_names, errors));
  }
  return config;
}

RoutingDecision Route(const model::NotifyEvent& event, const RoutingConfig& config) {
  RoutingDecision d;
  std::string stopped_by;
  for (const RoutingRule& rule : config.rules) {
    RuleVerdict v;
    v.rule = rule.name;
    if (!stopped_by.empty()) {
      v.evaluated = false;
      v.reason = "not evaluated: rule '" + stopped_by + "' matched without continue";
      d.verdicts.push_back(std::move(v));
      continue;
    }
    std::string mismatch = FirstMismatch(rule, event);
    if (!mismatch.empty()) {
      v.reason = std::move(mismatch);
      d.verdicts.push_back(std::move(v));
      continue;
    }
    v.matched = true;
    v.reason = "matched";
    d.verdicts.push_back(std::move(v));
    d.matched_rules.push_back(rule.name);
    for (const std::string& channel : rule.channels) {
      const bool seen = std::any_of(d.targets.begin(), d.targets.end(),
                                    [&](const RouteTarget& t) { return t.channel == channel; });
      if (!seen) {
        d.targets.push_back(RouteTarget{.channel = channel,
                                        .rule = rule.name,
                                        .repeat_interval = rule.repeat_interval,
                                        .send_resolved = rule.send_resolved});
      }
    }
    if (!rule.continue_matching) stopped_by = rule.name;
  }
  if (config.rules.empty()) {
    d.reason = "no routing rules configured";
  } else if (d.matched_rules.empty()) {
    d.reason = "no rule matched";
  } else {
    d.reason = "matched rules: " + JoinNames(d.matched_rules);
  }
  return d;
}

}  // namespace secplat::core::notify
