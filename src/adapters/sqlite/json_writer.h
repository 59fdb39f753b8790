// A small JSON text builder for audit_log before/after columns, so the SQLite adapter links
// sqlite3 alone. Output is always valid JSON: strings are escaped per RFC 8259 and invalid
// UTF-8 is replaced by U+FFFD; raw fragments are embedded only when they are valid JSON.
//
//   JsonWriter w;
//   w.BeginObject().Key("name").String("a\"b").Key("n").Int(2).EndObject();
//   EXPECT_EQ(w.str(), R"({"name":"a\"b","n":2})");
#ifndef SECPLAT_ADAPTERS_SQLITE_JSON_WRITER_H_
#define SECPLAT_ADAPTERS_SQLITE_JSON_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/json_string.h"
#include "core/common/time.h"

namespace secplat::adapters::sqlite {

// True when `text` is one complete JSON value (RFC 8259), nesting at most 64 deep.
bool IsValidJson(std::string_view text);
// True when `text` is one valid JSON value that starts with `open` ('{': an object, '[': an
// array) after any whitespace.
bool IsJsonOf(std::string_view text, char open);

// The shared escaper (core/common/json_string.h).
using ::secplat::AppendJsonString;

// Builds one JSON value left to right; commas are inserted automatically. The caller keeps
// BeginX/EndX balanced. Not thread-safe.
class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view s);
  JsonWriter& Int(int64_t v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // RFC 3339 text (FormatRfc3339), or null for nullopt.
  JsonWriter& Time(Timestamp t);
  JsonWriter& Time(const std::optional<Timestamp>& t);
  // Embeds `json` as is when IsValidJson(json); otherwise as a JSON string; "" as null.
  JsonWriter& RawOrString(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void Separate();

  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace secplat::adapters::sqlite

#endif  // SECPLAT_ADAPTERS_SQLITE_JSON_WRITER_H_
