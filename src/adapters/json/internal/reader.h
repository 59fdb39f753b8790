// Internal to adapters/json: the strict parser (depth pre-scan, SAX with duplicate-key and NUL
// detection) and ObjectReader, which reads typed fields and names them in errors. Never include
// this outside src/adapters/json: it exposes nlohmann types.
#ifndef SECPLAT_ADAPTERS_JSON_INTERNAL_READER_H_
#define SECPLAT_ADAPTERS_JSON_INTERNAL_READER_H_

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/common/time.h"

namespace secplat::adapters::json::internal {

using Json = nlohmann::json;
using OJson = nlohmann::ordered_json;

// Parses untrusted text into a Json value. Rejects, with kInvalidArgument: an empty body
// ("body: must not be empty"), nesting deeper than kMaxDepth (checked by a byte scan before the
// parser runs), malformed JSON ("body: invalid JSON at byte N: ..."), duplicate object keys
// ("<path>: duplicate key") and NUL characters in strings or keys ("<path>: must not contain NUL
// characters"). Never throws.
Result<Json> ParseStrict(std::string_view body);

// The canonical text of a parsed value: compact, object keys sorted (nlohmann::json's map).
std::string CanonicalDump(const Json& value);

// Serialises an encoder's output: compact, invalid UTF-8 replaced by U+FFFD. Never throws.
std::string Dump(const OJson& value);

// Stored JSON text embedded into an encoder's output: null when empty; the parsed value when it
// parses (depth-checked); otherwise the text as a JSON string, so output stays valid JSON.
OJson Embed(std::string_view stored_json);

// Optional timestamp as RFC 3339 or null.
OJson TimeOrNull(const std::optional<Timestamp>& t);

// Reads the fields of one JSON object, naming them by path in every error.
class ObjectReader {
 public:
  // Errors: "<path>: must be an object" ("body: must be a JSON object" for the body).
  static Result<ObjectReader> Open(const Json& value, std::string path);

  const std::string& path() const { return path_; }
  bool empty() const { return object_->empty(); }
  bool Has(std::string_view key) const;
  // The path of a member, e.g. "labels.team".
  std::string PathOf(std::string_view key) const;
  // The member or nullptr.
  const Json* Find(std::string_view key) const;

  // First member (in key order) outside `allowed`: "<path>: unknown field".
  Status OnlyKnown(std::initializer_list<std::string_view> allowed) const;

  // Absent: "<key>: required". Wrong type: "<key>: must be a string".
  Result<std::string> RequiredString(std::string_view key) const;
  Result<std::optional<std::string>> OptionalString(std::string_view key) const;
  // Integers only (no fractions, no floats); "<key>: must be an integer" for other types and
  // "<key>: must be an integer between <min> and <max>" for floats and out-of-range values.
  Result<std::optional<int64_t>> OptionalInt(std::string_view key, int64_t min, int64_t max) const;
  Result<std::optional<bool>> OptionalBool(std::string_view key) const;
  // RFC 3339 ("<key>: invalid RFC 3339 timestamp '...': why").
  Result<std::optional<Timestamp>> OptionalTimestamp(std::string_view key) const;
  // A JSON object, returned as canonical text ("<key>: must be an object").
  Result<std::optional<std::string>> OptionalObjectText(std::string_view key) const;
  // An enum by name: "<key>: must be one of <names>".
  template <typename E, typename ParseFn>
  Result<std::optional<E>> OptionalEnum(std::string_view key, ParseFn parse,
                                        std::string_view names) const {
    SECPLAT_ASSIGN_OR_RETURN(auto s, OptionalString(key));
    if (!s) return std::optional<E>();
    std::optional<E> v = parse(*s);
    if (!v) return Fail(key, "must be one of " + std::string(names));
    return v;
  }
  template <typename E, typename ParseFn>
  Result<E> RequiredEnum(std::string_view key, ParseFn parse, std::string_view names) const {
    if (!Has(key)) return Fail(key, "required");
    SECPLAT_ASSIGN_OR_RETURN(std::optional<E> v, OptionalEnum<E>(key, parse, names));
    return *v;
  }

  // "<path of key>: <why>" as kInvalidArgument.
  Unexpected Fail(std::string_view key, std::string_view why) const;

 private:
  ObjectReader(const Json* object, std::string path) : object_(object), path_(std::move(path)) {}
  const Json* object_;
  std::string path_;
};

// "<path>: <why>" as kInvalidArgument; "body" for the empty path.
Unexpected FailAt(std::string_view path, std::string_view why);

// Prefixes the message of `error` with `prefix` + "." (or replaces a leading "body"): used to
// place a nested decoder's or validator's error, e.g. "severity: ..." -> "findings[3].severity:
// ...".
Error Nest(std::string_view prefix, Error error);

}  // namespace secplat::adapters::json::internal

#endif  // SECPLAT_ADAPTERS_JSON_INTERNAL_READER_H_
