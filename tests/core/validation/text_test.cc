#include "core/validation/text.h"

#include <gtest/gtest.h>

#include <string>

#include "core/validation/field_path.h"

namespace secplat::core::validation {
namespace {

// Verifies well-formed UTF-8 is accepted and each malformation refused.
TEST(IsValidUtf8, AcceptsWellFormedAndRefusesMalformed) {
  for (const char* ok :
       {"", "ascii", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x94\x92", "\xf4\x8f\xbf\xbf"})
    EXPECT_TRUE(IsValidUtf8(ok)) << ok;
  for (const char* bad : {"\x80", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
                          "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "a\xc3(b"})
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
}

// Verifies lengths are counted in code points, not bytes.
TEST(CountCodePoints, CountsCharactersNotBytes) {
  EXPECT_EQ(CountCodePoints(""), 0u);
  EXPECT_EQ(CountCodePoints("h\xc3\xa9"), 2u);
  EXPECT_EQ(CountCodePoints("\xf0\x9f\x94\x92!"), 2u);
}

// Verifies CheckText's messages for each failure.
TEST(CheckText, ReportsEachFailureWithTheField) {
  EXPECT_TRUE(CheckText("name", "ok", 1, 2).has_value());
  EXPECT_EQ(CheckText("name", "", 1, 200).error().message, "name: must be 1 to 200 characters");
  EXPECT_EQ(CheckText("owner", "abc", 0, 2).error().message, "owner: must be at most 2 characters");
  EXPECT_EQ(CheckText("name", "\xff", 0, 9).error().message, "name: must be valid UTF-8");
  EXPECT_EQ(CheckText("name", std::string("\0", 1), 0, 9).error().message,
            "name: must not contain NUL characters");
}

// Verifies paths join plain keys with dots, index arrays, and quote anything unusual.
TEST(FieldPath, JoinsPlainKeysAndQuotesOthers) {
  EXPECT_EQ(JoinPath("", "labels"), "labels");
  EXPECT_EQ(JoinPath("labels", "team"), "labels.team");
  EXPECT_EQ(JoinPath(IndexPath("findings", 3), "severity"), "findings[3].severity");
  EXPECT_EQ(JoinPath("labels", "app.kubernetes.io/name"), "labels[\"app.kubernetes.io/name\"]");
  EXPECT_EQ(JoinPath("", "a b"), "[\"a b\"]");
  EXPECT_EQ(JoinPath("x", ""), "x[\"\"]");
  EXPECT_EQ(JoinPath("x", "q\"\\\n\xff"), "x[\"q\\\"\\\\\\x0a\\xff\"]");
  EXPECT_EQ(JoinPath("x", std::string(65, 'k')), "x[\"" + std::string(64, 'k') + "...\"]");
  EXPECT_EQ(FieldMessage("", "must be a JSON object"), "body: must be a JSON object");
  EXPECT_EQ(FieldMessage("labels.team", "must be a string"), "labels.team: must be a string");
}

}  // namespace
}  // namespace secplat::core::validation
