#include "core/common/time.h"

#include <algorithm>
#include <cstdio>

namespace secplat {
namespace {

bool ReadDigits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

Unexpected Bad(std::string_view text, const char* why) {
  std::string shown(text.substr(0, 64));
  return Unexpected(ErrorCode::kInvalidArgument,
                    "invalid RFC 3339 timestamp '" + shown + "': " + why);
}

}  // namespace

void AppendRfc3339(std::string& out, Timestamp t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const int y = static_cast<int>(ymd.year());
  const hh_mm_ss<milliseconds> hms{duration_cast<milliseconds>(t - day)};
  if (y < 0 || y > 9999) {  // rare: snprintf keeps the sign and every digit
    char buf[48];
    const int n = std::snprintf(
        buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y,
        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
        static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
        static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
    out.append(buf, static_cast<size_t>(std::clamp(n, 0, static_cast<int>(sizeof(buf)) - 1)));
    return;
  }
  char buf[24];
  auto two = [](char* p, unsigned v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  buf[0] = static_cast<char>('0' + y / 1000);
  buf[1] = static_cast<char>('0' + y / 100 % 10);
  buf[2] = static_cast<char>('0' + y / 10 % 10);
  buf[3] = static_cast<char>('0' + y % 10);
  buf[4] = '-';
  two(buf + 5, static_cast<unsigned>(ymd.month()));
  buf[7] = '-';
  two(buf + 8, static_cast<unsigned>(ymd.day()));
  buf[10] = 'T';
  two(buf + 11, static_cast<unsigned>(hms.hours().count()));
  buf[13] = ':';
  two(buf + 14, static_cast<unsigned>(hms.minutes().count()));
  buf[16] = ':';
  two(buf + 17, static_cast<unsigned>(hms.seconds().count()));
  buf[19] = '.';
  const auto ms = static_cast<unsigned>(hms.subseconds().count());
  buf[20] = static_cast<char>('0' + ms / 100);
  buf[21] = static_cast<char>('0' + ms / 10 % 10);
  buf[22] = static_cast<char>('0' + ms % 10);
  buf[23] = 'Z';
  out.append(buf, sizeof buf);
}

std::string FormatRfc3339(Timestamp t) {
  std::string out;
  out.reserve(24);
  AppendRfc3339(out, t);
  return out;
}

Result<Timestamp> ParseRfc3339(std::string_view s) {
  using namespace std::chrono;
  int y, mo, d, h, mi, sec;
  if (s.size() < 20) return Bad(s, "too short");
  if (!ReadDigits(s, 0, 4, &y) || s[4] != '-' || !ReadDigits(s, 5, 2, &mo) || s[7] != '-' ||
      !ReadDigits(s, 8, 2, &d))
    return Bad(s, "date must be YYYY-MM-DD");
  if (s[10] != 'T' && s[10] != 't') return Bad(s, "expected 'T' between date and time");
  if (!ReadDigits(s, 11, 2, &h) || s[13] != ':' || !ReadDigits(s, 14, 2, &mi) || s[16] != ':' ||
      !ReadDigits(s, 17, 2, &sec))
    return Bad(s, "time must be HH:MM:SS");
  if (mo < 1 || mo > 12) return Bad(s, "month out of range");
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return Bad(s, "day out of range");
  if (h > 23 || mi > 59 || sec > 60) return Bad(s, "time out of range");
  if (sec == 60) sec = 59;  // leap second: clamp, we keep millisecond UTC without leap seconds
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (scale > 0) millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return Bad(s, "empty fraction");
    if (pos - start > 9) return Bad(s, "fraction longer than 9 digits");
  }
  if (pos >= s.size()) return Bad(s, "missing UTC offset ('Z' or +HH:MM)");
  int offset_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!ReadDigits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ReadDigits(s, pos + 4, 2, &om))
      return Bad(s, "offset must be +HH:MM or -HH:MM");
    if (oh > 23 || om > 59) return Bad(s, "offset out of range");
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return Bad(s, "missing UTC offset ('Z' or +HH:MM)");
  }
  if (pos != s.size()) return Bad(s, "trailing characters");
  Timestamp t = time_point_cast<milliseconds>(sys_days{ymd}) + hours{h} + minutes{mi} +
                seconds{sec} + milliseconds{millis} - minutes{offset_minutes};
  return t;
}

}  // namespace secplat
