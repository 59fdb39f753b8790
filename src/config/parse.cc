#include "config/parse.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <exception>
#include <optional>
#include <set>
#include <system_error>

#include "config/defaults.h"
#include "config/fields.h"

extern char** environ;  // NOLINT: POSIX global.

namespace secplat::config {
namespace {

using internal::Field;
using internal::RawValue;

constexpr size_t kMaxConfigBytes = 1 << 20;
constexpr size_t kMaxSecretBytes = 64 << 10;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsPlainName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-'))
      return false;
  }
  return true;
}

// A key as it appears in a path: bare when it is a plain name, quoted otherwise, so that a
// hostile key cannot forge a line of output.
std::string PathPart(std::string_view key) {
  return IsPlainName(key) ? std::string(key) : internal::QuoteForMessage(key);
}

const Field* FindField(std::string_view section, std::string_view key) {
  for (const Field& f : internal::Fields()) {
    if (f.section == section && f.key == key) return &f;
  }
  return nullptr;
}

bool IsSection(std::string_view name) {
  for (std::string_view s : internal::Sections()) {
    if (s == name) return true;
  }
  return false;
}

RawValue ToRaw(const YAML::Node& node) {
  RawValue v;
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      v.kind = RawValue::Kind::kScalar;
      v.text = node.Scalar();
      break;
    case YAML::NodeType::Sequence:
      v.kind = RawValue::Kind::kSequence;
      break;
    case YAML::NodeType::Map:
      v.kind = RawValue::Kind::kMapping;
      break;
    default:
      v.kind = RawValue::Kind::kNull;
  }
  return v;
}

void ApplySection(std::string_view section, const YAML::Node& node, Config& config,
                  std::vector<std::string>& problems) {
  if (node.IsNull()) return;  // "server:" with nothing under it: all defaults.
  if (!node.IsMap()) {
    problems.push_back(std::string(section) + ": must be a mapping");
    return;
  }
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      problems.push_back(std::string(section) + ": keys must be strings");
      continue;
    }
    const std::string& key = it->first.Scalar();
    std::string path = std::string(section) + "." + PathPart(key);
    if (!seen.insert(key).second) {
      problems.push_back(path + ": duplicate key");
      continue;
    }
    const Field* field = FindField(section, key);
    if (field == nullptr) {
      problems.push_back(path + ": unknown key");
      continue;
    }
    if (auto problem = field->assign(config, ToRaw(it->second))) {
      problems.push_back(path + ": " + *problem);
    }
  }
}

void ApplyYaml(std::string_view yaml_text, Config& config, std::vector<std::string>& problems) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) {
      problems.push_back("config: invalid YAML: " + e.msg);
    } else {
      problems.push_back("config: invalid YAML at line " + std::to_string(e.mark.line + 1) +
                         ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    return;
  }
  if (docs.size() > 1) {
    problems.push_back("config: must hold one YAML document, found " + std::to_string(docs.size()));
    return;
  }
  if (docs.empty() || docs[0].IsNull()) return;  // Empty or comments only: all defaults.
  const YAML::Node& root = docs[0];
  if (!root.IsMap()) {
    problems.push_back("config: must be a mapping");
    return;
  }
  std::set<std::string> seen;
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (!it->first.IsScalar()) {
      problems.push_back("config: keys must be strings");
      continue;
    }
    const std::string& name = it->first.Scalar();
    if (!seen.insert(name).second) {
      problems.push_back(PathPart(name) + ": duplicate section");
      continue;
    }
    if (!IsSection(name)) {
      problems.push_back(PathPart(name) + ": unknown section");
      continue;
    }
    ApplySection(name, it->second, config, problems);
  }
}

bool IsUpperName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

void ApplyEnvironment(const std::map<std::string, std::string>& env, Config& config,
                      std::vector<std::string>& problems) {
  for (const auto& [name, value] : env) {
    if (!StartsWith(name, "SECPLAT_")) continue;
    std::string_view rest = std::string_view(name).substr(8);
    size_t underscore = rest.find('_');
    if (underscore == std::string_view::npos) continue;
    std::string section = Lower(rest.substr(0, underscore));
    // Only upper-case section names count: SECPLAT_TEST_* and the like belong to others.
    if (!IsUpperName(rest.substr(0, underscore)) || !IsSection(section)) continue;
    std::string_view key = rest.substr(underscore + 1);
    const Field* field = IsUpperName(key) ? FindField(section, Lower(key)) : nullptr;
    if (field == nullptr) {
      if (IsUpperName(key)) {
        problems.push_back(name + " (" + section + "." + Lower(key) + "): unknown key");
      } else {
        problems.push_back(PathPart(name) +
                           ": unknown key; variables are named SECPLAT_<SECTION>_<KEY> in "
                           "upper case");
      }
      continue;
    }
    RawValue raw;
    raw.kind = RawValue::Kind::kScalar;
    raw.text = value;
    raw.from_env = true;
    if (auto problem = field->assign(config, raw)) {
      problems.push_back(name + " (" + section + "." + std::string(field->key) + "): " + *problem);
    }
  }
}

