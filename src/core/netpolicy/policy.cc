#include "core/netpolicy/policy.h"

#include <optional>

namespace secplat::core::netpolicy {
namespace {

enum class Rule { kAlways, kLoopback, kPrivate };

struct Range {
  const char* cidr;
  const char* what;
  Rule rule;
};

// Built-in ranges, most specific first (255.255.255.255 before 240.0.0.0/4).
constexpr Range kRanges[] = {
    {"0.0.0.0/8", "the 'this network' range (0.0.0.0/8)", Rule::kAlways},
    {"255.255.255.255/32", "the broadcast address", Rule::kAlways},
    {"169.254.0.0/16", "link-local (cloud metadata)", Rule::kAlways},
    {"224.0.0.0/4", "multicast", Rule::kAlways},
    {"240.0.0.0/4", "reserved (240.0.0.0/4)", Rule::kAlways},
    {"::/128", "the unspecified address", Rule::kAlways},
    {"fe80::/10", "link-local", Rule::kAlways},
    {"ff00::/8", "multicast", Rule::kAlways},
    {"127.0.0.0/8", "loopback", Rule::kLoopback},
    {"::1/128", "loopback", Rule::kLoopback},
    {"10.0.0.0/8", "private (10.0.0.0/8)", Rule::kPrivate},
    {"172.16.0.0/12", "private (172.16.0.0/12)", Rule::kPrivate},
    {"192.168.0.0/16", "private (192.168.0.0/16)", Rule::kPrivate},
    {"100.64.0.0/10", "shared address space (100.64.0.0/10, CGNAT)", Rule::kPrivate},
    {"fc00::/7", "unique-local (fc00::/7)", Rule::kPrivate},
    {"fec0::/10", "site-local (fec0::/10)", Rule::kPrivate},
};

const std::vector<Cidr>& BuiltIn() {
  static const std::vector<Cidr> cidrs = [] {
    std::vector<Cidr> out;
    for (const Range& r : kRanges) out.push_back(*Cidr::Parse(r.cidr));
    return out;
  }();
  return cidrs;
}

Status CompileList(const std::vector<std::string>& entries, std::string_view name,
                   std::vector<Cidr>* out) {
  for (size_t i = 0; i < entries.size(); ++i) {
    Result<Cidr> c = Cidr::Parse(entries[i]);
    if (!c.has_value()) {
      return Unexpected(
          ErrorCode::kInvalidArgument,
          "targets." + std::string(name) + "[" + std::to_string(i) + "]: " + c.error().message);
    }
    out->push_back(*c);
  }
  return OkStatus();
}

// The config entry (as written) of the first block containing `a` or its embedded IPv4.
std::optional<size_t> FindIn(const std::vector<Cidr>& list, const IpAddress& a,
                             const std::optional<IpAddress>& embedded) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].Contains(a) || (embedded && list[i].Contains(*embedded))) return i;
  }
  return std::nullopt;
}

}  // namespace

Result<AddressPolicy> AddressPolicy::Compile(const TargetPolicy& config) {
  AddressPolicy p;
  p.config_ = config;
  SECPLAT_RETURN_IF_ERROR(CompileList(config.allow_cidrs, "allow_cidrs", &p.allow_));
  SECPLAT_RETURN_IF_ERROR(CompileList(config.deny_cidrs, "deny_cidrs", &p.deny_));
  return p;
}

Verdict AddressPolicy::Check(std::string_view address) const {
  std::optional<IpAddress> ip = IpAddress::Parse(address);
  if (!ip) return {false, "'" + std::string(address) + "' is not an IP address"};
  return Check(*ip);
}

Verdict AddressPolicy::Check(const IpAddress& address) const {
  std::optional<IpAddress> embedded = address.EmbeddedIpv4();
  std::string name = address.ToString();
  if (auto i = FindIn(deny_, address, embedded)) {
    return {false, name + " is in deny_cidrs entry '" + config_.deny_cidrs[*i] + "'"};
  }
  if (auto i = FindIn(allow_, address, embedded)) {
    return {true, name + " is in allow_cidrs entry '" + config_.allow_cidrs[*i] + "'"};
  }
  // Judge the IPv4 host an IPv6 form really reaches.
  const IpAddress& judged = embedded ? *embedded : address;
  std::string subject = embedded ? name + " (embedding IPv4 " + embedded->ToString() + ")" : name;
  const std::vector<Cidr>& builtin = BuiltIn();
  for (size_t i = 0; i < builtin.size(); ++i) {
    if (!builtin[i].Contains(judged)) continue;
    const Range& r = kRanges[i];
    std::string what = subject + " is " + r.what;
    switch (r.rule) {
      case Rule::kAlways:
        return {false, what + "; denied by default"};
      case Rule::kLoopback:
        if (config_.allow_loopback) return {true, what + "; allowed by allow_loopback"};
        return {false, what + "; denied unless allow_loopback is set"};
      case Rule::kPrivate:
        if (config_.allow_private) return {true, what + "; allowed by allow_private"};
        return {false, what + "; denied unless allow_private is set"};
    }
  }
  return {true, subject + " is a public address"};
}

Status ValidateTargetPolicy(const TargetPolicy& config) {
  Result<AddressPolicy> compiled = AddressPolicy::Compile(config);
  if (!compiled.has_value()) return Unexpected(compiled.error());
  return OkStatus();
}

}  // namespace secplat::core::netpolicy
