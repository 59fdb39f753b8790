#include "config/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "config/defaults.h"
#include "config/redact.h"

namespace secplat::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using Env = std::map<std::string, std::string>;
using Problems = std::vector<std::string>;

const std::string kTestdata = std::string(SECPLAT_SOURCE_DIR) + "/tests/testdata/config/";

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Secret texts used by the testdata and tests below; none may ever appear in a problem.
const std::vector<std::string> kSecretTexts = {"hunter2", "redis-pass", "tok-123",
                                               "spt_live_0123456789", "s3cret-from-env"};

constexpr char kDurationMessage[] =
    "must be a positive duration like \"500ms\", \"30s\", \"5m\", \"1h\" or \"2d\" (at most "
    "365d), got ";

// ---- invalid-*.yaml table -------------------------------------------------------------------

struct InvalidCase {
  std::string file;  // Under tests/testdata/config/.
  Env env;
  Problems want;
};

std::ostream& operator<<(std::ostream& out, const InvalidCase& c) { return out << c.file; }

std::string D(const std::string& got) { return std::string(kDurationMessage) + got; }

const std::vector<InvalidCase>& InvalidCases() {
  static const auto* const kCases = new std::vector<InvalidCase>{
      // Verifies a misspelled key is an error naming its full path.
      {"invalid-unknown-key.yaml", {}, {"server.prot: unknown key"}},
      // Verifies a misspelled section is an error.
      {"invalid-unknown-section.yaml", {}, {"servr: unknown section"}},
      // Verifies non-integers are rejected with the accepted range and the bad text.
      {"invalid-bad-int.yaml",
       {},
       {R"(server.port: must be an integer between 0 and 65535, got "abc")",
        R"(server.io_threads: must be an integer between 1 and 64, got "2.5")"}},
      // Verifies every integer range is enforced at both ends.
      {"invalid-out-of-range.yaml",
       {},
       {R"(server.port: must be an integer between 0 and 65535, got "65536")",
        R"(server.io_threads: must be an integer between 1 and 64, got "0")",
        R"(server.max_body_bytes: must be an integer between 1024 and 67108864, got "1023")",
        R"(server.max_connections: must be an integer between 1 and 100000, got "100001")"}},
      // Verifies enums and booleans accept only their exact spellings.
      {"invalid-bad-enum.yaml",
       {},
       {R"(log.level: must be one of debug, info, warn, error, got "loud")",
        R"(auth.bootstrap_admin: must be true or false, got "yes")"}},
      // Verifies the flap thresholds keep their hysteresis (low below high).
      {"invalid-flap-thresholds.yaml",
       {},
       {"posture.flap_low_percent: must be below posture.flap_high_percent (40 >= 30)"}},
      // Verifies target rules must be CIDR lists, quoting the first bad entry.
      {"invalid-bad-cidr.yaml",
       {},
       {R"(worker.allow_cidrs: must be a comma-separated list of CIDRs like 10.0.0.0/8 or fd00::/8, got "169.254.0.0/33")",
        R"(worker.deny_cidrs: must be a comma-separated list of CIDRs like 10.0.0.0/8 or fd00::/8, got "not-an-address/8")"}},
      // Verifies durations need a unit, must be positive and must be integers.
      {"invalid-bad-duration.yaml",
       {},
       {"server.read_timeout: " + D(R"("30")"), "server.idle_timeout: " + D(R"("0s")"),
        "storage.busy_timeout: " + D(R"("1.5s")")}},
      // Verifies secrets written in the file are rejected, naming both allowed sources.
      {"invalid-inline-secret.yaml",
       {},
       {"storage.database_password: secrets cannot be written in the config file; set "
        "SECPLAT_STORAGE_DATABASE_PASSWORD or storage.database_password_file",
        "queue.password: secrets cannot be written in the config file; set "
        "SECPLAT_QUEUE_PASSWORD or queue.password_file",
        "platform.token: secrets cannot be written in the config file; set "
        "SECPLAT_PLATFORM_TOKEN or platform.token_file"}},
      // Verifies a secret given both by variable and by *_file is ambiguous and rejected.
      {"invalid-secret-and-file.yaml",
       {{"SECPLAT_QUEUE_PASSWORD", "s3cret-from-env"}},
       {"queue.password: set either SECPLAT_QUEUE_PASSWORD or queue.password_file, not both"}},
      // Verifies a YAML syntax error is reported with its 1-based line and column.
      {"invalid-yaml-syntax.yaml",
       {},
       {"config: invalid YAML at line 3, column 13: end of sequence flow not found"}},
      // Verifies a scalar where a mapping belongs (and the reverse) is reported by shape.
      {"invalid-wrong-node-type.yaml",
       {},
       {"server: must be a mapping", "storage.data_dir: must be a string, got a sequence",
        "log.level: must be one of debug, info, warn, error, got a mapping"}},
      // Verifies URL schemes are checked for the database, the queue and the api.
      {"invalid-bad-url-scheme.yaml",
       {},
       {R"(storage.database_url: must be empty, "sqlite:<path>", "postgres://..." or )"
        R"("postgresql://...", got "mysql://db.internal/secplat")",
        R"(queue.url: must be empty or "redis://host:port[/db]", got "amqp://mq.internal:5672")",
        R"(platform.api_url: must be an http:// or https:// URL with a host, got )"
        R"("ftp://api.internal")"}},
      // Verifies every problem in one file is reported, in file order, not just the first.
      {"invalid-several-problems.yaml",
       {},
       {R"(server.listen_address: must be an IP address or host name, got "not an address")",
        R"(server.port: must be an integer between 0 and 65535, got "-1")",
        "server.read_timeout: " + D(R"("soon")"), "server.colour: unknown key",
        "storage.data_dir: must not be empty",
        R"(log.level: must be one of debug, info, warn, error, got "LOUD")",
        "platform.token: secrets cannot be written in the config file; set "
        "SECPLAT_PLATFORM_TOKEN or platform.token_file",
        "metrics: unknown section"}},
      // Verifies a password inside a URL counts as an inline secret and is not echoed.
      {"invalid-url-password.yaml",
       {},
       {"storage.database_url: must not contain a password; set "
        "SECPLAT_STORAGE_DATABASE_PASSWORD or storage.database_password_file",
        "queue.url: must not contain a password; set SECPLAT_QUEUE_PASSWORD or "
        "queue.password_file",
        "platform.api_url: must not contain a password; set SECPLAT_PLATFORM_TOKEN or "
        "platform.token_file"}},
      // Verifies a repeated key or section is an error rather than last-one-wins.
      {"invalid-duplicate-key.yaml",
       {},
       {"server.port: duplicate key", "server: duplicate section"}},
      // Verifies a document that is not a mapping is rejected as a whole.
      {"invalid-top-level-sequence.yaml", {}, {"config: must be a mapping"}},
      // Verifies an empty value does not silently mean the default for typed keys.
      {"invalid-null-value.yaml",
       {},
       {"server.port: must be an integer between 0 and 65535, got null",
        "server.read_timeout: " + D("null")}},
      // Verifies a Redis URL needs a port.
      {"invalid-bad-queue-url.yaml",
       {},
       {R"(queue.url: must be empty or "redis://host:port[/db]", got "redis://redis.internal")"}},
  };
  return *kCases;
}

class InvalidConfig : public ::testing::TestWithParam<InvalidCase> {};

// Verifies each invalid testdata file yields exactly its expected problems, and no secret text.
TEST_P(InvalidConfig, ReportsExactlyTheExpectedProblems) {
  const InvalidCase& c = GetParam();
  std::string path = kTestdata + c.file;
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  ParseResult r = Load(path, c.env);
  EXPECT_EQ(r.problems, c.want);
  EXPECT_FALSE(r.ok());
  for (const std::string& p : r.problems) {
    for (const std::string& secret : kSecretTexts) EXPECT_THAT(p, Not(HasSubstr(secret)));
  }
  // Parse on the same text gives the same answer: Load only adds file reading.
  EXPECT_EQ(Parse(ReadText(path), c.env).problems, c.want);
}

INSTANTIATE_TEST_SUITE_P(Testdata, InvalidConfig, ::testing::ValuesIn(InvalidCases()),
                         [](const ::testing::TestParamInfo<InvalidCase>& row) {
                           std::string name;
                           for (char ch : row.param.file.substr(0, row.param.file.size() - 5)) {
                             name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           }
                           return name;
                         });

// Verifies no invalid-*.yaml file is left without an expected problem list.
TEST(InvalidConfigTable, CoversEveryInvalidTestdataFile) {
  std::set<std::string> in_table;
  for (const InvalidCase& c : InvalidCases()) in_table.insert(c.file);
  std::set<std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(kTestdata)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("invalid-", 0) == 0) on_disk.insert(name);
  }
  EXPECT_EQ(on_disk, in_table);
  EXPECT_GE(on_disk.size(), 12u);
}

// ---- good files and defaults ----------------------------------------------------------------

// Verifies no file and no variables give exactly DefaultConfig().
TEST(Parse, EmptyTextGivesDefaults) {
  for (const char* text : {"", "\n", "# only a comment\n", "---\n", "server:\n"}) {
    ParseResult r = Parse(text, {});
    EXPECT_THAT(r.problems, IsEmpty()) << text;
    EXPECT_EQ(r.config, DefaultConfig()) << text;
  }
}

// Verifies the example in parse.h: a typo'd key is reported with its full path.
TEST(Parse, ReportsUnknownKeyWithItsPath) {
  ParseResult r = Parse("server:\n  prot: 80\n", {});
  EXPECT_EQ(r.problems, std::vector<std::string>{"server.prot: unknown key"});
  EXPECT_FALSE(r.ok());
}

// Verifies the documented defaults.
TEST(Parse, DefaultsAreTheDocumentedValues) {
  Config c = Parse("", {}).config;
  EXPECT_EQ(c.server.listen_address, "127.0.0.1");
  EXPECT_EQ(c.server.port, 8080);
  EXPECT_EQ(c.server.io_threads, 4);
  EXPECT_EQ(c.server.max_body_bytes, 1048576);
  EXPECT_EQ(c.server.read_timeout, std::chrono::seconds(30));
  EXPECT_EQ(c.server.idle_timeout, std::chrono::seconds(60));
  EXPECT_EQ(c.server.max_connections, 10000);
  EXPECT_EQ(c.storage.data_dir, "./data");
  EXPECT_EQ(c.storage.database_url, "");
  EXPECT_TRUE(c.storage.database_password.empty());
  EXPECT_EQ(c.storage.busy_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c.queue.url, "");
  EXPECT_TRUE(c.queue.password.empty());
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.platform.api_url, "http://127.0.0.1:8080");
  EXPECT_TRUE(c.platform.token.empty());
  EXPECT_TRUE(c.auth.bootstrap_admin);
  EXPECT_EQ(EffectiveDatabaseUrl(c.storage), "sqlite:./data/secplat.db");
  EXPECT_EQ(EmbeddedQueueDir(c), "./data/queue");
}

// Verifies good.yaml parses cleanly and every value lands in its field.
TEST(Parse, GoodFileValuesLand) {
  ParseResult r = Parse(ReadText(kTestdata + "good.yaml"), {});
  ASSERT_THAT(r.problems, IsEmpty());
  const Config& c = r.config;
  EXPECT_EQ(c.server.listen_address, "0.0.0.0");
  EXPECT_EQ(c.server.port, 9443);
  EXPECT_EQ(c.server.io_threads, 8);
  EXPECT_EQ(c.server.max_body_bytes, 2097152);
  EXPECT_EQ(c.server.read_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(c.server.idle_timeout, std::chrono::minutes(2));
  EXPECT_EQ(c.server.max_connections, 2500);
  EXPECT_EQ(c.storage.data_dir, "/var/lib/secplat");
  EXPECT_EQ(c.storage.database_url,
            "postgresql://secplat@db.internal:5432/secplat?sslmode=require");
  EXPECT_EQ(c.storage.database_password_file, "/run/secrets/secplat_db_password");
  EXPECT_TRUE(c.storage.database_password.empty());  // Parse() does not read files.
  EXPECT_EQ(c.storage.busy_timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.queue.url, "redis://redis.internal:6379/2");
  EXPECT_EQ(c.queue.password_file, "/run/secrets/secplat_queue_password");
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.platform.api_url, "https://api.secplat.internal:9443");
  EXPECT_EQ(c.platform.token_file, "/run/secrets/secplat_platform_token");
  EXPECT_FALSE(c.auth.bootstrap_admin);
}

// Verifies the notifier's micro-batching settings: their defaults, values from the file and the
// environment, and their bounds.
TEST(Parse, NotifierBatchingSettingsLandAndAreBounded) {
  Config d = Parse("", {}).config;
  EXPECT_EQ(d.notifier.handle_batch, 256);
  EXPECT_EQ(d.notifier.batch_wait, std::chrono::milliseconds(2));
  EXPECT_EQ(d.notifier.batch_workers, 2);
  EXPECT_EQ(d.notifier.send_batch, 256);

  ParseResult r = Parse(
      "notifier:\n  handle_batch: 1\n  batch_wait: 10ms\n  batch_workers: 4\n"
      "  send_batch: 32\n",
      {{"SECPLAT_NOTIFIER_SEND_BATCH", "1000"}});
  ASSERT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.config.notifier.handle_batch, 1);
  EXPECT_EQ(r.config.notifier.batch_wait, std::chrono::milliseconds(10));
  EXPECT_EQ(r.config.notifier.batch_workers, 4);
  EXPECT_EQ(r.config.notifier.send_batch, 1000);

  ParseResult bad = Parse(
      "notifier:\n  handle_batch: 0\n  batch_wait: 0s\n  batch_workers: 65\n"
      "  send_batch: 1001\n",
      {});
  EXPECT_EQ(bad.problems.size(), 4u) << ::testing::PrintToString(bad.problems);
  EXPECT_EQ(bad.config.notifier.handle_batch, 256);  // invalid values change nothing
}

