// Strict config decoding: YAML text plus SECPLAT_* environment overrides -> Config, with every
// problem reported at once as "<path>: <message>". Parse() does all the work on strings so tests
// and `secplat check-config` share startup's code path; Load() only adds file reading.
//
// Order: DefaultConfig(), then the YAML, then the environment, then cross-key checks.
//   - Unknown sections and keys are problems ("server.prot: unknown key"), as are wrong types,
//     out-of-range values and duplicate keys.
//   - Every key section.key can be overridden by SECPLAT_<SECTION>_<KEY> (SECPLAT_SERVER_PORT),
//     decoded by the same rules; its problems read "SECPLAT_SERVER_PORT (server.port): ...".
//     An unknown key under a known section (SECPLAT_SERVER_PROT) is a problem; other SECPLAT_*
//     names (SECPLAT_TEST_REDIS_URL) are ignored.
//   - Secrets (storage.database_password, queue.password, platform.token) come only from the
//     environment or from the file named by their *_file key, never from the YAML.
//
//   ParseResult r = Parse("server:\n  prot: 80\n", {});
//   EXPECT_EQ(r.problems, std::vector<std::string>{"server.prot: unknown key"});
//   // tests/config/parse_test.cc
#ifndef SECPLAT_CONFIG_PARSE_H_
#define SECPLAT_CONFIG_PARSE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace secplat::config {

// The decoded config and every problem found. `config` holds defaults wherever a value was
// missing or invalid; use it only when ok() (or to show what would run).
struct ParseResult {
  Config config;
  std::vector<std::string> problems;  // "<path>: <message>", in a deterministic order.
  bool ok() const { return problems.empty(); }
};

// Decodes `yaml_text` (empty or comments only = all defaults) and applies overrides from `env`
// (name -> value). Does not read *_file secrets (Load() does). Never throws; malformed YAML
// becomes "config: invalid YAML at line L, column C: <msg>" (1-based). Problems never contain
// secret values.
ParseResult Parse(std::string_view yaml_text, const std::map<std::string, std::string>& env);

// Reads the file at `path_or_empty` (empty = no file = defaults; unreadable gives
// "<path>: cannot read: <strerror>"; more than 1 MiB gives "<path>: larger than 1048576
// bytes"), calls Parse(), then reads each *_file secret into its Secret, trailing newlines
// stripped ("<section>.<key>_file: cannot read <file>: <strerror>" or "...: <file> is empty").
// Relative *_file paths are relative to the working directory. Never throws.
ParseResult Load(const std::string& path_or_empty, const std::map<std::string, std::string>& env);

// A snapshot of the process environment (environ) as name -> value. Not thread-safe against
// concurrent setenv().
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace secplat::config

#endif  // SECPLAT_CONFIG_PARSE_H_
