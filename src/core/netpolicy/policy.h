// Target address policy (the SSRF guard): may a probe connect to this IP address? Judged on the
// address actually connected to (the prober calls Check for every resolved address and every
// redirect hop), so a name that resolves to a denied address gains nothing.
//
//   TargetPolicy cfg{.allow_loopback = true, .deny_cidrs = {"127.0.0.2/32"}};
//   auto policy = AddressPolicy::Compile(cfg);        // errors name the bad entry
//   Verdict v = policy->Check("169.254.169.254");
//   // v.allowed == false,
//   // v.reason == "169.254.169.254 is link-local (cloud metadata); denied by default"
//
// Rules, in order:
//   1. deny_cidrs win over everything (matched against the address and its embedded IPv4).
//   2. allow_cidrs allow anything they contain, also the ranges below (an explicit opt-in).
//   3. Always denied: 0.0.0.0/8, 255.255.255.255, 240.0.0.0/4 (reserved), 169.254.0.0/16
//      (link-local, cloud metadata), 224.0.0.0/4 (multicast), ::, fe80::/10, ff00::/8.
//   4. Loopback (127.0.0.0/8, ::1) only with allow_loopback.
//   5. Private (10/8, 172.16/12, 192.168/16, 100.64/10 CGNAT, fc00::/7 unique-local; fec0::/10
//      site-local) only with allow_private.
//   6. Everything else is allowed (a public address).
// IPv6 forms that reach an IPv4 host (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible, NAT64
// 64:ff9b::/96, 6to4 2002::/16) are judged as the embedded IPv4 address.
#ifndef SECPLAT_CORE_NETPOLICY_POLICY_H_
#define SECPLAT_CORE_NETPOLICY_POLICY_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/netpolicy/address.h"

namespace secplat::core::netpolicy {

// The configuration (config file `targets:` section).
struct TargetPolicy {
  bool allow_loopback = false;
  bool allow_private = false;
  std::vector<std::string> allow_cidrs;  // "203.0.113.0/24", "fd00:1::/64", "10.1.2.3"
  std::vector<std::string> deny_cidrs;
};

struct Verdict {
  bool allowed = false;
  std::string reason;  // one sentence, for job logs: why it is allowed or denied
};

class AddressPolicy {
 public:
  // The default policy (nothing allowed beyond public addresses).
  AddressPolicy() = default;
  // Parses every entry. Errors (kInvalidArgument) name the list and the entry, e.g.
  // "targets.allow_cidrs[1]: '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)".
  static Result<AddressPolicy> Compile(const TargetPolicy& config);

  Verdict Check(const IpAddress& address) const;
  // Text form; anything that is not an IP literal is denied ("'x' is not an IP address").
  Verdict Check(std::string_view address) const;

  const TargetPolicy& config() const { return config_; }

 private:
  TargetPolicy config_;
  std::vector<Cidr> allow_;
  std::vector<Cidr> deny_;
};

// Compile(config) without keeping the result: for config validation.
Status ValidateTargetPolicy(const TargetPolicy& config);

}  // namespace secplat::core::netpolicy

#endif  // SECPLAT_CORE_NETPOLICY_POLICY_H_