// Verifies the accepted spellings of each URL kind and of listen addresses.
TEST(Parse, AcceptsEveryDocumentedUrlForm) {
  for (const char* yaml : {
           "storage: {database_url: 'sqlite:/var/lib/secplat/x.db'}",
           "storage: {database_url: 'postgres://db/secplat'}",
           "storage: {database_url: 'postgresql://u@db:5432/secplat?sslmode=verify-full'}",
           "storage: {database_url: ''}",
           "queue: {url: 'redis://127.0.0.1:6379'}",
           "queue: {url: 'redis://redis.internal:6379/15'}",
           "queue: {url: 'redis://[::1]:6379/0'}",
           "platform: {api_url: 'http://localhost:8080'}",
           "platform: {api_url: 'https://api.example.com/base'}",
           "server: {listen_address: '::'}",
           "server: {listen_address: 'localhost'}",
           "server: {listen_address: '10.0.0.7', port: 0}",
       }) {
    EXPECT_THAT(Parse(yaml, {}).problems, IsEmpty()) << yaml;
  }
}

// Verifies an empty value for a secret key is not an inline secret (DumpEffective prints it).
TEST(Parse, EmptySecretInFileIsAllowed) {
  ParseResult r = Parse("platform:\n  token: \"\"\nqueue:\n  password:\n", {});
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_TRUE(r.config.platform.token.empty());
}

