// The notification store contract suite (notification_store_contract.h) on PgStore, against a
// PostgreSQL 15 server that the test binary starts itself (pg_store_factory.h).
#include <gtest/gtest.h>

#include "tests/contract/pg_store_factory.h"

namespace secplat::testing {
using NotificationStoreFactories = ::testing::Types<PgStoreFactory>;
}  // namespace secplat::testing

#include "tests/contract/notification_store_contract.h"  // IWYU pragma: keep
