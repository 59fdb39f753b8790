// The notification store contract suite (notification_store_contract.h) on SqliteStore.
#include <gtest/gtest.h>

#include "tests/contract/sqlite_store_factory.h"

namespace secplat::testing {
using NotificationStoreFactories = ::testing::Types<SqliteStoreFactory>;
}  // namespace secplat::testing

#include "tests/contract/notification_store_contract.h"  // IWYU pragma: keep
