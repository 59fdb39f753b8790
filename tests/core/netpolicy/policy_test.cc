#include "core/netpolicy/policy.h"

#include <gtest/gtest.h>

namespace secplat::core::netpolicy {
namespace {

AddressPolicy Make(TargetPolicy config) {
  auto p = AddressPolicy::Compile(config);
  EXPECT_TRUE(p.has_value()) << p.error().message;
  return *p;
}

TEST(AddressPolicyTest, DefaultDeniesMetadataWithAClearReason) {
  AddressPolicy p;
  Verdict v = p.Check("169.254.169.254");
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, "169.254.169.254 is link-local (cloud metadata); denied by default");
}

TEST(AddressPolicyTest, AlwaysDeniedRangesStayDeniedWithLoopbackAndPrivateAllowed) {
  AddressPolicy p = Make({.allow_loopback = true, .allow_private = true});
  for (const char* a :
       {"169.254.0.1", "169.254.169.254", "224.0.0.1", "239.255.255.250", "0.0.0.0", "0.1.2.3",
        "255.255.255.255", "240.0.0.1", "::", "fe80::1", "febf:ffff::1", "ff02::1", "ff05::1:3"}) {
    Verdict v = p.Check(a);
    EXPECT_FALSE(v.allowed) << a;
    EXPECT_NE(v.reason.find("denied by default"), std::string::npos) << v.reason;
  }
  EXPECT_EQ(p.Check("255.255.255.255").reason,
            "255.255.255.255 is the broadcast address; denied by default");
  EXPECT_EQ(p.Check("ff02::1").reason, "ff02::1 is multicast; denied by default");
}

TEST(AddressPolicyTest, LoopbackOnlyWhenAllowed) {
  AddressPolicy strict;
  for (const char* a : {"127.0.0.1", "127.255.0.9", "::1"}) {
    Verdict v = strict.Check(a);
    EXPECT_FALSE(v.allowed) << a;
    EXPECT_NE(v.reason.find("is loopback; denied unless allow_loopback is set"), std::string::npos)
        << v.reason;
  }
  AddressPolicy lax = Make({.allow_loopback = true});
  EXPECT_TRUE(lax.Check("127.0.0.1").allowed);
  EXPECT_EQ(lax.Check("::1").reason, "::1 is loopback; allowed by allow_loopback");
  EXPECT_FALSE(lax.Check("10.0.0.1").allowed);  // loopback is not private
}

TEST(AddressPolicyTest, PrivateOnlyWhenAllowed) {
  AddressPolicy strict;
  for (const char* a : {"10.0.0.1", "172.16.0.1", "172.31.255.254", "192.168.1.1", "100.64.0.1",
                        "100.127.255.254", "fc00::1", "fd00:ec2::254", "fec0::1"}) {
    EXPECT_FALSE(strict.Check(a).allowed) << a;
  }
  EXPECT_EQ(strict.Check("10.1.2.3").reason,
            "10.1.2.3 is private (10.0.0.0/8); denied unless allow_private is set");
  AddressPolicy lax = Make({.allow_private = true});
  EXPECT_TRUE(lax.Check("192.168.1.1").allowed);
  EXPECT_TRUE(lax.Check("fd00::1").allowed);
  EXPECT_FALSE(lax.Check("127.0.0.1").allowed);
  // Edges of the ranges are public.
  for (const char* a : {"172.15.255.255", "172.32.0.0", "100.63.255.255", "100.128.0.0", "11.0.0.0",
                        "192.169.0.0", "8.8.8.8", "2001:db8::1", "2606:4700::1111"}) {
    Verdict v = strict.Check(a);
    EXPECT_TRUE(v.allowed) << a << ": " << v.reason;
  }
  EXPECT_EQ(strict.Check("8.8.8.8").reason, "8.8.8.8 is a public address");
}

TEST(AddressPolicyTest, Ipv6FormsAreJudgedAsTheEmbeddedIpv4) {
  AddressPolicy p = Make({.allow_loopback = true, .allow_private = true});
  for (const char* a :
       {"::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "::169.254.169.254",
        "64:ff9b::169.254.169.254", "2002:a9fe:a9fe::", "::ffff:224.0.0.1", "::ffff:0.0.0.0"}) {
    EXPECT_FALSE(p.Check(a).allowed) << a;
  }
  EXPECT_EQ(p.Check("::ffff:169.254.169.254").reason,
            "::ffff:169.254.169.254 (embedding IPv4 169.254.169.254) is link-local (cloud "
            "metadata); denied by default");
  AddressPolicy strict;
  EXPECT_FALSE(strict.Check("::ffff:127.0.0.1").allowed);
  EXPECT_FALSE(strict.Check("64:ff9b::10.0.0.1").allowed);
  EXPECT_TRUE(strict.Check("::ffff:8.8.8.8").allowed);
  EXPECT_TRUE(p.Check("::ffff:127.0.0.1").allowed);
}

TEST(AddressPolicyTest, AllowCidrsOptIntoAnyRange) {
  AddressPolicy p = Make({.allow_cidrs = {"169.254.169.254/32", "fe80::/64"}});
  Verdict v = p.Check("169.254.169.254");
  EXPECT_TRUE(v.allowed);
  EXPECT_EQ(v.reason, "169.254.169.254 is in allow_cidrs entry '169.254.169.254/32'");
  EXPECT_TRUE(p.Check("::ffff:169.254.169.254").allowed);  // embedded form matches too
  EXPECT_TRUE(p.Check("fe80::1").allowed);
  EXPECT_FALSE(p.Check("169.254.169.253").allowed);
  EXPECT_FALSE(p.Check("fe80:0:0:1::1").allowed);
}

TEST(AddressPolicyTest, DenyCidrsWinOverEverything) {
  AddressPolicy p = Make({.allow_loopback = true,
                          .allow_private = true,
                          .allow_cidrs = {"203.0.113.0/24"},
                          .deny_cidrs = {"203.0.113.7", "127.0.0.2/32", "10.9.0.0/16"}});
  EXPECT_TRUE(p.Check("203.0.113.8").allowed);
  Verdict v = p.Check("203.0.113.7");
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, "203.0.113.7 is in deny_cidrs entry '203.0.113.7'");
  EXPECT_FALSE(p.Check("127.0.0.2").allowed);
  EXPECT_TRUE(p.Check("127.0.0.1").allowed);
  EXPECT_FALSE(p.Check("::ffff:10.9.1.1").allowed);
  EXPECT_TRUE(p.Check("8.8.8.8").allowed);
}

TEST(AddressPolicyTest, NonAddressesAreDenied) {
  AddressPolicy p = Make({.allow_loopback = true});
  Verdict v = p.Check("localhost");
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, "'localhost' is not an IP address");
  EXPECT_FALSE(p.Check("0177.0.0.1").allowed);
  EXPECT_FALSE(p.Check("").allowed);
}

TEST(AddressPolicyTest, ConfigErrorsNameTheEntry) {
  auto bad = AddressPolicy::Compile({.allow_cidrs = {"10.0.0.0/8", "10.0.0.1/8"}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message,
            "targets.allow_cidrs[1]: '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)");
  Status deny = ValidateTargetPolicy({.deny_cidrs = {"metadata.internal"}});
  ASSERT_FALSE(deny.has_value());
  EXPECT_EQ(deny.error().message,
            "targets.deny_cidrs[0]: 'metadata.internal' is not an IP address or CIDR block");
  EXPECT_TRUE(ValidateTargetPolicy({.allow_cidrs = {"fd00::/8"}}).has_value());
}

}  // namespace
}  // namespace secplat::core::netpolicy
