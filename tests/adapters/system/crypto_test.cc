#include "adapters/system/crypto.h"

#include <gtest/gtest.h>

#include <set>

namespace secplat::adapters::system {
namespace {

// True when `s` matches `shape`, where 'h' is a lower-case hex digit, 'v' one of 8, 9, a, b and
// any other character stands for itself. (std::regex is too slow under the sanitizers.)
bool HasShape(std::string_view s, std::string_view shape) {
  if (s.size() != shape.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
    if (shape[i] == 'h'   ? !hex
        : shape[i] == 'v' ? std::string_view("89ab").find(s[i]) == std::string_view::npos
                          : s[i] != shape[i])
      return false;
  }
  return true;
}

// Verifies tokens have the documented shape, 256-bit secrets, and split back into their parts.
TEST(Crypto, TokensHaveTheDocumentedShapeAndSplit) {
  auto t = NewApiToken();
  EXPECT_TRUE(HasShape(t.plaintext, "spt_" + std::string(16, 'h') + "_" + std::string(64, 'h')));
  auto parts = SplitApiToken(t.plaintext);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->id, t.id);
  EXPECT_EQ(Sha256Hex(parts->secret), t.secret_hash);
  EXPECT_NE(NewApiToken().plaintext, t.plaintext);
}

// Verifies malformed tokens are refused as unauthenticated.
TEST(Crypto, MalformedTokensAreRefused) {
  for (const char* bad :
       {"", "spt_", "Bearer x", "spt_0123456789abcdef_short",
        "spt_0123456789ABCDEF_0000000000000000000000000000000000000000000000000000000000000000",
        "xyz_0123456789abcdef_0000000000000000000000000000000000000000000000000000000000000000"}) {
    auto r = SplitApiToken(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  }
}

// Verifies UUIDs are canonical version 4 and distinct.
TEST(Crypto, UuidsAreCanonicalV4) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string u = NewUuidV4();
    ASSERT_TRUE(HasShape(u, "hhhhhhhh-hhhh-4hhh-vhhh-hhhhhhhhhhhh")) << u;
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

// Verifies SHA-256 against a FIPS 180-2 vector and the constant-time comparison's results.
TEST(Crypto, Sha256AndConstantTimeEquals) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

}  // namespace
}  // namespace secplat::adapters::system
