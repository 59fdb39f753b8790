// IP addresses and CIDR blocks, parsed from text with plain string code (no libc resolver, no
// inet_pton): the vocabulary of the target address policy (policy.h).
//
//   auto a = IpAddress::Parse("::ffff:169.254.169.254");   // an IPv6 address
//   a->EmbeddedIpv4()->ToString() == "169.254.169.254"
//   auto c = Cidr::Parse("10.0.0.0/8");
//   c->Contains(*IpAddress::Parse("10.1.2.3")) == true
//
// IPv4 is strict dotted decimal (four parts 0-255, no leading zeros, so "0177.0.0.1" is an error
// rather than octal). IPv6 follows RFC 4291 text forms ("::", an embedded dotted IPv4 tail),
// optionally in brackets; zone ids ("%eth0") are rejected.
#ifndef SECPLAT_CORE_NETPOLICY_ADDRESS_H_
#define SECPLAT_CORE_NETPOLICY_ADDRESS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace secplat::core::netpolicy {

class IpAddress {
 public:
  // IPv4 from its four bytes in network order.
  static IpAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  // IPv6 from its 16 bytes in network order.
  static IpAddress V6(const std::array<uint8_t, 16>& bytes);
  // Text form; nullopt when it is not an IPv4 or IPv6 literal.
  static std::optional<IpAddress> Parse(std::string_view text);

  bool is_v4() const { return !v6_; }
  bool is_v6() const { return v6_; }
  // 4 bytes used for IPv4, 16 for IPv6.
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }

  // For IPv6 forms that carry an IPv4 address the connection really reaches: IPv4-mapped
  // (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d, not :: or ::1), NAT64 (64:ff9b::/96) and 6to4
  // (2002:AABB:CCDD::/48). nullopt for IPv4 and other IPv6 addresses.
  std::optional<IpAddress> EmbeddedIpv4() const;

  // "192.0.2.1"; IPv6 in RFC 5952 form ("2001:db8::1", "::ffff:10.0.0.1" for mapped).
  std::string ToString() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  IpAddress() = default;
  bool v6_ = false;
  std::array<uint8_t, 16> bytes_{};
};

class Cidr {
 public:
  // "10.0.0.0/8", "fc00::/7"; a bare address is a /32 or /128. Errors (kInvalidArgument) say
  // what is wrong, e.g. host bits set ("10.0.0.1/8": did you mean 10.0.0.0/8?).
  static Result<Cidr> Parse(std::string_view text);
  // A literal block, for built-in ranges. `base` must have no host bits set.
  static Cidr Of(IpAddress base, int prefix) { return Cidr(base, prefix); }

  // Same family and within the block (no IPv4/IPv6 translation here; see EmbeddedIpv4).
  bool Contains(const IpAddress& address) const;
  const IpAddress& base() const { return base_; }
  int prefix() const { return prefix_; }
  std::string ToString() const;  // "10.0.0.0/8"

 private:
  Cidr(IpAddress base, int prefix) : base_(base), prefix_(prefix) {}
  IpAddress base_;
  int prefix_;
};

}  // namespace secplat::core::netpolicy

#endif  // SECPLAT_CORE_NETPOLICY_ADDRESS_H_
