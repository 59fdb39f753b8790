// The posture store contract suite (posture_store_contract.h) on PgStore, against a PostgreSQL
// 15 server that the test binary starts itself (pg_store_factory.h).
#include <gtest/gtest.h>

#include "tests/contract/pg_store_factory.h"

namespace secplat::testing {
using PostureStoreFactories = ::testing::Types<PgStoreFactory>;
}  // namespace secplat::testing

#include "tests/contract/posture_store_contract.h"  // IWYU pragma: keep
