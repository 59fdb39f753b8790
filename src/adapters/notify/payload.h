// The scalar members of an event payload (the envelope's `payload` JSON object), for the
// notifier, which maps posture.changed / incident.* / alert.* payloads onto a NotifyEvent
// without linking a JSON library itself.
//
//   auto p = DecodeScalarPayload(R"({"from":"up","to":"down","score":40,"x":{"y":1}})");
//   // *p == {{"from","up"},{"score","40"},{"to","down"}}: nested values and nulls are left out
#ifndef SECPLAT_ADAPTERS_NOTIFY_PAYLOAD_H_
#define SECPLAT_ADAPTERS_NOTIFY_PAYLOAD_H_

#include <map>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace secplat::adapters::notify {

// Members of the top-level object whose values are strings (as is), numbers (their JSON text)
// or booleans ("true" / "false"); null, objects and arrays are left out. An empty text is an
// empty map. Errors: kInvalidArgument ("payload: invalid JSON", "payload: must be a JSON
// object"). Never throws.
Result<std::map<std::string, std::string>> DecodeScalarPayload(std::string_view payload_json);

}  // namespace secplat::adapters::notify

#endif  // SECPLAT_ADAPTERS_NOTIFY_PAYLOAD_H_
