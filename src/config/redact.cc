#include "config/redact.h"

#include "config/fields.h"

namespace secplat::config {

std::string DumpEffective(const Config& config) {
  std::string out = "# Effective SecPlat configuration; secrets are shown as <secret>.\n";
  std::string_view section;
  for (const internal::Field& field : internal::Fields()) {
    if (field.section != section) {
      section = field.section;
      out += std::string(section) + ":\n";
    }
    out += "  " + std::string(field.key) + ": " + field.dump(config) + "\n";
  }
  return out;
}

}  // namespace secplat::config
