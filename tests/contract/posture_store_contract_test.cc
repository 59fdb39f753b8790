// The posture store contract suite (posture_store_contract.h) on SqliteStore.
#include <gtest/gtest.h>

#include "tests/contract/sqlite_store_factory.h"

namespace secplat::testing {
using PostureStoreFactories = ::testing::Types<SqliteStoreFactory>;
}  // namespace secplat::testing

#include "tests/contract/posture_store_contract.h"  // IWYU pragma: keep
