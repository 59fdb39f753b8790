// JSON string literals without a JSON library: the one escaper shared by the logger, the SQLite
// adapter's audit JSON and the outbox payloads.
//
//   std::string out;
//   AppendJsonString(out, "a\"b\n");   // out == R"("a\"b\n")"
#ifndef SECPLAT_CORE_COMMON_JSON_STRING_H_
#define SECPLAT_CORE_COMMON_JSON_STRING_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace secplat {

// Length of the valid UTF-8 sequence starting at s[i] (1..4), or 0 when it is invalid: overlong
// forms, surrogates and code points above U+10FFFF are invalid (RFC 3629). `i` < s.size().
size_t Utf8SequenceLength(std::string_view s, size_t i);

// Appends `s` to `out` as a quoted JSON string, escaped as nlohmann-json's dump does (", \, \b,
// \f, \n, \r, \t, other control characters as \u00xx). Each byte of invalid UTF-8 becomes
// U+FFFD, so the output is always valid JSON whatever the input.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace secplat

#endif  // SECPLAT_CORE_COMMON_JSON_STRING_H_