// Verifies a badly formed URL is echoed with its password redacted.
TEST(Parse, BadUrlIsEchoedWithoutItsPassword) {
  EXPECT_THAT(
      Parse("storage:\n  database_url: mysql://u:hunter2@db/x?password=hunter2\n", {}).problems,
      ElementsAre(R"(storage.database_url: must be empty, "sqlite:<path>", "postgres://..." or )"
                  R"("postgresql://...", got "mysql://u:<secret>@db/x?password=<secret>")"));
  EXPECT_THAT(Parse("storage:\n  database_url: postgres://db/x?sslmode=off&password=hunter2\n", {})
                  .problems,
              ElementsAre("storage.database_url: must not contain a password; set "
                          "SECPLAT_STORAGE_DATABASE_PASSWORD or storage.database_password_file"));
}

// Verifies a NUL byte cannot cut a string short on its way to a C API.
TEST(Parse, RejectsNulBytesInStrings) {
  EXPECT_THAT(Parse("", {{"SECPLAT_SERVER_LISTEN_ADDRESS", std::string("127.0.0.1\0x", 11)},
                         {"SECPLAT_STORAGE_DATA_DIR", std::string("/srv\0/etc", 9)}})
                  .problems,
              ElementsAre(R"(SECPLAT_SERVER_LISTEN_ADDRESS (server.listen_address): must not )"
                          R"(contain NUL bytes, got "127.0.0.1\x00x")",
                          R"(SECPLAT_STORAGE_DATA_DIR (storage.data_dir): must not contain NUL )"
                          R"(bytes, got "/srv\x00/etc")"));
}

// Verifies more than one YAML document is rejected.
TEST(Parse, RejectsSeveralDocuments) {
  EXPECT_THAT(Parse("server: {port: 1}\n---\nserver: {port: 2}\n", {}).problems,
              ElementsAre("config: must hold one YAML document, found 2"));
}

// Verifies a hostile key cannot inject a line break into a problem.
TEST(Parse, QuotesKeysThatAreNotPlainNames) {
  EXPECT_THAT(Parse("\"a\\nb\": 1\nserver:\n  \"p o\": 2\n", {}).problems,
              ElementsAre(R"("a\nb": unknown section)", R"(server."p o": unknown key)"));
}

// ---- environment ----------------------------------------------------------------------------

// Verifies SECPLAT_<SECTION>_<KEY> overrides the file for every kind of value.
TEST(Environment, OverrideWinsOverFile) {
  ParseResult r = Parse("server:\n  port: 9090\n  read_timeout: 10s\nlog:\n  level: debug\n",
                        {{"SECPLAT_SERVER_PORT", "7070"},
                         {"SECPLAT_SERVER_READ_TIMEOUT", "5m"},
                         {"SECPLAT_STORAGE_DATA_DIR", "/srv/secplat"},
                         {"SECPLAT_LOG_LEVEL", "warn"},
                         {"SECPLAT_AUTH_BOOTSTRAP_ADMIN", "false"},
                         {"SECPLAT_QUEUE_URL", "redis://127.0.0.1:6380/1"}});
  ASSERT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.config.server.port, 7070);
  EXPECT_EQ(r.config.server.read_timeout, std::chrono::minutes(5));
  EXPECT_EQ(r.config.storage.data_dir, "/srv/secplat");
  EXPECT_EQ(r.config.log.level, "warn");
  EXPECT_FALSE(r.config.auth.bootstrap_admin);
  EXPECT_EQ(r.config.queue.url, "redis://127.0.0.1:6380/1");
}

// Verifies secrets can be set from the environment and land in their Secret.
TEST(Environment, SetsSecrets) {
  ParseResult r = Parse("", {{"SECPLAT_PLATFORM_TOKEN", "tok-123"},
                             {"SECPLAT_QUEUE_PASSWORD", "redis-pass"},
                             {"SECPLAT_STORAGE_DATABASE_PASSWORD", "hunter2"}});
  ASSERT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.config.platform.token.Reveal(), "tok-123");
  EXPECT_EQ(r.config.queue.password.Reveal(), "redis-pass");
  EXPECT_EQ(r.config.storage.database_password.Reveal(), "hunter2");
}

