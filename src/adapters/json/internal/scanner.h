// Internal to adapters/json: a strict one-pass JSON scanner for the fast-path decoders
// (posture_fast.cc, notification_codec.cc). Every method returns false on anything it does not
// accept, and the caller then gives the document to the full decoder (internal/reader.h), which
// either accepts it too or names the error. What it accepts is well-formed JSON only: strings
// valid UTF-8 without NUL (\u0000) or surrogate escapes, integers without fraction or exponent.
//
//   Scanner sc(text);
//   static constexpr std::string_view kNames[] = {"id", "at"};
//   Members m(kNames);
//   bool ok = Object(sc, [&](std::string_view key) {
//     switch (m.Take(key)) { case 0: return sc.String(id); case 1: return TimeValue(sc, at);
//                            default: return false; }
//   }) && m.Complete() && sc.AtEnd();
#ifndef SECPLAT_ADAPTERS_JSON_INTERNAL_SCANNER_H_
#define SECPLAT_ADAPTERS_JSON_INTERNAL_SCANNER_H_

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "core/common/json_string.h"
#include "core/common/time.h"

namespace secplat::adapters::json::internal::scan {

// Deepest nesting Scanner::Value walks through.
inline constexpr int kMaxSkipDepth = 64;

// A strict JSON scanner over a string: every method returns false (and the caller gives up)
// on anything it does not accept.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}

  void Ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool Eat(char c) {
    Ws();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  bool AtEnd() {
    Ws();
    return p_ == end_;
  }
  bool Literal(std::string_view word) {
    Ws();
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word)
      return false;
    p_ += word.size();
    return true;
  }
  bool Null() { return Literal("null"); }
  const char* Pos() const { return p_; }
  char Peek() const { return p_ < end_ ? *p_ : '\0'; }
  bool AtWs() const {
    return p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t');
  }

