#include "core/common/json_string.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace secplat {
namespace {

// Verifies AppendJsonString writes exactly what nlohmann-json's dump writes (invalid UTF-8
// replaced) for random strings mixing long plain runs, every escape, control characters,
// multi-byte and invalid UTF-8; and that it appends.
TEST(AppendJsonString, MatchesNlohmannDumpOnRandomStrings) {
  std::mt19937_64 rng(11);
  const std::vector<std::string> pieces = {
      "plain ascii run of some length ", "x", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t",
      std::string(1, '\0'), "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac",
      "\xf0\x9f\x94\x92", "\xff", "\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80"};
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    for (int n = static_cast<int>(rng() % 12); n > 0; --n) s += pieces[rng() % pieces.size()];
    std::string out = "<";
    AppendJsonString(out, s);
    const std::string want =
        "<" + nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    ASSERT_EQ(out, want) << i;
  }
}

}  // namespace
}  // namespace secplat
