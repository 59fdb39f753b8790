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
