// Structured logging: one JSON object per line on stdout, with the fields every SecPlat role
// logs (timestamp, level, service, request_id, asset_key, action, status, message).
//
//   log::Init("api", log::Level::kInfo);
//   log::Info("finding stored", {.request_id = rid, .asset_key = "web-1",
//                                .action = "finding.upsert", .status = "created"});
//   // {"timestamp":"2026-11-28T19:30:00.123Z","level":"info","service":"api",
//   //  "request_id":"...","asset_key":"web-1","action":"finding.upsert","status":"created",
//   //  "message":"finding stored"}
//
// Never pass secrets (tokens, passwords, Authorization headers) in any field.
// Thread-safe: each line is written with one fwrite under a mutex.
#ifndef SECPLAT_LOG_LOGGER_H_
#define SECPLAT_LOG_LOGGER_H_

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/json_string.h"

namespace secplat::log {

enum class Level { kDebug, kInfo, kWarn, kError };

std::optional<Level> ParseLevel(std::string_view s);

struct Fields {
  std::string_view request_id;
  std::string_view asset_key;
  std::string_view action;
  std::string_view status;
  // Further key/value pairs, written as JSON strings after the standard fields.
  std::vector<std::pair<std::string_view, std::string>> extra;
};

// Sets the service name and minimum level for the process; `out` defaults to stdout.
void Init(std::string_view service, Level min_level, std::FILE* out = nullptr);
void SetLevel(Level min_level);
bool Enabled(Level level);

void Write(Level level, std::string_view message, const Fields& fields = {});
inline void Debug(std::string_view m, const Fields& f = {}) { Write(Level::kDebug, m, f); }
inline void Info(std::string_view m, const Fields& f = {}) { Write(Level::kInfo, m, f); }
inline void Warn(std::string_view m, const Fields& f = {}) { Write(Level::kWarn, m, f); }
inline void Error(std::string_view m, const Fields& f = {}) { Write(Level::kError, m, f); }

// The shared escaper (core/common/json_string.h).
using ::secplat::AppendJsonString;

}  // namespace secplat::log

#endif  // SECPLAT_LOG_LOGGER_H_
