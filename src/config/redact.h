// The effective configuration as YAML, with secrets redacted: what `secplat check-config`
// prints and what a role logs at startup. Every secret prints as <secret> (or "" when unset),
// and a password inside a URL as <secret> too, so the output is safe to paste into a ticket.
//
//   Config c = DefaultConfig();
//   c.platform.token = Secret("tok-123");
//   std::string out = DumpEffective(c);
//   EXPECT_THAT(out, HasSubstr("token: <secret>"));     // tests/config/redact_test.cc
//   EXPECT_THAT(out, Not(HasSubstr("tok-123")));
#ifndef SECPLAT_CONFIG_REDACT_H_
#define SECPLAT_CONFIG_REDACT_H_

#include <string>

#include "config/config.h"

namespace secplat::config {

// Every key of every section, in the order of the example file, as YAML that Parse() accepts
// back (when no secret is set). Strings are double-quoted; durations use FormatDuration().
// Never contains secret text. Never fails.
std::string DumpEffective(const Config& config);

}  // namespace secplat::config

#endif  // SECPLAT_CONFIG_REDACT_H_
