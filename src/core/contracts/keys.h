// Stable keys (docs/contracts/idempotency-keys.md): finding keys derived from what identifies a
// problem (never titles, counts or scanner wording), and scan idempotency keys that make "scan
// this asset in this period" happen once however often it is requested.
//
// From tests/core/contracts/keys_test.cc:
//   EXPECT_EQ(NormaliseLocation("  Strict-Transport-Security "), "strict-transport-security");
//   EXPECT_EQ(
//       DeriveFindingKey("web-1", "tls_headers", "hsts_missing", "Strict-Transport-Security"),
//       "f_1aa02491227baf4077ac91268acd1205");
//   EXPECT_EQ(ScanIdempotencyKey("tls_headers", "web-1", FromUnixMillis(1764358200123),
//                                std::chrono::hours(1)),
//             "tls_headers+web-1+490099");
#ifndef SECPLAT_CORE_CONTRACTS_KEYS_H_
#define SECPLAT_CORE_CONTRACTS_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/time.h"

namespace secplat::core::contracts {

// Normalises a finding location so equivalent spellings give one finding key. In order:
//  1. trim ASCII whitespace (space, \t, \n, \v, \f, \r) at both ends;
//  2. URL ("scheme://authority..."): scheme and authority lower-cased, userinfo ("user@")
//     dropped, default port dropped (":80" for http, ":443" for https), then the path by rule 3;
//     an empty path becomes "/";
//  3. path (starts with '/'): query ("?...") and fragment ("#...") dropped, runs of '/' collapsed
//     to one, a trailing '/' removed unless the path is just "/"; case is kept;
//  4. token (only RFC 9110 tchar: letters, digits and !#$%&'*+-.^_`|~): lower-cased; this covers
//     header names ("Strict-Transport-Security"), TLS versions ("TLSv1.0") and ports ("443");
//  5. anything else: kept as trimmed.
// Total and idempotent: NormaliseLocation(NormaliseLocation(x)) == NormaliseLocation(x).
std::string NormaliseLocation(std::string_view location);

// "f_" + the first 32 hex characters of SHA-256(asset_key 0x1F source 0x1F check_id 0x1F
// NormaliseLocation(location)). Deterministic across processes and versions; changing it
// re-keys every stored finding, so it never changes.
std::string DeriveFindingKey(std::string_view asset_key, std::string_view source,
                             std::string_view check_id, std::string_view location);

// The period a time falls in: floor(unix_seconds / interval_seconds), where unix_seconds is
// floor(now / 1 s) and interval_seconds is `interval` truncated to whole seconds, at least 1.
int64_t PeriodBucket(Timestamp now, Duration interval);

// "{scan_type}+{asset_key}+{PeriodBucket(now, interval)}", the bucket as a decimal integer.
std::string ScanIdempotencyKey(std::string_view scan_type, std::string_view asset_key,
                               Timestamp now, Duration interval);

inline constexpr std::string_view kIdempotencyKeyPattern = "^[A-Za-z0-9][A-Za-z0-9._:+-]{0,255}$";

// True for a caller-supplied scan idempotency key (kIdempotencyKeyPattern): 1..256 characters of
// [A-Za-z0-9._:+-] starting with a letter or digit. Every ScanIdempotencyKey result of a valid
// scan type and asset key qualifies.
bool IsValidIdempotencyKey(std::string_view key);

}  // namespace secplat::core::contracts

#endif  // SECPLAT_CORE_CONTRACTS_KEYS_H_