// Verifies an empty secret variable leaves the secret unset (and so is no conflict).
TEST(Environment, EmptySecretVariableMeansUnset) {
  ParseResult r =
      Parse("platform:\n  token_file: /run/secrets/t\n", {{"SECPLAT_PLATFORM_TOKEN", ""}});
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_TRUE(r.config.platform.token.empty());
}

// Verifies a bad value in a variable is reported with the variable and the key path.
TEST(Environment, BadValueIsReported) {
  ParseResult r = Parse("server:\n  port: 9090\n", {{"SECPLAT_SERVER_PORT", "abc"},
                                                    {"SECPLAT_LOG_LEVEL", "loud"},
                                                    {"SECPLAT_STORAGE_BUSY_TIMEOUT", "-5s"}});
  EXPECT_THAT(
      r.problems,
      ElementsAre(R"(SECPLAT_LOG_LEVEL (log.level): must be one of debug, info, warn, error, )"
                  R"(got "loud")",
                  R"(SECPLAT_SERVER_PORT (server.port): must be an integer between 0 and )"
                  R"(65535, got "abc")",
                  "SECPLAT_STORAGE_BUSY_TIMEOUT (storage.busy_timeout): " + D(R"("-5s")")));
  EXPECT_EQ(r.config.server.port, 9090);  // The invalid override changed nothing.
}

