// The defaults: exactly the configuration `secplat up` runs on when there is no file and no
// SECPLAT_* variable. This is the only place default values are written down; Parse() starts
// from it and DumpEffective(DefaultConfig()) shows it.
//
//   Config c = DefaultConfig();
//   EXPECT_EQ(c.server.port, 8080);                        // tests/config/parse_test.cc
//   EXPECT_EQ(Parse("", {}).config, DefaultConfig());
#ifndef SECPLAT_CONFIG_DEFAULTS_H_
#define SECPLAT_CONFIG_DEFAULTS_H_

#include "config/config.h"

namespace secplat::config {

// A single-node setup: api on 127.0.0.1:8080, SQLite and the embedded queue under ./data,
// log level info, no secrets, bootstrap_admin on. Never fails.
Config DefaultConfig();

}  // namespace secplat::config

#endif  // SECPLAT_CONFIG_DEFAULTS_H_
