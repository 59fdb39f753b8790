// Audit log entry: append-only record of every state change (who, what, before, after).
#ifndef SECPLAT_CORE_MODEL_AUDIT_H_
#define SECPLAT_CORE_MODEL_AUDIT_H_

#include <cstdint>
#include <string>

#include "core/common/time.h"

namespace secplat::core::model {

struct AuditEntry {
  int64_t id = 0;
  Timestamp ts{};
  std::string actor;        // Actor::Display()
  std::string action;       // e.g. "asset.create", "finding.accept", "token.revoke"
  std::string target;       // e.g. "asset:web-1"
  std::string before_json;  // empty: nothing before (create)
  std::string after_json;   // empty: nothing after (hard delete; unused today)
  std::string request_id;
};

}  // namespace secplat::core::model

#endif  // SECPLAT_CORE_MODEL_AUDIT_H_
