// Load(): file reading around Parse(), and *_file secrets, against real files in a temp dir.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "config/defaults.h"
#include "config/parse.h"

namespace secplat::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Env = std::map<std::string, std::string>;

const std::string kTestdata = std::string(SECPLAT_SOURCE_DIR) + "/tests/testdata/config/";
const std::string kExample = std::string(SECPLAT_SOURCE_DIR) + "/deploy/secplat.example.yaml";

class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "secplat-config-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `content` to <tmp>/<name> and returns the path.
  std::string Write(const std::string& name, const std::string& content) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  std::filesystem::path dir_;
};

// Verifies an empty path means no file: all defaults.
TEST_F(LoadTest, EmptyPathGivesDefaults) {
  ParseResult r = Load("", {});
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.config, DefaultConfig());
}

// Verifies a file's values land and the environment still overrides them.
TEST_F(LoadTest, ReadsTheFileAndAppliesTheEnvironment) {
  std::string path = Write("secplat.yaml", "server:\n  port: 9090\n  io_threads: 2\n");
  ParseResult r = Load(path, {{"SECPLAT_SERVER_IO_THREADS", "3"}});
  ASSERT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.config.server.port, 9090);
  EXPECT_EQ(r.config.server.io_threads, 3);
}

// Verifies a missing config file is one problem naming the path and errno text, and the
// environment is still checked.
TEST_F(LoadTest, MissingConfigFileIsReported) {
  std::string path = (dir_ / "nope.yaml").string();
  ParseResult r = Load(path, {{"SECPLAT_SERVER_PORT", "x"}});
  EXPECT_THAT(r.problems,
              ElementsAre(path + ": cannot read: No such file or directory",
                          "SECPLAT_SERVER_PORT (server.port): must be an integer between 0 and "
                          "65535, got \"x\""));
}

// Verifies a directory given as the config file is reported, not read as empty.
TEST_F(LoadTest, DirectoryAsConfigFileIsReported) {
  EXPECT_THAT(Load(dir_.string(), {}).problems,
              ElementsAre(dir_.string() + ": cannot read: Is a directory"));
}

// Verifies an oversized config file is refused rather than read without bound.
TEST_F(LoadTest, OversizedConfigFileIsReported) {
  std::string path = Write("big.yaml", std::string((1 << 20) + 1, '#'));
  EXPECT_THAT(Load(path, {}).problems, ElementsAre(path + ": larger than 1048576 bytes"));
}

// Verifies each *_file secret is read and its trailing newline stripped.
TEST_F(LoadTest, ReadsSecretFilesAndStripsTrailingNewline) {
  std::string token = Write("token", "tok-123\n");
  std::string db = Write("db", "hunter2\r\n");
  std::string queue = Write("queue", "redis-pass");
  std::string path = Write("secplat.yaml", "storage:\n  database_password_file: " + db +
                                               "\nplatform:\n  token_file: " + token + "\n");
  ParseResult r = Load(path, {{"SECPLAT_QUEUE_PASSWORD_FILE", queue}});
  ASSERT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.config.platform.token.Reveal(), "tok-123");
  EXPECT_EQ(r.config.storage.database_password.Reveal(), "hunter2");
  EXPECT_EQ(r.config.queue.password.Reveal(), "redis-pass");
}

// Verifies a missing secret file is reported with its key, path and errno text.
TEST_F(LoadTest, MissingSecretFileIsReported) {
  std::string missing = (dir_ / "absent").string();
  ParseResult r = Load("", {{"SECPLAT_PLATFORM_TOKEN_FILE", missing}});
  EXPECT_THAT(r.problems, ElementsAre("platform.token_file: cannot read " + missing +
                                      ": No such file or directory"));
  EXPECT_TRUE(r.config.platform.token.empty());
}

// Verifies a secret file holding only a newline is reported as empty.
TEST_F(LoadTest, EmptySecretFileIsReported) {
  std::string empty = Write("empty", "\n");
  EXPECT_THAT(Load("", {{"SECPLAT_QUEUE_PASSWORD_FILE", empty}}).problems,
              ElementsAre("queue.password_file: " + empty + " is empty"));
}

// Verifies a secret file is not read when the variable also sets the secret (already an error).
TEST_F(LoadTest, ConflictingSecretIsReportedOnce) {
  std::string token = Write("token", "from-file\n");
  ParseResult r =
      Load("", {{"SECPLAT_PLATFORM_TOKEN", "tok-123"}, {"SECPLAT_PLATFORM_TOKEN_FILE", token}});
  EXPECT_THAT(r.problems, ElementsAre("platform.token: set either SECPLAT_PLATFORM_TOKEN or "
                                      "platform.token_file, not both"));
}

// Verifies good.yaml loads with its secret files supplied by *_FILE overrides.
TEST_F(LoadTest, GoodFileLoadsWithSecretFiles) {
  ParseResult r = Load(kTestdata + "good.yaml",
                       {{"SECPLAT_STORAGE_DATABASE_PASSWORD_FILE", Write("db", "hunter2\n")},
                        {"SECPLAT_QUEUE_PASSWORD_FILE", Write("q", "redis-pass\n")},
                        {"SECPLAT_PLATFORM_TOKEN_FILE", Write("t", "tok-123\n")}});
  ASSERT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.config.server.port, 9443);
  EXPECT_EQ(r.config.storage.database_password.Reveal(), "hunter2");
}

// The sample under deploy/ names /run/secrets/... files, which exist only in a deployment.
// Parse() never reads them, so the sample must parse cleanly as is; Load() is checked with the
// *_file keys pointed at temp files through the environment, the way an operator would.

// Verifies deploy/secplat.example.yaml parses with no problems, so the sample cannot rot.
TEST_F(LoadTest, ExampleConfigParses) {
  std::ifstream in(kExample);
  ASSERT_TRUE(in.good()) << kExample;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ParseResult r = Parse(text, {});
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_FALSE(r.config.platform.token_file.empty());
  EXPECT_NE(r.config, DefaultConfig());
}

// Verifies deploy/secplat.example.yaml loads once its secret files exist.
TEST_F(LoadTest, ExampleConfigLoadsWithSecretFiles) {
  ParseResult r =
      Load(kExample, {{"SECPLAT_STORAGE_DATABASE_PASSWORD_FILE", Write("db", "hunter2\n")},
                      {"SECPLAT_QUEUE_PASSWORD_FILE", Write("q", "redis-pass\n")},
                      {"SECPLAT_PLATFORM_TOKEN_FILE", Write("t", "tok-123\n")}});
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.config.platform.token.Reveal(), "tok-123");
  EXPECT_EQ(r.config.queue.password.Reveal(), "redis-pass");
  EXPECT_EQ(r.config.storage.database_password.Reveal(), "hunter2");
}

}  // namespace
}  // namespace secplat::config
