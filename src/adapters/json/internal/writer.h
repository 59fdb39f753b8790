// Internal to adapters/json: pieces of a direct JSON writer, for the documents written without
// a DOM (posture_fast.cc, notification_writer.cc). Each appends to `out` exactly what
// internal::Dump writes for the same value of an nlohmann object: member names are plain
// ASCII written as given, strings through AppendJsonString (nlohmann's escapes, bad UTF-8
// replaced), times as FormatRfc3339.
//
//   std::string out = "{";
//   writer::Key(out, "id", /*first=*/true);
//   writer::Str(out, id);
//   out += '}';
#ifndef SECPLAT_ADAPTERS_JSON_INTERNAL_WRITER_H_
#define SECPLAT_ADAPTERS_JSON_INTERNAL_WRITER_H_

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/json_string.h"
#include "core/common/time.h"

namespace secplat::adapters::json::internal::writer {

// `"key":`, after a comma unless it is the object's first member.
inline void Key(std::string& out, std::string_view key, bool first = false) {
  if (!first) out += ',';
  out += '"';
  out += key;
  out += "\":";
}

inline void Str(std::string& out, std::string_view s) { AppendJsonString(out, s); }

inline void Int(std::string& out, int64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

inline void Bool(std::string& out, bool v) { out += v ? "true" : "false"; }

inline void Time(std::string& out, Timestamp t) {
  out += '"';
  AppendRfc3339(out, t);
  out += '"';
}

inline void TimeOrNull(std::string& out, const std::optional<Timestamp>& t) {
  if (t) {
    Time(out, *t);
  } else {
    out += "null";
  }
}

}  // namespace secplat::adapters::json::internal::writer

#endif  // SECPLAT_ADAPTERS_JSON_INTERNAL_WRITER_H_
