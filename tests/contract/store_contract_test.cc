// The store contract suite (store_contract.h) on SqliteStore.
#include <gtest/gtest.h>

#include "tests/contract/sqlite_store_factory.h"

namespace secplat::testing {
using StoreFactories = ::testing::Types<SqliteStoreFactory>;
}  // namespace secplat::testing

#include "tests/contract/store_contract.h"  // IWYU pragma: keep
