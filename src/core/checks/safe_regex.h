// SafeRegex: a std::regex that a hostile response body cannot turn into a crash or a stall.
// Patterns come from config (health body_regex) or the signature pack; bodies come from scanned
// hosts. libstdc++'s default (backtracking) executor recurses once per input character and
// overflows the stack on a few tens of KiB, and any unbounded quantifier makes a search
// quadratic in the input. So a pattern is accepted only when it is
//   - at most kMaxRegexPatternLength characters,
//   - free of unbounded quantifiers (`*`, `+`, `{n,}`): write `{0,64}` instead of `*`,
//   - free of bounded repetitions above kMaxRegexRepeat and of back-references,
// is compiled in libstdc++'s polynomial (Thompson/BFS) mode, and searches at most
// kMaxRegexInputBytes of input. Worst case measured here (-O2): ~0.1 s CPU for an 8 KiB adversarial
// body and a {0,64} repetition, versus a stack overflow or minutes without these rules.
//
//   Result<SafeRegex> re = SafeRegex::Compile(R"("status":\s{0,8}"UP")");
//   re->Search(R"({"status": "UP"})") == true
#ifndef SECPLAT_CORE_CHECKS_SAFE_REGEX_H_
#define SECPLAT_CORE_CHECKS_SAFE_REGEX_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace secplat::core::checks {

inline constexpr size_t kMaxRegexPatternLength = 256;
inline constexpr int kMaxRegexRepeat = 64;
inline constexpr size_t kMaxRegexInputBytes = 8 * 1024;

class SafeRegex {
 public:
  struct Options {
    bool case_insensitive = false;
    bool multiline = false;  // ^ and $ also match at line breaks
  };

  // Validates (rules above) and compiles `pattern` (ECMAScript). kInvalidArgument with the
  // reason on a rejected or malformed pattern; never throws.
  static Result<SafeRegex> Compile(std::string_view pattern, Options options);
  static Result<SafeRegex> Compile(std::string_view pattern) { return Compile(pattern, {}); }

  // True when the pattern occurs in the first kMaxRegexInputBytes of `input`.
  bool Search(std::string_view input) const;

  // The first match in the first kMaxRegexInputBytes of `input`: offset and length.
  struct Match {
    size_t offset = 0;
    size_t length = 0;
  };
  std::optional<Match> Find(std::string_view input) const;

  const std::string& pattern() const { return pattern_; }

 private:
  SafeRegex(std::string pattern, std::shared_ptr<const std::regex> re)
      : pattern_(std::move(pattern)), re_(std::move(re)) {}
  std::string pattern_;
  std::shared_ptr<const std::regex> re_;  // shared: copies of a compiled pack stay cheap
};

// The syntax rules alone (no compilation): OkStatus() or kInvalidArgument with the reason,
// e.g. "unbounded quantifier '*' at offset 3 (use {0,64})".
Status CheckRegexSafety(std::string_view pattern);

}  // namespace secplat::core::checks

#endif  // SECPLAT_CORE_CHECKS_SAFE_REGEX_H_
