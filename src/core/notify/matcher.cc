#include "core/notify/matcher.h"

#include <cctype>
#include <string>
#include <utility>

namespace secplat::core::notify {
namespace {

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  const auto first = static_cast<unsigned char>(name[0]);
  if (!std::isalpha(first) && name[0] != '_') return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// std::regex recurses per input character; a very long value could exhaust the stack. Label
// values longer than this never match a regex matcher (and never match `!~` negatively either:
// the matcher reports "no match", so `!~` is true). Labels are short in practice.
constexpr size_t kMaxRegexInput = 4096;

}  // namespace

std::string_view MatchOpSymbol(MatchOp op) {
  switch (op) {
    case MatchOp::kEqual:
      return "=";
    case MatchOp::kNotEqual:
      return "!=";
    case MatchOp::kRegexMatch:
      return "=~";
    case MatchOp::kRegexNoMatch:
      return "!~";
  }
  return "?";
}

Result<LabelMatcher> LabelMatcher::Make(std::string name, MatchOp op, std::string value) {
  if (!ValidName(name)) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "invalid label name '" + name + "' (want [A-Za-z_][A-Za-z0-9_.-]*)");
  }
  std::shared_ptr<const std::regex> re;
  if (op == MatchOp::kRegexMatch || op == MatchOp::kRegexNoMatch) {
    try {
      // Anchored like Alertmanager: the whole value must match.
      re = std::make_shared<const std::regex>("^(?:" + value + ")$",
                                              std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        "invalid regex \"" + value + "\" for label '" + name + "': " + e.what());
    }
  }
  return LabelMatcher(std::move(name), op, std::move(value), std::move(re));
}

bool LabelMatcher::MatchesValue(std::string_view value) const {
  switch (op_) {
    case MatchOp::kEqual:
      return value == value_;
    case MatchOp::kNotEqual:
      return value != value_;
    case MatchOp::kRegexMatch:
    case MatchOp::kRegexNoMatch: {
      bool matched = false;
      if (value.size() <= kMaxRegexInput) {
        try {
          matched = std::regex_match(value.begin(), value.end(), *re_);
        } catch (const std::regex_error&) {
          matched = false;  // complexity limits: treat as no match
        }
      }
      return op_ == MatchOp::kRegexMatch ? matched : !matched;
    }
  }
  return false;
}

bool LabelMatcher::Matches(const std::map<std::string, std::string>& labels) const {
  auto it = labels.find(name_);
  return MatchesValue(it == labels.end() ? std::string_view() : std::string_view(it->second));
}

std::string LabelMatcher::ToString() const {
  std::string out = name_;
  out += MatchOpSymbol(op_);
  out += '"';
  for (char c : value_) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

Result<LabelMatcher> ParseMatcher(std::string_view text) {
  const std::string_view input = Trim(text);
  size_t pos = input.find_first_of("=!");
  if (pos == std::string_view::npos) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "matcher '" + std::string(input) + "' has no operator (=, !=, =~, !~)");
  }
  const std::string_view name = Trim(input.substr(0, pos));
  MatchOp op;
  size_t op_len = 1;
  if (input[pos] == '=') {
    if (pos + 1 < input.size() && input[pos + 1] == '~') {
      op = MatchOp::kRegexMatch;
      op_len = 2;
    } else {
      op = MatchOp::kEqual;
    }
  } else {  // '!'
    if (pos + 1 < input.size() && input[pos + 1] == '=') {
      op = MatchOp::kNotEqual;
    } else if (pos + 1 < input.size() && input[pos + 1] == '~') {
      op = MatchOp::kRegexNoMatch;
    } else {
      return Unexpected(ErrorCode::kInvalidArgument,
                        "matcher '" + std::string(input) + "': '!' must be followed by = or ~");
    }
    op_len = 2;
  }
  std::string_view raw = Trim(input.substr(pos + op_len));
  std::string value;
  if (!raw.empty() && raw.front() == '"') {
    size_t i = 1;
    bool closed = false;
    for (; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size()) {
        value += raw[++i];
      } else if (raw[i] == '"') {
        closed = true;
        break;
      } else {
        value += raw[i];
      }
    }
    if (!closed || i + 1 != raw.size()) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        "matcher '" + std::string(input) + "': unterminated or trailing quote");
    }
  } else {
    value = std::string(raw);
  }
  return LabelMatcher::Make(std::string(name), op, std::move(value));
}

}  // namespace secplat::core::notify
