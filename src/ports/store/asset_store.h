// AssetStore: registered assets. Implemented by adapters/sqlite (and later adapters/postgres);
// every implementation passes tests/contract/store_contract_test.cc.
#ifndef SECPLAT_PORTS_STORE_ASSET_STORE_H_
#define SECPLAT_PORTS_STORE_ASSET_STORE_H_

#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/model/asset.h"
#include "ports/store/common.h"

namespace secplat::ports::store {

struct AssetFilter {
  std::optional<std::string> label_key;    // with label_value: labels[key] == value
  std::optional<std::string> label_value;  // without: label present
  std::optional<std::string> environment;
  std::optional<core::model::AssetKind> kind;
  bool include_deleted = false;
};

class AssetStore {
 public:
  virtual ~AssetStore() = default;
  // Inserts `asset` (id, timestamps and version are assigned). A soft-deleted asset with the same
  // key is revived with the new values. Errors: kConflict (an active asset has that key),
  // kUnavailable.
  virtual Result<core::model::Asset> CreateAsset(const core::model::Asset& asset,
                                                 const WriteContext& ctx) = 0;
  // Errors: kNotFound (absent or soft-deleted), kUnavailable.
  virtual Result<core::model::Asset> GetAsset(std::string_view asset_key) = 0;
  // Ordered by id. Errors: kUnavailable.
  virtual Result<Page<core::model::Asset>> ListAssets(const AssetFilter& filter,
                                                      const PageRequest& page) = 0;
  // Replaces the mutable fields of the asset with `asset.asset_key` if its version still equals
  // `asset.version`; bumps the version. Errors: kNotFound, kConflict (version moved on),
  // kUnavailable.
  virtual Result<core::model::Asset> UpdateAsset(const core::model::Asset& asset,
                                                 const WriteContext& ctx) = 0;
  // Soft delete: sets deleted_at and disables the asset. Errors: kNotFound, kUnavailable.
  virtual Result<core::model::Asset> DeleteAsset(std::string_view asset_key,
                                                 const WriteContext& ctx) = 0;
};

}  // namespace secplat::ports::store

#endif  // SECPLAT_PORTS_STORE_ASSET_STORE_H_
