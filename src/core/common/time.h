// Timestamp and Duration, and strict RFC 3339 formatting and parsing. Pure: nothing here
// reads a clock; `now` is always passed in (see clock.h for the interface service loops use).
//
//   Timestamp t = FromUnixMillis(1764358200123);
//   EXPECT_EQ(FormatRfc3339(t), "2025-11-28T19:30:00.123Z");
//   EXPECT_EQ(*ParseRfc3339("2025-11-28T20:30:00.123+01:00"), t);
#ifndef SECPLAT_CORE_COMMON_TIME_H_
#define SECPLAT_CORE_COMMON_TIME_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace secplat {

using Duration = std::chrono::milliseconds;
using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

inline Timestamp FromUnixMillis(int64_t ms) { return Timestamp(Duration(ms)); }
inline int64_t ToUnixMillis(Timestamp t) { return t.time_since_epoch().count(); }

// "YYYY-MM-DDTHH:MM:SS.mmmZ", always UTC with milliseconds. Years outside 0..9999 keep their
// sign and digits ("%04d": "-0001-…", "10000-…").
std::string FormatRfc3339(Timestamp t);
// Appends FormatRfc3339(t) to `out` (no allocation beyond out's growth: the encoders' path).
void AppendRfc3339(std::string& out, Timestamp t);

// Accepts RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)"; 'T'/'t' and
// 'Z'/'z' in either case. Fractions beyond milliseconds are truncated. Rejects anything else
// (out-of-range fields, missing offset, trailing text) with kInvalidArgument.
Result<Timestamp> ParseRfc3339(std::string_view text);

}  // namespace secplat

#endif  // SECPLAT_CORE_COMMON_TIME_H_
