#include "core/netpolicy/address.h"

#include <gtest/gtest.h>

namespace secplat::core::netpolicy {
namespace {

std::string Canon(std::string_view text) {
  auto ip = IpAddress::Parse(text);
  return ip ? ip->ToString() : "<invalid>";
}

TEST(IpAddressTest, ParsesStrictIpv4) {
  EXPECT_EQ(Canon("192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(Canon("0.0.0.0"), "0.0.0.0");
  EXPECT_EQ(Canon("255.255.255.255"), "255.255.255.255");
  EXPECT_TRUE(IpAddress::Parse("10.0.0.1")->is_v4());
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "0177.0.0.1", "01.2.3.4",
                          "1.2.3.4 ", " 1.2.3.4", "1..2.3", "0x7f.0.0.1", "2130706433", "1.2.3.-4",
                          "[1.2.3.4]", "1.2.3.4/8", "a.b.c.d", "1.2.3.4."}) {
    EXPECT_FALSE(IpAddress::Parse(bad).has_value()) << bad;
  }
}

TEST(IpAddressTest, ParsesIpv6TextForms) {
  EXPECT_EQ(Canon("::"), "::");
  EXPECT_EQ(Canon("::1"), "::1");
  EXPECT_EQ(Canon("[::1]"), "::1");
  EXPECT_EQ(Canon("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
  EXPECT_EQ(Canon("2001:db8::"), "2001:db8::");
  EXPECT_EQ(Canon("fe80::1:0:0:1"), "fe80::1:0:0:1");
  EXPECT_EQ(Canon("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");           // longest run wins
  EXPECT_EQ(Canon("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");  // no "::" for one group
  EXPECT_EQ(Canon("::ffff:169.254.169.254"), "::ffff:169.254.169.254");
  EXPECT_EQ(Canon("::ffff:a9fe:a9fe"), "::ffff:169.254.169.254");
  EXPECT_EQ(Canon("64:ff9b::10.0.0.1"), "64:ff9b::a00:1");
  EXPECT_EQ(Canon("1:2:3:4:5:6:1.2.3.4"), "1:2:3:4:5:6:102:304");
  EXPECT_TRUE(IpAddress::Parse("::1")->is_v6());
  for (const char* bad : {":", ":::", "1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9",
                          "12345::", "::g", "fe80::1%eth0", "1:", ":1", "1:2:3:4:5:6:7:1.2.3.4",
                          "::1.2.3", "::1.2.3.4:5", "[::1", "::1]", "1::2:"}) {
    EXPECT_FALSE(IpAddress::Parse(bad).has_value()) << bad;
  }
}

TEST(IpAddressTest, EmbeddedIpv4Forms) {
  auto embedded = [](std::string_view text) {
    auto e = IpAddress::Parse(text)->EmbeddedIpv4();
    return e ? e->ToString() : "-";
  };
  EXPECT_EQ(embedded("::ffff:169.254.169.254"), "169.254.169.254");
  EXPECT_EQ(embedded("::169.254.169.254"), "169.254.169.254");   // IPv4-compatible
  EXPECT_EQ(embedded("64:ff9b::a9fe:a9fe"), "169.254.169.254");  // NAT64
  EXPECT_EQ(embedded("2002:a9fe:a9fe::1"), "169.254.169.254");   // 6to4
  EXPECT_EQ(embedded("::1"), "-");
  EXPECT_EQ(embedded("::"), "-");
  EXPECT_EQ(embedded("2001:db8::1"), "-");
  EXPECT_EQ(embedded("64:ff9b:1::1"), "-");
  EXPECT_EQ(embedded("10.0.0.1"), "-");
}

TEST(CidrTest, ParsesAndMatches) {
  auto c = Cidr::Parse("10.0.0.0/8");
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->Contains(*IpAddress::Parse("10.255.0.1")));
  EXPECT_FALSE(c->Contains(*IpAddress::Parse("11.0.0.0")));
  EXPECT_FALSE(c->Contains(*IpAddress::Parse("::ffff:10.0.0.1")));  // family differs
  auto c12 = Cidr::Parse("172.16.0.0/12");
  EXPECT_TRUE(c12->Contains(*IpAddress::Parse("172.31.255.255")));
  EXPECT_FALSE(c12->Contains(*IpAddress::Parse("172.32.0.0")));
  auto v6 = Cidr::Parse("fe80::/10");
  EXPECT_TRUE(v6->Contains(*IpAddress::Parse("febf::1")));
  EXPECT_FALSE(v6->Contains(*IpAddress::Parse("fec0::1")));
  EXPECT_EQ(Cidr::Parse("192.0.2.7")->ToString(), "192.0.2.7/32");
  EXPECT_EQ(Cidr::Parse("::1")->ToString(), "::1/128");
  EXPECT_TRUE(Cidr::Parse("0.0.0.0/0")->Contains(*IpAddress::Parse("8.8.8.8")));
}

TEST(CidrTest, ErrorsSayWhatIsWrong) {
  auto host_bits = Cidr::Parse("10.0.0.1/8");
  ASSERT_FALSE(host_bits.has_value());
  EXPECT_EQ(host_bits.error().message, "'10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)");
  EXPECT_EQ(host_bits.error().code, ErrorCode::kInvalidArgument);
  auto prefix = Cidr::Parse("10.0.0.0/33");
  ASSERT_FALSE(prefix.has_value());
  EXPECT_EQ(prefix.error().message, "'10.0.0.0/33' has an invalid prefix length (0-32)");
  EXPECT_FALSE(Cidr::Parse("fc00::/129").has_value());
  EXPECT_FALSE(Cidr::Parse("10.0.0.0/").has_value());
  EXPECT_FALSE(Cidr::Parse("10.0.0.0/08").has_value());
  auto name = Cidr::Parse("example.com/24");
  ASSERT_FALSE(name.has_value());
  EXPECT_EQ(name.error().message, "'example.com/24' is not an IP address or CIDR block");
}

}  // namespace
}  // namespace secplat::core::netpolicy