void Validate(Config& config, std::vector<std::string>& problems) {
  if (config.posture.flap_low_percent >= config.posture.flap_high_percent) {
    problems.push_back("posture.flap_low_percent: must be below posture.flap_high_percent (" +
                       std::to_string(config.posture.flap_low_percent) +
                       " >= " + std::to_string(config.posture.flap_high_percent) + ")");
  }
  for (const internal::SecretSlot& slot : internal::SecretSlots()) {
    if (!slot.secret(config).empty() && !slot.file(config).empty()) {
      std::string path = std::string(slot.section) + "." + std::string(slot.key);
      problems.push_back(path + ": set either " + internal::EnvName(slot.section, slot.key) +
                         " or " + std::string(slot.section) + "." + std::string(slot.file_key) +
                         ", not both");
    }
  }
}

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

// Reads at most `max_bytes`; nullopt + problem text on failure.
struct ReadOutcome {
  std::optional<std::string> bytes;
  std::string error;  // "cannot read: <strerror>" or "larger than N bytes".
};

ReadOutcome ReadCapped(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {std::nullopt, "cannot read: " + ErrnoText(errno)};
  std::string data;
  char buf[8192];
  ReadOutcome out;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      out.error = "cannot read: " + ErrnoText(errno);
      break;
    }
    if (n == 0) {
      out.bytes = std::move(data);
      break;
    }
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > max_bytes) {
      out.error = "larger than " + std::to_string(max_bytes) + " bytes";
      break;
    }
  }
  ::close(fd);
  return out;
}

void ReadSecretFiles(Config& config, std::vector<std::string>& problems) {
  for (const internal::SecretSlot& slot : internal::SecretSlots()) {
    const std::string& file = slot.file(config);
    // Nothing to read, or already reported as "set either ..., not both".
    if (file.empty() || !slot.secret(config).empty()) continue;
    std::string path = std::string(slot.section) + "." + std::string(slot.file_key);
    ReadOutcome r = ReadCapped(file, kMaxSecretBytes);
    if (!r.bytes.has_value()) {
      if (StartsWith(r.error, "cannot read: ")) {
        problems.push_back(path + ": cannot read " + file + ": " + r.error.substr(13));
      } else {
        problems.push_back(path + ": " + file + " is " + r.error);
      }
      continue;
    }
    std::string secret = std::move(*r.bytes);
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    if (secret.empty()) {
      problems.push_back(path + ": " + file + " is empty");
      continue;
    }
    slot.secret(config) = Secret(std::move(secret));
  }
}

}  // namespace

ParseResult Parse(std::string_view yaml_text, const std::map<std::string, std::string>& env) {
  ParseResult result{DefaultConfig(), {}};
  try {
    ApplyYaml(yaml_text, result.config, result.problems);
    ApplyEnvironment(env, result.config, result.problems);
    Validate(result.config, result.problems);
  } catch (const std::exception& e) {
    // yaml-cpp may throw from node access on inputs we did not foresee; never let it escape.
    result.problems.push_back(std::string("config: internal error while decoding: ") + e.what());
  }
  return result;
}

ParseResult Load(const std::string& path_or_empty, const std::map<std::string, std::string>& env) {
  std::vector<std::string> file_problems;
  std::string text;
  if (!path_or_empty.empty()) {
    ReadOutcome r = ReadCapped(path_or_empty, kMaxConfigBytes);
    if (r.bytes.has_value()) {
      text = std::move(*r.bytes);
    } else {
      file_problems.push_back(path_or_empty + ": " + r.error);
    }
  }
  ParseResult result = Parse(text, env);
  result.problems.insert(result.problems.begin(), file_problems.begin(), file_problems.end());
  try {
    ReadSecretFiles(result.config, result.problems);
  } catch (const std::exception& e) {
    result.problems.push_back(std::string("config: internal error while reading secrets: ") +
                              e.what());
  }
  return result;
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

}  // namespace secplat::config
