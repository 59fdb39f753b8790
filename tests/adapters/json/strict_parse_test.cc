// The malformed-body corpus, run through every decoder: whatever the decoder, hostile or broken
// input gets the same precise error, and nothing throws, crashes or recurses deeply.
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "adapters/json/codec.h"

namespace secplat::adapters::json {
namespace {

using Decoder = std::function<std::optional<Error>(std::string_view)>;

template <typename R>
std::optional<Error> ErrorOf(const R& r) {
  if (r.has_value()) return std::nullopt;
  return r.error();
}

core::model::Asset PatchBase() {
  core::model::Asset a;
  a.asset_key = "web-1";
  a.name = "Web";
  a.url = "https://example.com/";
  a.host = "example.com";
  a.port = 443;
  return a;
}

// Every decoder that takes untrusted or remote text.
std::vector<std::pair<std::string, Decoder>> AllDecoders() {
  return {
      {"DecodeEnvelope", [](std::string_view b) { return ErrorOf(DecodeEnvelope(b)); }},
      {"DecodeStoredEvent", [](std::string_view b) { return ErrorOf(DecodeStoredEvent(b)); }},
      {"DecodeAssetCreate", [](std::string_view b) { return ErrorOf(DecodeAssetCreate(b)); }},
      {"DecodeAssetPatch",
       [](std::string_view b) { return ErrorOf(DecodeAssetPatch(b, PatchBase())); }},
      {"DecodeAsset", [](std::string_view b) { return ErrorOf(DecodeAsset(b)); }},
      {"DecodeObservation", [](std::string_view b) { return ErrorOf(DecodeObservation(b)); }},
      {"DecodeObservationBatch",
       [](std::string_view b) { return ErrorOf(DecodeObservationBatch(b, 10)); }},
      {"DecodeFinding", [](std::string_view b) { return ErrorOf(DecodeFinding(b)); }},
      {"DecodeStatusChange", [](std::string_view b) { return ErrorOf(DecodeStatusChange(b)); }},
      {"DecodeScanRequest", [](std::string_view b) { return ErrorOf(DecodeScanRequest(b)); }},
      {"DecodeScanStatusUpdate",
       [](std::string_view b) { return ErrorOf(DecodeScanStatusUpdate(b)); }},
      {"DecodeLogAppend", [](std::string_view b) { return ErrorOf(DecodeLogAppend(b)); }},
      {"DecodeScanJob", [](std::string_view b) { return ErrorOf(DecodeScanJob(b)); }},
      {"DecodeTokenCreate", [](std::string_view b) { return ErrorOf(DecodeTokenCreate(b)); }},
      {"DecodeError", [](std::string_view b) { return ErrorOf(DecodeError(b)); }},
      {"DecodeList", [](std::string_view b) { return ErrorOf(DecodeList(b)); }},
      {"CanonicalJsonObject", [](std::string_view b) { return ErrorOf(CanonicalJsonObject(b)); }},
  };
}

std::string Nested(int levels) {
  std::string s;
  for (int i = 0; i < levels - 1; ++i) s += "{\"a\":";
  s += "{}";
  for (int i = 0; i < levels - 1; ++i) s += "}";
  return s;
}

struct Malformed {
  const char* why;
  std::string body;
  std::string message;
};

std::vector<Malformed> Corpus() {
  const std::string kObj = "body: must be a JSON object";
  const std::string kDeep = "body: nesting deeper than 32 levels";
  return {
      // Verifies empty and blank bodies are named as such.
      {"empty body", "", "body: must not be empty"},
      {"blank body", " \r\n\t", "body: must not be empty"},
      // Verifies truncated JSON reports the byte where it ended.
      {"lone brace", "{",
       "body: invalid JSON at byte 2: syntax error while parsing object key - unexpected end of "
       "input; expected string literal"},
      {"truncated after colon", R"({"asset_key":)",
       "body: invalid JSON at byte 14: syntax error while parsing value - unexpected end of input; "
       "expected '[', '{', or a literal"},
      {"truncated string", R"({"asset_key":"web)",
       "body: invalid JSON at byte 18: syntax error while parsing value - invalid string: missing "
       "closing quote"},
      {"truncated object", R"({"a":1)",
       "body: invalid JSON at byte 7: syntax error while parsing object - unexpected end of input; "
       "expected '}'"},
      // Verifies syntax errors are reported without echoing the input.
      {"bad literal", R"({"a":tru})",
       "body: invalid JSON at byte 9: syntax error while parsing value - invalid literal"},
      {"single quotes", "{'a':1}",
       "body: invalid JSON at byte 2: syntax error while parsing object key - invalid literal; "
       "expected string literal"},
      {"trailing comma", R"({"a":1,})",
       "body: invalid JSON at byte 8: syntax error while parsing object key - unexpected '}'; "
       "expected string literal"},
      {"NaN", R"({"a":NaN})",
       "body: invalid JSON at byte 6: syntax error while parsing value - invalid literal"},
      {"leading zero", R"({"a":01})",
       "body: invalid JSON at byte 7: syntax error while parsing object - unexpected number "
       "literal; expected '}'"},
      {"comment", "/*c*/{}",
       "body: invalid JSON at byte 1: syntax error while parsing value - invalid literal"},
      {"trailing garbage", "{}x",
       "body: invalid JSON at byte 3: syntax error while parsing value - invalid literal; "
       "expected end of input"},
      {"two documents", "{} {}",
       "body: invalid JSON at byte 4: syntax error while parsing value - unexpected '{'; expected "
       "end of input"},
      // Verifies a body that is JSON but not an object is refused (arrays included).
      {"empty array", "[]", kObj},
      {"array of objects", R"([{"asset_key":"web-1","kind":"web"}])", kObj},
      {"string", R"("hello")", kObj},
      {"number", "42", kObj},
      {"null", "null", kObj},
      {"boolean", "true", kObj},
      // Verifies hostile depth is refused by the pre-scan, before any parser recursion.
      {"10k nested arrays", std::string(10000, '['), kDeep},
      {"10k nested objects", Nested(10000), kDeep},
      {"33 levels", Nested(33), kDeep},
      {"deep inside a value", R"({"evidence":)" + std::string(40, '[') + std::string(40, ']') + "}",
       kDeep},
      // Verifies numbers beyond double range are refused by the parser.
      {"huge exponent", R"({"a":1e400})",
       "body: invalid JSON at byte 10: number overflow parsing '1e400'"},
      {"huge negative exponent", R"({"a":-1e400})",
       "body: invalid JSON at byte 11: number overflow parsing '-1e400'"},
      // Verifies integers beyond 64 bits are refused rather than rounded to a double.
      {"integer beyond 64 bits", R"({"a":{"n":18446744073709551616}})",
       "a.n: integer out of 64-bit range"},
      {"negative integer beyond 64 bits", R"({"a":[-9223372036854775809]})",
       "a[0]: integer out of 64-bit range"},
      // Verifies non-UTF-8 bytes are refused, inside and outside strings.
      {"invalid UTF-8 in string", "{\"a\":\"\xff\"}",
       "body: invalid JSON at byte 7: syntax error while parsing value - invalid string: "
       "ill-formed UTF-8 byte"},
      {"overlong UTF-8", "{\"a\":\"\xc0\xaf\"}",
       "body: invalid JSON at byte 7: syntax error while parsing value - invalid string: "
       "ill-formed UTF-8 byte"},
      {"truncated UTF-8", "{\"a\":\"\xc3\"}",
       "body: invalid JSON at byte 8: syntax error while parsing value - invalid string: "
       "ill-formed UTF-8 byte"},
      {"invalid byte outside string", "\xff",
       "body: invalid JSON at byte 1: syntax error while parsing value - invalid literal"},
      {"lone surrogate escape", R"({"a":"\ud800"})",
       "body: invalid JSON at byte 13: syntax error while parsing value - invalid string: "
       "surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF"},
      {"byte order mark", "\xef\xbb\xbf{}", "body: invalid JSON at byte 1: byte order mark"},
      // Verifies NUL is refused raw (anywhere) and escaped (in strings and keys).
      {"raw NUL in string", std::string("{\"a\":\"x\0\"}", 10),
       "body: invalid JSON at byte 8: NUL byte"},
      {"raw NUL after document", std::string("{}\0{\"x\":1}", 10),
       "body: invalid JSON at byte 3: NUL byte"},
      {"escaped NUL in value", R"({"a":"x\u0000y"})", "a: must not contain NUL characters"},
      {"escaped NUL in key", R"({"\u0000":1})", "[\"\\x00\"]: must not contain NUL characters"},
      {"escaped NUL in array", R"({"a":["ok","\u0000"]})", "a[1]: must not contain NUL characters"},
      // Verifies duplicate keys are refused at any depth, with their path.
      {"duplicate key", R"({"a":1,"a":2})", "a: duplicate key"},
      {"nested duplicate key", R"({"a":{"b":1,"b":2}})", "a.b: duplicate key"},
      {"duplicate key in array item", R"({"a":[{"b":1},{"b":1,"b":2}]})", "a[1].b: duplicate key"},
  };
}

// Verifies every decoder refuses every malformed body with the exact same message.
TEST(StrictParse, EveryDecoderRefusesTheMalformedCorpusWithExactMessages) {
  for (const auto& [name, decode] : AllDecoders()) {
    for (const auto& c : Corpus()) {
      std::optional<Error> e = decode(c.body);
      ASSERT_TRUE(e.has_value()) << name << ": " << c.why;
      EXPECT_EQ(e->code, ErrorCode::kInvalidArgument) << name << ": " << c.why;
      EXPECT_EQ(e->message, c.message) << name << ": " << c.why;
    }
  }
}

// Verifies 32 levels pass the depth limit (the limit is inclusive), and brackets inside strings
// do not count.
TEST(CheckNestingDepth, CountsOnlyStructuralBracketsUpToTheLimit) {
  EXPECT_TRUE(CheckNestingDepth(Nested(32)).has_value());
  EXPECT_FALSE(CheckNestingDepth(Nested(33)).has_value());
  std::string in_string =
      "{\"a\":\"" + std::string(100, '[') + "\\\"" + std::string(100, '{') + "\"}";
  EXPECT_TRUE(CheckNestingDepth(in_string).has_value());
  EXPECT_TRUE(CanonicalJsonObject(in_string).has_value());
  EXPECT_EQ(CheckNestingDepth("[[[", 2).error().message, "body: nesting deeper than 2 levels");
  // Verifies unbalanced closers cannot drive the count negative and hide later depth.
  EXPECT_FALSE(CheckNestingDepth(std::string(100, ']') + std::string(33, '[')).has_value());
}

// Verifies a 32-level body still parses (depth limit does not cut valid documents short).
TEST(CanonicalJsonObject, ParsesAtMaximumDepthAndSortsKeys) {
  // Verifies 64-bit integers at both ends keep every digit.
  auto big =
      CanonicalJsonObject(R"({"u":18446744073709551615,"i":-9223372036854775808,"f":1.5e300})");
  ASSERT_TRUE(big.has_value()) << big.error().message;
  EXPECT_EQ(*big, R"({"f":1.5e+300,"i":-9223372036854775808,"u":18446744073709551615})");
  auto deep = CanonicalJsonObject(Nested(32));
  ASSERT_TRUE(deep.has_value()) << deep.error().message;
  EXPECT_EQ(*deep, Nested(32));
  auto sorted = CanonicalJsonObject(R"( {"b": 1, "a": {"d": [1, 2.5, "x"], "c": null}} )");
  ASSERT_TRUE(sorted.has_value());
  EXPECT_EQ(*sorted, R"({"a":{"c":null,"d":[1,2.5,"x"]},"b":1})");
}

}  // namespace
}  // namespace secplat::adapters::json
