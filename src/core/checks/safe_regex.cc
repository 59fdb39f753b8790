#include "core/checks/safe_regex.h"

#include <algorithm>
#include <string>
#include <vector>

namespace secplat::core::checks {
namespace {

// Upper bound on the product of nested bounded repetitions, e.g. (a{0,64}){0,16} = 1024: the
// compiled automaton grows with it.
constexpr long kMaxRepeatProduct = 1024;

Unexpected Reject(std::string reason) {
  return Unexpected(ErrorCode::kInvalidArgument, "regex: " + std::move(reason));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Status CheckRegexSafety(std::string_view p) {
  if (p.empty()) return Reject("empty pattern");
  if (p.size() > kMaxRegexPatternLength) {
    return Reject("pattern longer than " + std::to_string(kMaxRegexPatternLength) + " characters");
  }
  // Multiplier of the innermost open group (max over its atoms), one entry per open group.
  std::vector<long> groups = {1};
  long last_atom = 1;  // multiplier of the atom just before a quantifier
  size_t i = 0;
  while (i < p.size()) {
    char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) return Reject("trailing backslash");
      char n = p[i + 1];
      if ((n >= '1' && n <= '9') || n == 'k') {
        return Reject("back-reference at offset " + std::to_string(i) + " is not supported");
      }
      last_atom = 1;
      i += 2;
      continue;
    }
    if (c == '[') {
      size_t j = i + 1;
      if (j < p.size() && p[j] == '^') ++j;
      bool closed = false;
      while (j < p.size()) {
        if (p[j] == '\\') {
          j += 2;
          continue;
        }
        if (p[j] == ']') {
          closed = true;
          break;
        }
        ++j;
      }
      if (!closed) return Reject("unterminated character class at offset " + std::to_string(i));
      last_atom = 1;
      i = j + 1;
      continue;
    }
    if (c == '*' || c == '+') {
      return Reject(std::string("unbounded quantifier '") + c + "' at offset " + std::to_string(i) +
                    " (use {0," + std::to_string(kMaxRegexRepeat) + "} or {1," +
                    std::to_string(kMaxRegexRepeat) + "})");
    }
    if (c == '(') {
      groups.push_back(1);
      last_atom = 1;
      ++i;
      continue;
    }
    if (c == ')') {
      if (groups.size() <= 1) return Reject("unbalanced ')' at offset " + std::to_string(i));
      last_atom = groups.back();
      groups.pop_back();
      groups.back() = std::max(groups.back(), last_atom);
      ++i;
      continue;
    }
    if (c == '{') {
      size_t j = i + 1;
      long lo = 0;
      long hi = -1;
      size_t digits = 0;
      while (j < p.size() && IsDigit(p[j]) && digits < 6) lo = lo * 10 + (p[j++] - '0'), ++digits;
      if (digits == 0) return Reject("malformed repetition at offset " + std::to_string(i));
      hi = lo;
      if (j < p.size() && p[j] == ',') {
        ++j;
        size_t hdigits = 0;
        hi = 0;
        while (j < p.size() && IsDigit(p[j]) && hdigits < 6)
          hi = hi * 10 + (p[j++] - '0'), ++hdigits;
        if (hdigits == 0) {
          return Reject("unbounded repetition {n,} at offset " + std::to_string(i) + " (use {n," +
                        std::to_string(kMaxRegexRepeat) + "})");
        }
      }
      if (j >= p.size() || p[j] != '}') {
        return Reject("malformed repetition at offset " + std::to_string(i));
      }
      if (hi > kMaxRegexRepeat || lo > hi) {
        return Reject("repetition at offset " + std::to_string(i) + " exceeds {0," +
                      std::to_string(kMaxRegexRepeat) + "}");
      }
      long product = last_atom * std::max(hi, 1L);
      if (product > kMaxRepeatProduct) {
        return Reject("nested repetitions at offset " + std::to_string(i) + " are too large");
      }
      groups.back() = std::max(groups.back(), product);
      i = j + 1;
      continue;
    }
    last_atom = 1;
    ++i;
  }
  if (groups.size() != 1) return Reject("unbalanced '('");
  return OkStatus();
}

Result<SafeRegex> SafeRegex::Compile(std::string_view pattern, Options options) {
  SECPLAT_RETURN_IF_ERROR(CheckRegexSafety(pattern));
  auto flags = std::regex::ECMAScript | std::regex_constants::__polynomial;
  if (options.case_insensitive) flags |= std::regex::icase;
  if (options.multiline) flags |= std::regex::multiline;
  try {
    auto re = std::make_shared<const std::regex>(pattern.begin(), pattern.end(), flags);
    return SafeRegex(std::string(pattern), std::move(re));
  } catch (const std::regex_error& e) {
    return Reject(std::string("does not compile: ") + e.what());
  } catch (const std::exception& e) {  // bad_alloc on a huge automaton
    return Reject(std::string("does not compile: ") + e.what());
  }
}

std::optional<SafeRegex::Match> SafeRegex::Find(std::string_view input) const {
  std::string_view capped = input.substr(0, std::min(input.size(), kMaxRegexInputBytes));
  std::match_results<std::string_view::const_iterator> m;
  try {
    if (!std::regex_search(capped.begin(), capped.end(), m, *re_)) return std::nullopt;
  } catch (const std::exception&) {  // error_complexity / error_stack: treat as no match
    return std::nullopt;
  }
  return Match{static_cast<size_t>(m.position(0)), static_cast<size_t>(m.length(0))};
}

bool SafeRegex::Search(std::string_view input) const { return Find(input).has_value(); }

}  // namespace secplat::core::checks