  // A member name without escapes (every name of these documents is plain ASCII).
  bool Name(std::string_view& key) {
    Ws();
    if (p_ >= end_ || *p_ != '"') return false;
    const char* s = ++p_;
    while (p_ < end_ && *p_ != '"') {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '\\' || c < 0x20) return false;
      ++p_;
    }
    if (p_ >= end_) return false;
    key = std::string_view(s, static_cast<size_t>(p_ - s));
    ++p_;
    return Eat(':');
  }

  bool String(std::string& out) {
    Ws();
    if (p_ >= end_ || *p_ != '"') return false;
    ++p_;
    out.clear();
    const char* run = p_;
    while (true) {
      if (p_ >= end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out.append(run, p_);
        ++p_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        out.append(run, p_);
        if (!Escape(out)) return false;
        run = p_;
        continue;
      }
      if (c < 0x80) {
        ++p_;
        continue;
      }
      const size_t n = Utf8SequenceLength(std::string_view(p_, static_cast<size_t>(end_ - p_)), 0);
      if (n == 0) return false;
      p_ += n;
    }
  }

  // An integer (no fraction, no exponent; "-0" left to the full decoder).
  bool Integer(int64_t& v) {
    std::string_view span;
    bool integral = false;
    if (!NumberSpan(span, integral) || !integral || span == "-0") return false;
    auto [p, ec] = std::from_chars(span.data(), span.data() + span.size(), v);
    return ec == std::errc() && p == span.data() + span.size();
  }
  bool Number(double& v) {
    std::string_view span;
    bool integral = false;
    if (!NumberSpan(span, integral)) return false;
    auto [p, ec] = std::from_chars(span.data(), span.data() + span.size(), v);
    return ec == std::errc() && p == span.data() + span.size() && std::isfinite(v);
  }
  bool Boolean(bool& v) {
    if (Literal("true")) {
      v = true;
      return true;
    }
    if (Literal("false")) {
      v = false;
      return true;
    }
    return false;
  }

  // Any JSON value; its text in `raw`.
  bool Value(std::string_view* raw, int depth = 0) {
    if (depth > kMaxSkipDepth) return false;
    Ws();
    const char* start = p_;
    if (p_ >= end_) return false;
    bool ok = false;
    std::string scratch;
    switch (*p_) {
      case '{': {
        ++p_;
        if (Eat('}')) {
          ok = true;
          break;
        }
        do {
          if (!String(scratch) || !Eat(':') || !Value(nullptr, depth + 1)) return false;
        } while (Eat(','));
        ok = Eat('}');
        break;
      }
      case '[': {
        ++p_;
        if (Eat(']')) {
          ok = true;
          break;
        }
        do {
          if (!Value(nullptr, depth + 1)) return false;
        } while (Eat(','));
        ok = Eat(']');
        break;
      }
      case '"':
        ok = String(scratch);
        break;
      case 't':
        ok = Literal("true");
        break;
      case 'f':
        ok = Literal("false");
        break;
      case 'n':
        ok = Literal("null");
        break;
      default: {
        std::string_view span;
        bool integral = false;
        ok = NumberSpan(span, integral);
      }
    }
    if (ok && raw != nullptr) *raw = std::string_view(start, static_cast<size_t>(p_ - start));
    return ok;
  }

 private:
  static bool Digit(char c) { return c >= '0' && c <= '9'; }

  bool NumberSpan(std::string_view& span, bool& integral) {
    Ws();
    const char* s = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ >= end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && Digit(*p_)) ++p_;
    } else {
      return false;
    }
    integral = true;
    if (p_ < end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (p_ >= end_ || !Digit(*p_)) return false;
      while (p_ < end_ && Digit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ >= end_ || !Digit(*p_)) return false;
      while (p_ < end_ && Digit(*p_)) ++p_;
    }
    span = std::string_view(s, static_cast<size_t>(p_ - s));
    return true;
  }

  // After a backslash: the escape, appended; surrogates and NUL are left to the full decoder.
  bool Escape(std::string& out) {
    ++p_;  // the backslash
    if (p_ >= end_) return false;
    const char e = *p_++;
    switch (e) {
      case '"':
        out += '"';
        return true;
      case '\\':
        out += '\\';
        return true;
      case '/':
        out += '/';
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'u': {
        if (end_ - p_ < 4) return false;
        uint32_t cp = 0;
        for (int i = 0; i < 4; ++i) {
          const char h = *p_++;
          cp <<= 4;
          if (h >= '0' && h <= '9') {
            cp |= static_cast<uint32_t>(h - '0');
          } else if (h >= 'a' && h <= 'f') {
            cp |= static_cast<uint32_t>(h - 'a' + 10);
          } else if (h >= 'A' && h <= 'F') {
            cp |= static_cast<uint32_t>(h - 'A' + 10);
          } else {
            return false;
          }
        }
        if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          out += static_cast<char>(0xC0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          out += static_cast<char>(0xE0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        return true;
      }
      default:
        return false;
    }
  }

  const char* p_;
  const char* end_;
};

// Members seen in an object: each at most once, all of them by the end.
class Members {
 public:
  // `names` must outlive this object (static arrays).
  explicit Members(std::span<const std::string_view> names) : names_(names) {}
  // The index of `key`, marking it seen; -1 when unknown or repeated.
  int Take(std::string_view key) {
    int i = 0;
    for (std::string_view n : names_) {
      if (n == key) {
        const uint64_t bit = uint64_t{1} << i;
        if (seen_ & bit) return -1;
        seen_ |= bit;
        return i;
      }
      ++i;
    }
    return -1;
  }
  bool Complete(uint64_t optional = 0) const {
    const uint64_t all = (uint64_t{1} << names_.size()) - 1;
    return (seen_ | optional) == all;
  }
  bool Has(int i) const { return (seen_ >> i) & 1; }

 private:
  std::span<const std::string_view> names_;
  uint64_t seen_ = 0;
};

// Reads an object member by member with `member(key)`.
template <typename F>
bool Object(Scanner& sc, F&& member) {
  if (!sc.Eat('{')) return false;
  if (sc.Eat('}')) return true;
  do {
    std::string_view key;
    if (!sc.Name(key) || !member(key)) return false;
  } while (sc.Eat(','));
  return sc.Eat('}');
}

// Reads an array of at most `max` items with `item()`.
template <typename F>
bool Array(Scanner& sc, size_t max, F&& item) {
  if (!sc.Eat('[')) return false;
  if (sc.Eat(']')) return true;
  size_t n = 0;
  do {
    if (++n > max || !item()) return false;
  } while (sc.Eat(','));
  return sc.Eat(']');
}

inline bool IntIn(Scanner& sc, int64_t min, int64_t max, int64_t& v) {
  return sc.Integer(v) && v >= min && v <= max;
}
template <typename T>
inline bool IntIn(Scanner& sc, int64_t min, int64_t max, T& out) {
  int64_t v = 0;
  if (!IntIn(sc, min, max, v)) return false;
  out = static_cast<T>(v);
  return true;
}

inline bool TimeValue(Scanner& sc, Timestamp& t) {
  std::string s;
  if (!sc.String(s)) return false;
  auto parsed = ParseRfc3339(s);
  if (!parsed) return false;
  t = *parsed;
  return true;
}

inline bool NullableTime(Scanner& sc, std::optional<Timestamp>& t) {
  if (sc.Null()) {
    t.reset();
    return true;
  }
  Timestamp v{};
  if (!TimeValue(sc, v)) return false;
  t = v;
  return true;
}

// A string-keyed object of strings or settings, keys read as strings (escapes and UTF-8
// checked like values); a repeated key fails, as in the strict parser.
template <typename F>
bool KeyedObject(Scanner& sc, F&& member) {
  if (!sc.Eat('{')) return false;
  if (sc.Eat('}')) return true;
  do {
    std::string key;
    if (!sc.String(key) || !sc.Eat(':') || !member(std::move(key))) return false;
  } while (sc.Eat(','));
  return sc.Eat('}');
}

// A string naming a value of T (`parse`: its name -> T, nullopt when unknown).
template <typename T>
bool NamedValue(Scanner& sc, std::optional<T> (*parse)(std::string_view), T& out) {
  std::string name;
  if (!sc.String(name)) return false;
  std::optional<T> v = parse(name);
  if (!v) return false;
  out = *v;
  return true;
}

}  // namespace secplat::adapters::json::internal::scan

#endif  // SECPLAT_ADAPTERS_JSON_INTERNAL_SCANNER_H_
