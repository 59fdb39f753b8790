#include "log/logger.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

namespace secplat::log {
namespace {

std::string Capture(const std::function<void()>& fn) {
  std::FILE* f = std::tmpfile();
  Init("test-svc", Level::kInfo, f);
  fn();
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  Init("test-svc", Level::kInfo, nullptr);
  return out;
}

// Verifies one line is one JSON object with every standard field, in UTC with milliseconds.
TEST(Logger, WritesOneJsonObjectPerLineWithStandardFields) {
  std::string out = Capture([] {
    Info("stored", {.request_id = "r-1",
                    .asset_key = "web-1",
                    .action = "finding.upsert",
                    .status = "created",
                    .extra = {{"n", "3"}}});
  });
  ASSERT_EQ(out.back(), '\n');
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["service"], "test-svc");
  EXPECT_EQ(j["request_id"], "r-1");
  EXPECT_EQ(j["asset_key"], "web-1");
  EXPECT_EQ(j["action"], "finding.upsert");
  EXPECT_EQ(j["status"], "created");
  EXPECT_EQ(j["message"], "stored");
  EXPECT_EQ(j["n"], "3");
  std::string ts = j["timestamp"];
  EXPECT_EQ(ts.size(), 24u);
  EXPECT_EQ(ts.back(), 'Z');
}

// Verifies lines below the level are dropped.
TEST(Logger, DropsBelowLevel) {
  EXPECT_EQ(Capture([] { Debug("hidden"); }), "");
}

// Verifies hostile text (quotes, newlines, control bytes, invalid UTF-8) cannot break the line.
TEST(Logger, EscapesHostileText) {
  std::string hostile = "a\"b\\c\nd\x01\xff\xc3(";
  std::string out = Capture([&] { Warn(hostile, {.asset_key = hostile}); });
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["message"], "a\"b\\c\nd\x01\xef\xbf\xbd\xef\xbf\xbd(");
}

}  // namespace
}  // namespace secplat::log
