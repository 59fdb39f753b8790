#include "config/config.h"

#include <array>
#include <charconv>
#include <filesystem>
#include <ostream>

namespace secplat::config {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t millis;
};

// Largest first, so FormatDuration picks the coarsest exact unit.
constexpr std::array<Unit, 5> kUnits = {{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
    {"ms", 1},
}};

constexpr int64_t kMaxDurationMillis = 365 * 86'400'000LL;

}  // namespace

std::ostream& operator<<(std::ostream& out, const Secret&) { return out << kRedacted; }

Result<Duration> ParseDuration(std::string_view text) {
  auto bad = [&] {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "invalid duration \"" + std::string(text.substr(0, 64)) +
                          "\": want a positive integer and a unit (ms, s, m, h, d), at most 365d");
  };
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 12) return bad();  // 12 digits of ms already exceed 365d.
  std::string_view unit = text.substr(digits);
  int64_t count = 0;
  std::from_chars(text.data(), text.data() + digits, count);
  for (const Unit& u : kUnits) {
    if (unit != u.suffix) continue;
    if (count == 0 || count > kMaxDurationMillis / u.millis) return bad();
    return Duration(count * u.millis);
  }
  return bad();
}

std::string FormatDuration(Duration d) {
  int64_t ms = d.count();
  if (ms == 0) return "0ms";
  for (const Unit& u : kUnits) {
    if (ms % u.millis == 0) return std::to_string(ms / u.millis) + std::string(u.suffix);
  }
  return std::to_string(ms) + "ms";
}

std::string EffectiveDatabaseUrl(const StorageConfig& storage) {
  if (!storage.database_url.empty()) return storage.database_url;
  return "sqlite:" + (std::filesystem::path(storage.data_dir) / "secplat.db").string();
}

std::string EmbeddedQueueDir(const Config& config) {
  return (std::filesystem::path(config.storage.data_dir) / "queue").string();
}

}  // namespace secplat::config