// Verifies an unknown key under a known section is an error, like a typo in the file.
TEST(Environment, UnknownKeyUnderKnownSectionIsReported) {
  EXPECT_THAT(Parse("", {{"SECPLAT_SERVER_PROT", "80"}}).problems,
              ElementsAre("SECPLAT_SERVER_PROT (server.prot): unknown key"));
  EXPECT_THAT(Parse("", {{"SECPLAT_SERVER_port", "80"}}).problems,
              ElementsAre("SECPLAT_SERVER_port: unknown key; variables are named "
                          "SECPLAT_<SECTION>_<KEY> in upper case"));
}

// Verifies SECPLAT_* variables outside the config sections belong to others and are ignored.
TEST(Environment, OtherSecplatVariablesAreIgnored) {
  ParseResult r = Parse("", {{"SECPLAT_TEST_REDIS_URL", "redis://127.0.0.1:1"},
                             {"SECPLAT_TEST_PG_DSN", "postgres://x"},
                             {"SECPLAT_CONFIG", "/etc/secplat.yaml"},
                             {"SECPLAT_server_port", "1"},
                             {"PATH", "/usr/bin"},
                             {"SERVER_PORT", "1"}});
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.config, DefaultConfig());
}

// Verifies a secret variable plus a *_file variable conflict, and the secret is not echoed.
TEST(Environment, SecretAndItsFileBothSetIsAnError) {
  ParseResult r = Parse("", {{"SECPLAT_PLATFORM_TOKEN", "tok-123"},
                             {"SECPLAT_PLATFORM_TOKEN_FILE", "/run/secrets/t"}});
  EXPECT_THAT(r.problems, ElementsAre("platform.token: set either SECPLAT_PLATFORM_TOKEN or "
                                      "platform.token_file, not both"));
}

