// SHA-256 (FIPS 180-4), pure and dependency-free: core/ links the standard library only, and
// finding keys must hash identically in every role without pulling OpenSSL into core.
// Not for secrets or password hashing (adapters/system does that with libsodium).
//
// From tests/core/contracts/sha256_test.cc:
//   EXPECT_EQ(Sha256Hex("abc"),
//             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
#ifndef SECPLAT_CORE_CONTRACTS_SHA256_H_
#define SECPLAT_CORE_CONTRACTS_SHA256_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace secplat::core::contracts {

using Sha256Digest = std::array<uint8_t, 32>;

// The 32-byte digest of `data`. Total, never fails; thread-safe (no shared state).
Sha256Digest Sha256(std::string_view data);

// The digest as 64 lower-case hex characters.
std::string Sha256Hex(std::string_view data);

}  // namespace secplat::core::contracts

#endif  // SECPLAT_CORE_CONTRACTS_SHA256_H_
