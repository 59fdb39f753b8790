// The Checkpointer on a real database file: commits past the threshold get checkpointed by its
// thread (the pages reach the database file), nothing is lost, and it stops cleanly.
#include "adapters/sqlite/checkpointer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "adapters/sqlite/connection.h"
#include "tests/contract/sqlite_store_factory.h"

namespace secplat::adapters::sqlite {
namespace {

using secplat::testing::ScopedTempDir;

// Verifies commits that leave more than the threshold in the WAL are copied into the database
// file by the checkpointer thread, not by the writer, and every row stays readable.
TEST(CheckpointerTest, CheckpointsPastTheThresholdOffTheWriter) {
  ScopedTempDir dir;
  const std::string path = dir.path() + "/cp.db";
  auto writer = Connection::Open({.path = path});
  ASSERT_TRUE(writer.has_value()) << writer.error().message;
  auto mode = (*writer)->QueryText("PRAGMA journal_mode = WAL");
  ASSERT_TRUE(mode.has_value());
  ASSERT_EQ(*mode, "wal");
  ASSERT_TRUE((*writer)->Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)").has_value());
  const auto db_size = [&] { return std::filesystem::file_size(path); };
  const auto size_before = db_size();
  {
    auto cp = Checkpointer::Start(path, (*writer)->raw(), /*wal_pages=*/8);
    ASSERT_TRUE(cp.has_value()) << cp.error().message;
    const std::string value(3000, 'x');
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE((*writer)->Exec("INSERT INTO t(v) VALUES ('" + value + "')").has_value());
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while ((*cp)->checkpoints() == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_GT((*cp)->checkpoints(), 0);
  }  // stops the thread after a last checkpoint
  EXPECT_GT(db_size(), size_before + 50 * 3000 / 2) << "pages did not reach the database file";
  auto count = (*writer)->QueryText("SELECT count(*) FROM t");
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, "50");
}

// Verifies commits under the threshold request no checkpoint.
TEST(CheckpointerTest, NothingBelowTheThreshold) {
  ScopedTempDir dir;
  const std::string path = dir.path() + "/cp.db";
  auto writer = Connection::Open({.path = path});
  ASSERT_TRUE(writer.has_value()) << writer.error().message;
  ASSERT_TRUE((*writer)->QueryText("PRAGMA journal_mode = WAL").has_value());
  auto cp = Checkpointer::Start(path, (*writer)->raw(), /*wal_pages=*/100000);
  ASSERT_TRUE(cp.has_value()) << cp.error().message;
  ASSERT_TRUE((*writer)->Exec("CREATE TABLE t(id INTEGER PRIMARY KEY)").has_value());
  ASSERT_TRUE((*writer)->Exec("INSERT INTO t DEFAULT VALUES").has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ((*cp)->checkpoints(), 0);
}

}  // namespace
}  // namespace secplat::adapters::sqlite