// Verifies file problems and environment problems are reported together, file first.
TEST(Environment, FileAndEnvironmentProblemsAreAllReported) {
  EXPECT_THAT(Parse("server:\n  prot: 1\n", {{"SECPLAT_SERVER_IO_THREADS", "0"}}).problems,
              ElementsAre("server.prot: unknown key",
                          R"(SECPLAT_SERVER_IO_THREADS (server.io_threads): must be an integer )"
                          R"(between 1 and 64, got "0")"));
}

// Verifies every key printed by DumpEffective has its SECPLAT_<SECTION>_<KEY> variable.
TEST(Environment, EveryKeyHasAVariable) {
  std::istringstream dump(DumpEffective(DefaultConfig()));
  std::string line;
  std::string section;
  int keys = 0;
  while (std::getline(dump, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] != ' ') {
      section = line.substr(0, line.size() - 1);
      continue;
    }
    size_t colon = line.find(':');
    std::string key = line.substr(2, colon - 2);
    std::string value = line.substr(colon + 2);
    if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
    std::string name = "SECPLAT_" + section + "_" + key;
    for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    ParseResult r = Parse("", {{name, value}});
    EXPECT_THAT(r.problems, IsEmpty()) << name;
    EXPECT_EQ(r.config, DefaultConfig()) << name;
    ++keys;
  }
  EXPECT_EQ(keys, 56);
}

