#include "adapters/notify/payload.h"

#include <nlohmann/json.hpp>

namespace secplat::adapters::notify {

Result<std::map<std::string, std::string>> DecodeScalarPayload(std::string_view payload_json) {
  std::map<std::string, std::string> out;
  if (payload_json.empty()) return out;
  // Envelopes reach the notifier already depth-checked and canonicalised by the API; parse
  // without exceptions anyway (a queue message is untrusted input).
  const nlohmann::json j = nlohmann::json::parse(payload_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Unexpected(ErrorCode::kInvalidArgument, "payload: invalid JSON");
  if (!j.is_object()) {
    return Unexpected(ErrorCode::kInvalidArgument, "payload: must be a JSON object");
  }
  for (const auto& [key, value] : j.items()) {
    if (value.is_string()) {
      out.emplace(key, value.get<std::string>());
    } else if (value.is_boolean()) {
      out.emplace(key, value.get<bool>() ? "true" : "false");
    } else if (value.is_number()) {
      out.emplace(key, value.dump());
    }
  }
  return out;
}

}  // namespace secplat::adapters::notify
