// Store factory for the contract suite: a fresh SqliteStore on a file in a private temp dir,
// removed with the factory. Also used by tests/adapters/sqlite.
#ifndef SECPLAT_TESTS_CONTRACT_SQLITE_STORE_FACTORY_H_
#define SECPLAT_TESTS_CONTRACT_SQLITE_STORE_FACTORY_H_

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "adapters/sqlite/sqlite_store.h"
#include "core/common/result.h"
#include "ports/store/store.h"

namespace secplat::testing {

// A new directory under the system temp dir, deleted (recursively) on destruction.
class ScopedTempDir {
 public:
  ScopedTempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "secplat-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~ScopedTempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  // Empty when the directory could not be created.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Each factory type has a name (for test names), says whether its backend is available here,
// and makes an empty, migrated store that lives as long as the factory.
struct SqliteStoreFactory {
  static constexpr const char* kName = "Sqlite";
  static std::optional<std::string> SkipReason() { return std::nullopt; }

  Result<std::unique_ptr<ports::store::Store>> Make() {
    if (dir.path().empty()) return Unexpected(ErrorCode::kUnavailable, "cannot create temp dir");
    SECPLAT_ASSIGN_OR_RETURN(
        auto store, adapters::sqlite::SqliteStore::Open({.path = dir.path() + "/store.db"}));
    return std::unique_ptr<ports::store::Store>(std::move(store));
  }

  ScopedTempDir dir;
};

}  // namespace secplat::testing

#endif  // SECPLAT_TESTS_CONTRACT_SQLITE_STORE_FACTORY_H_
