// Internal to src/config: the one table of known keys. Parse() decodes through it,
// environment variable names are derived from it, and DumpEffective() prints from it, so a key
// cannot be added to one without the others. Not for use outside src/config and its tests.
#ifndef SECPLAT_CONFIG_FIELDS_H_
#define SECPLAT_CONFIG_FIELDS_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace secplat::config::internal {

// A value as written, before decoding: a YAML node's shape and text, or an environment value
// (always a scalar).
struct RawValue {
  enum class Kind { kScalar, kNull, kSequence, kMapping };
  Kind kind = Kind::kScalar;
  std::string text;  // Set for kScalar.
  bool from_env = false;
};

// One key, e.g. server.port.
struct Field {
  std::string_view section;
  std::string_view key;
  // Secrets may only be set from the environment; a non-empty value in the file is a problem.
  bool secret = false;
  // Decodes `value` into `config`; returns the problem message (without the path) if invalid,
  // leaving `config` unchanged. Never throws.
  std::function<std::optional<std::string>(Config& config, const RawValue& value)> assign;
  // The value as a YAML scalar, secrets redacted.
  std::function<std::string(const Config& config)> dump;
};

// A secret and the key naming a file to read it from (platform.token, platform.token_file).
struct SecretSlot {
  std::string_view section;
  std::string_view key;       // "token"
  std::string_view file_key;  // "token_file"
  Secret& (*secret)(Config&);
  std::string& (*file)(Config&);
};

// Every known key, sections in file order and keys in struct order.
const std::vector<Field>& Fields();
// "server", "storage", "queue", "log", "platform", "auth".
const std::vector<std::string_view>& Sections();
const std::vector<SecretSlot>& SecretSlots();

// SECPLAT_<SECTION>_<KEY> upper-cased.
std::string EnvName(std::string_view section, std::string_view key);

// A YAML/JSON-style double-quoted string; control bytes escaped.
std::string Quote(std::string_view text);

// `text` quoted for a problem message, cut at 64 bytes ("..." appended).
std::string QuoteForMessage(std::string_view text);

// A URL with any password (userinfo after ':' or a password= query parameter) replaced by
// "<secret>". Text that is not a URL but holds '@' loses everything before the last '@'.
std::string RedactUrl(std::string_view url);

}  // namespace secplat::config::internal

#endif  // SECPLAT_CONFIG_FIELDS_H_
