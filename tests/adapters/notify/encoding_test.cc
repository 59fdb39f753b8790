// Encodings used on the wire: form percent-encoding, base64, HMAC-SHA256, UTF-8 truncation.
#include "adapters/notify/encoding.h"

#include <gtest/gtest.h>

namespace secplat::adapters::notify {
namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

// Verifies form encoding keeps unreserved bytes, turns space into '+', escapes the rest.
TEST(FormEncode, PercentEncodesEverythingButUnreserved) {
  EXPECT_EQ(FormEncode("a b&c=d/é+%~._-"), "a+b%26c%3Dd%2F%C3%A9%2B%25~._-");
  EXPECT_EQ(FormEncode("+15005550006"), "%2B15005550006");
  EXPECT_EQ(QueryEncode("labels = \"x\""), "labels%20%3D%20%22x%22");
  EXPECT_EQ(FormBody({{"To", "+1 5"}, {"Body", "a&b"}}), "To=%2B1+5&Body=a%26b");
}

// Verifies base64 round trips and strict decoding.
TEST(Base64, RoundTripAndStrict) {
  EXPECT_EQ(Base64Encode("any carnal pleas"), "YW55IGNhcm5hbCBwbGVhcw==");
  EXPECT_EQ(*Base64Decode("YW55IGNhcm5hbCBwbGVhcw=="), "any carnal pleas");
  EXPECT_EQ(*Base64Decode("YW55IGNhcm5hbCBwbGVhc3U="), "any carnal pleasu");
  EXPECT_EQ(*Base64Decode(""), "");
  EXPECT_FALSE(Base64Decode("YW5").has_value());
  EXPECT_FALSE(Base64Decode("YW5*").has_value());
  EXPECT_FALSE(Base64Decode("Y=5j").has_value());
}

// Verifies HMAC-SHA256 against RFC 4231 test case 2.
TEST(HmacSha256, Rfc4231Case2) {
  EXPECT_EQ(Hex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// Verifies truncation counts code points, never splits a sequence, and adds one ellipsis.
TEST(TruncateUtf8, CutsOnCodePointBoundary) {
  EXPECT_EQ(TruncateUtf8("hello", 5), "hello");
  EXPECT_EQ(TruncateUtf8("hello!", 5), "hell…");
  EXPECT_EQ(TruncateUtf8("héllo", 3), "hé…");
  EXPECT_EQ(TruncateUtf8("€€€€", 2), "€…");
  EXPECT_EQ(TruncateUtf8("😀😀😀", 2), "😀…");
  EXPECT_EQ(CountCodePoints("a€😀"), 3u);
  EXPECT_EQ(TruncateUtf8("abc", 1), "…");
}

}  // namespace
}  // namespace secplat::adapters::notify
