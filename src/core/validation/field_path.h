// Field paths for error messages: "labels.team", "findings[3].severity", and for keys that are
// not plain identifiers a quoted, escaped form: labels["app.kubernetes.io/name"]. Shared by core
// validation and adapters/json so that both name a field the same way. Keys come from untrusted
// input, so they are escaped and truncated before they reach a message or a log line.
//
// From tests/core/validation/text_test.cc:
//   EXPECT_EQ(JoinPath("labels", "team"), "labels.team");
//   EXPECT_EQ(JoinPath(IndexPath("findings", 3), "severity"), "findings[3].severity");
//   EXPECT_EQ(FieldMessage("", "must be a JSON object"), "body: must be a JSON object");
#ifndef SECPLAT_CORE_VALIDATION_FIELD_PATH_H_
#define SECPLAT_CORE_VALIDATION_FIELD_PATH_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace secplat::core::validation {

// `parent` + "." + key, or just key when `parent` is empty. Keys that are not 1..64 characters
// of [A-Za-z0-9_-] are written as ["..."]: '"' and '\' backslash-escaped, bytes outside
// printable ASCII as \xNN, at most 64 input bytes then "...".
std::string JoinPath(std::string_view parent, std::string_view key);

// `parent` + "[" + index + "]".
std::string IndexPath(std::string_view parent, size_t index);

// "<path>: <message>"; the empty path is the whole body and is written "body".
std::string FieldMessage(std::string_view path, std::string_view message);

}  // namespace secplat::core::validation

#endif  // SECPLAT_CORE_VALIDATION_FIELD_PATH_H_
