// TokenStore: API tokens (hashes only) and the audit log reader.
#ifndef SECPLAT_PORTS_STORE_TOKEN_STORE_H_
#define SECPLAT_PORTS_STORE_TOKEN_STORE_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/model/audit.h"
#include "core/model/auth.h"
#include "ports/store/common.h"

namespace secplat::ports::store {

class TokenStore {
 public:
  virtual ~TokenStore() = default;
  // Stores `token` (id must be unique). Errors: kConflict, kUnavailable.
  virtual Status CreateToken(const core::model::ApiToken& token, const WriteContext& ctx) = 0;
  // Includes revoked tokens (the caller checks revoked_at). Errors: kNotFound, kUnavailable.
  virtual Result<core::model::ApiToken> FindToken(std::string_view id) = 0;
  // Every token, revoked ones included, ordered by creation. Errors: kUnavailable.
  virtual Result<std::vector<core::model::ApiToken>> ListTokens() = 0;
  // Sets revoked_at; revoking twice is not an error. Errors: kNotFound, kUnavailable.
  virtual Status RevokeToken(std::string_view id, const WriteContext& ctx) = 0;
  // Number of active (not revoked) tokens with role admin. Errors: kUnavailable.
  virtual Result<int64_t> CountActiveAdmins() = 0;
};

class AuditReader {
 public:
  virtual ~AuditReader() = default;
  // Appends an entry for a person's action on something outside the store (a dead-letter
  // replay, a queue purge). Store writes record their own entries; this is for the rest.
  // `entry.id` is assigned. Errors: kInvalidArgument (empty actor or action), kUnavailable.
  virtual Status AppendAudit(const core::model::AuditEntry& entry) = 0;
  // Newest last, ordered by id. Errors: kUnavailable.
  virtual Result<Page<core::model::AuditEntry>> ListAudit(const PageRequest& page) = 0;
};

// Liveness of the backing database, for /readyz.
class StoreHealth {
 public:
  virtual ~StoreHealth() = default;
  virtual Status Ping() = 0;
};

}  // namespace secplat::ports::store

#endif  // SECPLAT_PORTS_STORE_TOKEN_STORE_H_
