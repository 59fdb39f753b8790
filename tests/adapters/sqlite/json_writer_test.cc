#include "adapters/sqlite/json_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace secplat::adapters::sqlite {
namespace {

// Verifies objects, arrays and scalars are written with commas in the right places.
TEST(JsonWriter, WritesNestedValues) {
  JsonWriter w;
  w.BeginObject().Key("name").String("a\"b").Key("n").Int(-2);
  w.Key("list").BeginArray().Int(1).Bool(true).Null().EndArray();
  w.Key("empty").BeginObject().EndObject();
  w.Key("t").Time(FromUnixMillis(1764358200123));
  w.Key("none").Time(std::optional<Timestamp>());
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"name":"a\"b","n":-2,"list":[1,true,null],"empty":{},)"
                     R"("t":"2025-11-28T19:30:00.123Z","none":null})");
}

// Verifies quotes, backslashes and control characters are escaped so the text parses back.
TEST(JsonWriter, EscapesSpecialCharacters) {
  std::string nasty = "q\" b\\ n\n t\t nul";
  nasty.push_back('\0');
  nasty += " bell\x07 del\x7f end";
  JsonWriter w;
  w.String(nasty);
  // DEL (0x7f) is not a control character in JSON; like nlohmann-json it is written as is.
  EXPECT_EQ(w.str(), std::string(R"("q\" b\\ n\n t\t nul\u0000 bell\u0007 del)") + "\x7f end\"");
  EXPECT_EQ(nlohmann::json::parse(w.str()).get<std::string>(), nasty);
}

// Verifies valid UTF-8 passes through and invalid bytes become U+FFFD, so output stays valid.
TEST(JsonWriter, ReplacesInvalidUtf8) {
  JsonWriter ok;
  ok.String("caf\xC3\xA9 \xF0\x9F\x94\x92");
  EXPECT_EQ(ok.str(), "\"caf\xC3\xA9 \xF0\x9F\x94\x92\"");
  for (std::string bad : {std::string("\xC3"), std::string("\xC0\xAF"), std::string("\xED\xA0\x80"),
                          std::string("\xF5\x80\x80\x80"),
                          std::string("a\xFF"
                                      "b")}) {
    JsonWriter w;
    w.String(bad);
    EXPECT_TRUE(IsValidJson(w.str())) << w.str();
    EXPECT_NE(w.str().find("\xEF\xBF\xBD"), std::string::npos);
  }
}

// Verifies raw fragments are embedded only when valid, else quoted, and empty becomes null.
TEST(JsonWriter, RawOrStringEmbedsOnlyValidJson) {
  JsonWriter w;
  w.BeginArray().RawOrString(R"({"a":[1,2.5e3,"x"]})").RawOrString("{not json").RawOrString("");
  w.EndArray();
  EXPECT_EQ(w.str(), R"([{"a":[1,2.5e3,"x"]},"{not json",null])");
}

// Verifies the validator accepts RFC 8259 documents and rejects malformed or too-deep ones.
TEST(IsValidJson, AcceptsValidAndRejectsInvalid) {
  for (const char* good : {"{}", "[]", "0", "-0.5e+10", "\"\\u00e9\\n\"",
                           " { \"a\" : [ null , true ] } ", "\"caf\xC3\xA9\""}) {
    EXPECT_TRUE(IsValidJson(good)) << good;
  }
  for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "01", "1.", "tru", "\"\x01\"", "\"\\x\"",
                          "{} {}", "{'a':1}", "\"\xC3\"", "NaN"}) {
    EXPECT_FALSE(IsValidJson(bad)) << bad;
  }
  EXPECT_TRUE(IsValidJson(std::string(64, '[') + std::string(64, ']')));
  EXPECT_FALSE(IsValidJson(std::string(100000, '[') + std::string(100000, ']')));
}

}  // namespace
}  // namespace secplat::adapters::sqlite
