// Label matchers in Alertmanager's four forms: `name="v"`, `name!="v"`, `name=~"re"`,
// `name!~"re"`. Regexes are anchored (the whole value must match), compiled once (std::regex,
// ECMAScript grammar). A label that is absent matches as the empty string, as in Alertmanager.
//
//   auto m = ParseMatcher(R"(team=~"pay.*")");
//   EXPECT_TRUE(m->Matches({{"team", "payments"}}));
//   EXPECT_FALSE(m->Matches({{"team", "search"}}));
#ifndef SECPLAT_CORE_NOTIFY_MATCHER_H_
#define SECPLAT_CORE_NOTIFY_MATCHER_H_

#include <map>
#include <memory>
#include <regex>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace secplat::core::notify {

enum class MatchOp { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

// "=", "!=", "=~", "!~".
std::string_view MatchOpSymbol(MatchOp op);

// One compiled matcher. Copyable (the compiled regex is shared, immutable). Thread-safe to use.
class LabelMatcher {
 public:
  // Builds a matcher. Errors: kInvalidArgument for an empty or malformed name
  // ([A-Za-z_][A-Za-z0-9_.-]*) or a regex that does not compile (message names the pattern).
  static Result<LabelMatcher> Make(std::string name, MatchOp op, std::string value);

  // True when the label set satisfies the matcher (absent label = "").
  bool Matches(const std::map<std::string, std::string>& labels) const;
  // True when `value` satisfies the matcher.
  bool MatchesValue(std::string_view value) const;

  const std::string& name() const { return name_; }
  MatchOp op() const { return op_; }
  const std::string& value() const { return value_; }
  // `name=~"value"`: the canonical text form (value quoted, `"` and `\` escaped).
  std::string ToString() const;

 private:
  LabelMatcher(std::string name, MatchOp op, std::string value,
               std::shared_ptr<const std::regex> re)
      : name_(std::move(name)), op_(op), value_(std::move(value)), re_(std::move(re)) {}

  std::string name_;
  MatchOp op_ = MatchOp::kEqual;
  std::string value_;
  std::shared_ptr<const std::regex> re_;  // set for the regex forms
};

// Parses `name<op>value` where value is bare or double-quoted (with \" and \\ escapes), spaces
// around the operator allowed: `team=payments`, `env != "dev"`, `tier=~"a|b"`.
// Errors: kInvalidArgument with the reason (no operator, bad name, unterminated quote, bad regex).
Result<LabelMatcher> ParseMatcher(std::string_view text);

}  // namespace secplat::core::notify

#endif  // SECPLAT_CORE_NOTIFY_MATCHER_H_