// Verifies a URL password is refused from the environment too, and never echoed.
TEST(Environment, UrlWithPasswordIsRefusedAndNotEchoed) {
  ParseResult r = Parse("", {{"SECPLAT_STORAGE_DATABASE_URL", "postgres://u:hunter2@db/x"},
                             {"SECPLAT_QUEUE_URL", "rediss://:redis-pass@r:6379"}});
  EXPECT_THAT(r.problems,
              ElementsAre("SECPLAT_QUEUE_URL (queue.url): must be empty or "
                          "\"redis://host:port[/db]\", got \"rediss://:<secret>@r:6379\"",
                          "SECPLAT_STORAGE_DATABASE_URL (storage.database_url): must not contain "
                          "a password; set SECPLAT_STORAGE_DATABASE_PASSWORD or "
                          "storage.database_password_file"));
}

// Verifies ProcessEnvironment snapshots the real environment.
TEST(Environment, ProcessEnvironmentSeesSetenv) {
  ASSERT_EQ(setenv("SECPLAT_TEST_CONFIG_PROBE", "a=b", 1), 0);
  auto env = ProcessEnvironment();
  unsetenv("SECPLAT_TEST_CONFIG_PROBE");
  ASSERT_EQ(env.count("SECPLAT_TEST_CONFIG_PROBE"), 1u);
  EXPECT_EQ(env["SECPLAT_TEST_CONFIG_PROBE"], "a=b");
}

// ---- hostile input --------------------------------------------------------------------------

// Verifies deep nesting, binary junk and random bytes never crash and give one-line problems.
TEST(Parse, SurvivesHostileInput) {
  std::vector<std::string> inputs = {
      std::string(100000, '['),
      std::string(100000, '{'),
      "server: " + std::string(5000, '[') + std::string(5000, ']'),
      std::string("server:\n  port: \0\x01\xff\n", 20),
      "&a [*a]",
      "server: &s {port: 1}\nstorage: *s\n",
      "? [a, b]\n: c\n",
      "server:\n  ? {a: 1}\n  : 2\n",
      "!!binary AAAA",
      "server:\n  port: !!int 80\n",
      "\xef\xbb\xbfserver: {port: 1}\n",
  };
  std::mt19937 rng(20240601);
  std::string alphabet = "server:port[]{}-?&*!|>'\"#%@`\n\t 0123456789abc\\";
  for (int i = 0; i < 300; ++i) {
    std::string s;
    size_t len = rng() % 200;
    for (size_t j = 0; j < len; ++j) s += alphabet[rng() % alphabet.size()];
    inputs.push_back(s);
  }
  for (const std::string& in : inputs) {
    ParseResult r = Parse(in, {});
    for (const std::string& p : r.problems) {
      EXPECT_EQ(p.find('\n'), std::string::npos) << p;
      EXPECT_FALSE(p.empty());
    }
  }
}

}  // namespace
}  // namespace secplat::config
