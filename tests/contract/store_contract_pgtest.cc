// The store contract suite (store_contract.h) on PgStore, against a PostgreSQL 15 server that
// the test binary starts itself (pg_store_factory.h).
#include <gtest/gtest.h>

#include "tests/contract/pg_store_factory.h"

namespace secplat::testing {
using StoreFactories = ::testing::Types<PgStoreFactory>;
}  // namespace secplat::testing

#include "tests/contract/store_contract.h"  // IWYU pragma: keep
