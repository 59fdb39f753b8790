#include "log/logger.h"

#include <atomic>
#include <chrono>
#include <mutex>

#include "core/common/time.h"

namespace secplat::log {
namespace {

struct State {
  std::mutex mu;
  std::string service = "secplat";
  std::FILE* out = nullptr;
  std::atomic<int> min_level{static_cast<int>(Level::kInfo)};
};

State& GetState() {
  static State* state = new State();  // never destroyed: logging may run during static teardown
  return *state;
}

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid.
size_t Utf8Length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else
    return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

}  // namespace

std::optional<Level> ParseLevel(std::string_view s) {
  if (s == "debug") return Level::kDebug;
  if (s == "info") return Level::kInfo;
  if (s == "warn") return Level::kWarn;
  if (s == "error") return Level::kError;
  return std::nullopt;
}

void Init(std::string_view service, Level min_level, std::FILE* out) {
  State& st = GetState();
  std::lock_guard lock(st.mu);
  st.service = std::string(service);
  st.out = out;
  st.min_level = static_cast<int>(min_level);
}

void SetLevel(Level min_level) { GetState().min_level = static_cast<int>(min_level); }

bool Enabled(Level level) { return static_cast<int>(level) >= GetState().min_level.load(); }

void AppendJsonString(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = Utf8Length(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

void Write(Level level, std::string_view message, const Fields& f) {
  if (!Enabled(level)) return;
  State& st = GetState();
  auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  std::string line;
  line.reserve(256 + message.size());
  line += "{\"timestamp\":\"";
  line += FormatRfc3339(now);
  line += "\",\"level\":\"";
  line += LevelName(level);
  line += "\",\"service\":";
  {
    std::lock_guard lock(st.mu);
    AppendJsonString(line, st.service);
  }
  line += ",\"request_id\":";
  AppendJsonString(line, f.request_id);
  line += ",\"asset_key\":";
  AppendJsonString(line, f.asset_key);
  line += ",\"action\":";
  AppendJsonString(line, f.action);
  line += ",\"status\":";
  AppendJsonString(line, f.status);
  line += ",\"message\":";
  AppendJsonString(line, message);
  for (const auto& [k, v] : f.extra) {
    line.push_back(',');
    AppendJsonString(line, k);
    line.push_back(':');
    AppendJsonString(line, v);
  }
  line += "}\n";
  std::lock_guard lock(st.mu);
  std::FILE* out = st.out ? st.out : stdout;
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

}  // namespace secplat::log
