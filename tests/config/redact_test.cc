#include "config/redact.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/defaults.h"
#include "config/parse.h"

namespace secplat::config {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// A config with every field set, every secret set, and passwords hidden in URLs (which Parse()
// would refuse, but code can build).
Config FullyPopulated() {
  Config c = DefaultConfig();
  c.server.listen_address = "0.0.0.0";
  c.server.port = 9443;
  c.storage.data_dir = "/var/lib/secplat";
  c.storage.database_url = "postgres://secplat:url-db-pass@db:5432/secplat?password=q-db-pass";
  c.storage.database_password = Secret("hunter2");
  c.storage.database_password_file = "/run/secrets/db";
  c.queue.url = "redis://:url-redis-pass@redis:6379/0";
  c.queue.password = Secret("redis-pass");
  c.queue.password_file = "/run/secrets/q";
  c.platform.api_url = "https://bot:url-api-pass@api.internal";
  c.platform.token = Secret("tok-123");
  c.platform.token_file = "/run/secrets/t";
  c.log.level = "error";
  return c;
}

// Verifies a fully populated config dumps with no secret text and with <secret> markers.
TEST(DumpEffective, NeverContainsSecretText) {
  std::string out = DumpEffective(FullyPopulated());
  for (const char* secret : {"hunter2", "redis-pass", "tok-123", "url-db-pass", "q-db-pass",
                             "url-redis-pass", "url-api-pass"}) {
    EXPECT_THAT(out, Not(HasSubstr(secret))) << secret;
  }
  EXPECT_THAT(out, HasSubstr("  database_password: <secret>\n"));
  EXPECT_THAT(out, HasSubstr("  password: <secret>\n"));
  EXPECT_THAT(out, HasSubstr("  token: <secret>\n"));
  EXPECT_THAT(
      out, HasSubstr(
               R"(database_url: "postgres://secplat:<secret>@db:5432/secplat?password=<secret>")"));
  EXPECT_THAT(out, HasSubstr(R"(url: "redis://:<secret>@redis:6379/0")"));
  EXPECT_THAT(out, HasSubstr(R"(api_url: "https://bot:<secret>@api.internal")"));
}

// Verifies the exact dump of the defaults: every section and key, unset secrets as "".
TEST(DumpEffective, PrintsEveryKeyOfTheDefaults) {
  EXPECT_EQ(DumpEffective(DefaultConfig()),
            "# Effective SecPlat configuration; secrets are shown as <secret>.\n"
            "server:\n"
            "  listen_address: \"127.0.0.1\"\n"
            "  port: 8080\n"
            "  io_threads: 4\n"
            "  max_body_bytes: 1048576\n"
            "  read_timeout: 30s\n"
            "  idle_timeout: 1m\n"
            "  max_connections: 10000\n"
            "storage:\n"
            "  data_dir: \"./data\"\n"
            "  database_url: \"\"\n"
            "  database_password: \"\"\n"
            "  database_password_file: \"\"\n"
            "  busy_timeout: 5s\n"
            "queue:\n"
            "  url: \"\"\n"
            "  password: \"\"\n"
            "  password_file: \"\"\n"
            "log:\n"
            "  level: info\n"
            "platform:\n"
            "  api_url: \"http://127.0.0.1:8080\"\n"
            "  token: \"\"\n"
            "  token_file: \"\"\n"
            "auth:\n"
            "  bootstrap_admin: true\n"
            "  failed_auth_burst: 20\n"
            "  failed_auth_per_minute: 10\n"
            "worker:\n"
            "  max_in_flight: 256\n"
            "  api_threads: 4\n"
            "  probe_threads: 0\n"
            "  per_host_connections: 4\n"
            "  lease: 1m\n"
            "  allow_loopback: false\n"
            "  allow_private: false\n"
            "  allow_cidrs: \"\"\n"
            "  deny_cidrs: \"\"\n"
            "  ca_file: \"\"\n"
            "  static_hosts: \"\"\n"
            "scheduler:\n"
            "  interval: 10s\n"
            "deriver:\n"
            "  sweep_interval: 30s\n"
            "  concurrency: 4\n"
            "  sweep_batch: 1000\n"
            "  sweep_in_flight: 8\n"
            "posture:\n"
            "  fail_threshold: 3\n"
            "  recover_threshold: 2\n"
            "  debounce_window: 1ms\n"
            "  flap_window: 20\n"
            "  flap_low_percent: 25\n"
            "  flap_high_percent: 30\n"
            "notifier:\n"
            "  routes_file: \"\"\n"
            "  concurrency: 4\n"
            "  sender_threads: 4\n"
            "  handle_batch: 256\n"
            "  batch_wait: 2ms\n"
            "  batch_workers: 2\n"
            "  send_batch: 256\n"
            "  sweep_interval: 5s\n"
            "  claim_lease: 2m\n"
            "  max_attempts: 10\n"
            "  external_url: \"\"\n"
            "  retention: 30d\n");
}

// Verifies a dump without secrets parses back to the same config, so check-config output can
// be used as a config file.
TEST(DumpEffective, RoundTripsThroughParse) {
  Config c = FullyPopulated();
  c.storage.database_url = "postgresql://secplat@db:5432/secplat";
  c.queue.url = "redis://redis:6379/3";
  c.platform.api_url = "https://api.internal";
  c.storage.database_password = Secret();
  c.queue.password = Secret();
  c.platform.token = Secret();
  c.storage.data_dir = "/odd \"dir\"\\with\ttab";
  c.server.read_timeout = std::chrono::milliseconds(1500);
  c.auth.bootstrap_admin = false;
  for (const Config& config : {DefaultConfig(), c}) {
    ParseResult r = Parse(DumpEffective(config), {});
    ASSERT_THAT(r.problems, IsEmpty()) << DumpEffective(config);
    EXPECT_EQ(r.config, config) << DumpEffective(config);
  }
}

// Verifies a dump with secrets set does not parse back as inline secrets silently accepted.
TEST(DumpEffective, RedactedSecretsAreRejectedIfFedBack) {
  Config c = DefaultConfig();
  c.platform.token = Secret("tok-123");
  EXPECT_THAT(Parse(DumpEffective(c), {}).problems,
              ::testing::ElementsAre("platform.token: secrets cannot be written in the config "
                                     "file; set SECPLAT_PLATFORM_TOKEN or platform.token_file"));
}

}  // namespace
}  // namespace secplat::config
