// `secplat version`.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cmd/subcommands/subcommands.h"

#ifndef SECPLAT_VERSION
#define SECPLAT_VERSION "0.0.0"
#endif

namespace secplat::cmd {

Subcommand VersionSubcommand() {
  return {"version", "Print the version",
          [](CLI::App&, const GlobalOptions&) -> std::function<int()> {
            return [] {
              std::printf("secplat %s\n", SECPLAT_VERSION);
              return 0;
            };
          }};
}

}  // namespace secplat::cmd
