// API tokens and roles. A token is shown once ("spt_<id>_<secret>"); the store keeps only the
// SHA-256 of the secret. Roles are ordered viewer < analyst < admin; service is a separate
// machine identity (see core/auth/authorize.h for what each may do).
#ifndef SECPLAT_CORE_MODEL_AUTH_H_
#define SECPLAT_CORE_MODEL_AUTH_H_

#include <optional>
#include <string>

#include "core/common/time.h"

namespace secplat::core::model {

enum class Role { kViewer, kAnalyst, kAdmin, kService };

std::string_view RoleName(Role r);
std::optional<Role> ParseRole(std::string_view s);

struct ApiToken {
  std::string id;    // public part, 16 hex chars; unique
  std::string name;  // human label, unique among active tokens is not required
  Role role = Role::kViewer;
  std::string secret_hash;  // hex SHA-256 of the secret part
  std::string created_by;
  Timestamp created_at{};
  std::optional<Timestamp> revoked_at;
};

// Who is acting: recorded on every write (audit_log.actor).
struct Actor {
  std::string token_id;
  std::string name;
  Role role = Role::kViewer;
  // "token:<name>/<id>" for API callers, "cli" for secplat commands run on the host.
  std::string Display() const;
};

}  // namespace secplat::core::model

#endif  // SECPLAT_CORE_MODEL_AUTH_H_
