// Shared types for the storage ports: who is writing (recorded in audit_log) and pagination.
#ifndef SECPLAT_PORTS_STORE_COMMON_H_
#define SECPLAT_PORTS_STORE_COMMON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/common/time.h"

namespace secplat::ports::store {

// Passed to every write. The store records one audit_log row with these values in the same
// transaction as the change itself, so a change without its audit row cannot exist.
struct WriteContext {
  std::string actor;       // core::model::Actor::Display()
  std::string request_id;  // the X-Request-Id of the request that caused the write
  Timestamp now{};         // the time written as created_at/updated_at
};

// Keyset pagination: `after` is the last id of the previous page (0: from the start).
// Cursors are opaque to API clients (the API encodes them); stores only see the id.
struct PageRequest {
  int64_t after = 0;
  int limit = 100;  // callers clamp to [1, 1000]
};

template <typename T>
struct Page {
  std::vector<T> items;
  int64_t next_after = 0;  // 0: no further page
};

}  // namespace secplat::ports::store

#endif  // SECPLAT_PORTS_STORE_COMMON_H_
