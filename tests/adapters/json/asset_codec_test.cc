#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "adapters/json/codec.h"
#include "adapters/json/internal/posture_fast.h"
#include "core/common/time.h"

namespace secplat::adapters::json {
namespace {

using core::model::Asset;
using core::model::AssetKind;
using core::model::Criticality;

struct Case {
  const char* why;
  std::string body;
  std::string message;
};

Asset Stored() {
  Asset a;
  a.id = 7;
  a.asset_key = "web-shop";
  a.name = "Web shop";
  a.kind = AssetKind::kWeb;
  a.url = "https://shop.example.com/health";
  a.host = "shop.example.com";
  a.port = 443;
  a.labels = {{"team", "payments"}, {"tier", "1"}};
  a.owner = "payments@example.com";
  a.criticality = Criticality::kHigh;
  a.environment = "production";
  a.scan = {{"tls_headers", {.enabled = true, .interval_seconds = 21600}}};
  a.created_at = FromUnixMillis(1764358200123);
  a.updated_at = FromUnixMillis(1764358260000);
  a.version = 3;
  return a;
}

// Verifies a minimal web asset gets its defaults and derives host and port from the url.
TEST(DecodeAssetCreate, FillsDefaultsAndDerivesHostAndPortFromUrl) {
  auto a = DecodeAssetCreate(
      R"({"asset_key":"web-1","kind":"web","url":"https://Example.com:8443/health"})");
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->asset_key, "web-1");
  EXPECT_EQ(a->name, "web-1");
  EXPECT_EQ(a->kind, AssetKind::kWeb);
  EXPECT_EQ(a->url, "https://Example.com:8443/health");
  EXPECT_EQ(a->host, "example.com");
  EXPECT_EQ(a->port, 8443);
  EXPECT_EQ(a->criticality, Criticality::kMedium);
  EXPECT_TRUE(a->enabled);
  EXPECT_TRUE(a->labels.empty());
  EXPECT_TRUE(a->scan.empty());
  EXPECT_EQ(a->owner, "");
  // Verifies the port defaults from the scheme when the url has none.
  auto b = DecodeAssetCreate(R"({"asset_key":"web-2","kind":"web","url":"http://[::1]/"})");
  ASSERT_TRUE(b.has_value()) << b.error().message;
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 80);
}

// Verifies explicit host and port win over the url, and every member is read.
TEST(DecodeAssetCreate, ReadsEveryMember) {
  auto a = DecodeAssetCreate(R"({
    "asset_key": "web-shop", "name": "Web shop", "kind": "web",
    "url": "https://shop.example.com/health", "host": "10.0.4.17", "port": 8443,
    "labels": {"team": "payments", "app.kubernetes.io/name": "shop"},
    "owner": "payments@example.com", "criticality": "critical", "environment": "production",
    "enabled": false,
    "scan": {"tls_headers": {"enabled": true, "interval_seconds": 21600},
             "health_http": {"enabled": false}, "web_exposure": {}}})");
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->name, "Web shop");
  EXPECT_EQ(a->host, "10.0.4.17");
  EXPECT_EQ(a->port, 8443);
  EXPECT_EQ(a->labels.at("app.kubernetes.io/name"), "shop");
  EXPECT_EQ(a->owner, "payments@example.com");
  EXPECT_EQ(a->criticality, Criticality::kCritical);
  EXPECT_EQ(a->environment, "production");
  EXPECT_FALSE(a->enabled);
  ASSERT_EQ(a->scan.size(), 3u);
  EXPECT_EQ(a->scan.at("tls_headers").interval_seconds, 21600);
  EXPECT_FALSE(a->scan.at("health_http").enabled);
  EXPECT_TRUE(a->scan.at("web_exposure").enabled);
  EXPECT_EQ(a->scan.at("web_exposure").interval_seconds, 0);
}

// Verifies a host asset needs only its host.
TEST(DecodeAssetCreate, AcceptsHostAsset) {
  auto a = DecodeAssetCreate(
      R"({"asset_key":"db-01","kind":"host","host":"db-01.internal","port":5432})");
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->kind, AssetKind::kHost);
  EXPECT_EQ(a->host, "db-01.internal");
  EXPECT_EQ(a->port, 5432);
  EXPECT_EQ(a->url, "");
}

// Verifies every type, member and validation failure has its exact message.
TEST(DecodeAssetCreate, RejectsBadBodiesWithExactMessages) {
  const std::string web = R"("asset_key":"web-1","kind":"web","url":"https://example.com/")";
  const std::vector<Case> cases = {
      // Verifies required members.
      {"no asset_key", R"({"kind":"web"})", "asset_key: required"},
      {"no kind", R"({"asset_key":"web-1"})", "kind: required"},
      // Verifies unknown members are reported first, read-only ones included.
      {"unknown member", R"({"kind":"web","colour":"red"})", "colour: unknown field"},
      {"read-only id", "{" + web + R"(,"id":7})", "id: unknown field"},
      {"read-only version", "{" + web + R"(,"version":1})", "version: unknown field"},
      {"read-only created_at", "{" + web + R"(,"created_at":"2025-11-28T19:30:00Z"})",
       "created_at: unknown field"},
      {"odd unknown key", "{" + web + R"(,"a b":1})", "[\"a b\"]: unknown field"},
      // Verifies enum values.
      {"unknown kind", R"({"asset_key":"web-1","kind":"server"})",
       "kind: must be one of web, host"},
      {"unknown criticality", "{" + web + R"(,"criticality":"urgent"})",
       "criticality: must be one of low, medium, high, critical"},
      // Verifies wrong types, null included.
      {"numeric asset_key", R"({"asset_key":7,"kind":"web"})", "asset_key: must be a string"},
      {"numeric name", "{" + web + R"(,"name":5})", "name: must be a string"},
      {"null url", R"({"asset_key":"web-1","kind":"web","url":null})", "url: must be a string"},
      {"string port", "{" + web + R"(,"port":"443"})", "port: must be an integer"},
      {"fractional port", "{" + web + R"(,"port":443.5})",
       "port: must be an integer between 0 and 65535"},
      {"float port", "{" + web + R"(,"port":443.0})",
       "port: must be an integer between 0 and 65535"},
      {"negative port", "{" + web + R"(,"port":-1})",
       "port: must be an integer between 0 and 65535"},
      {"port too big", "{" + web + R"(,"port":65536})",
       "port: must be an integer between 0 and 65535"},
      {"huge port", "{" + web + R"(,"port":123456789012345678901234567890})",
       "port: integer out of 64-bit range"},
      {"exponent port", "{" + web + R"(,"port":4.43e2})",
       "port: must be an integer between 0 and 65535"},
      {"uint64 port", "{" + web + R"(,"port":18446744073709551615})",
       "port: must be an integer between 0 and 65535"},
      {"string enabled", "{" + web + R"(,"enabled":"yes"})", "enabled: must be a boolean"},
      {"array labels", "{" + web + R"(,"labels":[]})", "labels: must be an object"},
      {"null labels", "{" + web + R"(,"labels":null})", "labels: must be an object"},
      {"numeric label", "{" + web + R"(,"labels":{"team":1}})", "labels.team: must be a string"},
      {"numeric dotted label", "{" + web + R"(,"labels":{"a.b":true}})",
       "labels[\"a.b\"]: must be a string"},
      {"array scan", "{" + web + R"(,"scan":[]})", "scan: must be an object"},
      {"unknown scan type", "{" + web + R"(,"scan":{"nmap":{}}})", "scan.nmap: unknown scan type"},
      {"scan setting not object", "{" + web + R"(,"scan":{"tls_headers":true}})",
       "scan.tls_headers: must be an object"},
      {"scan setting unknown member", "{" + web + R"(,"scan":{"tls_headers":{"every":5}}})",
       "scan.tls_headers.every: unknown field"},
      {"string interval", "{" + web + R"(,"scan":{"tls_headers":{"interval_seconds":"60"}}})",
       "scan.tls_headers.interval_seconds: must be an integer"},
      {"interval over a week",
       "{" + web + R"(,"scan":{"tls_headers":{"interval_seconds":604801}}})",
       "scan.tls_headers.interval_seconds: must be an integer between 0 and 604800"},
      // Verifies core validation runs after decoding.
      {"interval too short", "{" + web + R"(,"scan":{"health_http":{"interval_seconds":5}}})",
       "scan.health_http.interval_seconds: must be 0 or between 10 and 604800"},
      {"bad asset_key", R"({"asset_key":"web 1","kind":"web","url":"https://example.com/"})",
       "asset_key: must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"},
      {"empty name", "{" + web + R"(,"name":""})", "name: must be 1 to 200 characters"},
      {"web without url", R"({"asset_key":"web-1","kind":"web"})", "url: required for web assets"},
      {"ftp url", R"({"asset_key":"web-1","kind":"web","url":"ftp://example.com/"})",
       "url: must be an absolute http or https URL"},
      {"url with userinfo",
       R"({"asset_key":"web-1","kind":"web","url":"https://u:p@example.com/"})",
       "url: must not contain userinfo"},
      {"host without host", R"({"asset_key":"db-1","kind":"host"})",
       "host: required for host assets"},
      {"bad host", R"({"asset_key":"db-1","kind":"host","host":"db_01..x"})",
       "host: must be a hostname or an IP address (at most 253 characters)"},
      {"bad label key", "{" + web + R"(,"labels":{"team name":"x"}})",
       "labels[\"team name\"]: key must match ^[A-Za-z0-9][A-Za-z0-9_./-]{0,62}$"},
      {"bad environment", "{" + web + R"(,"environment":"prod/eu"})",
       "environment: must match ^[A-Za-z0-9._-]{0,64}$"},
  };
  for (const auto& c : cases) {
    auto a = DecodeAssetCreate(c.body);
    ASSERT_FALSE(a.has_value()) << c.why;
    EXPECT_EQ(a.error().code, ErrorCode::kInvalidArgument) << c.why;
    EXPECT_EQ(a.error().message, c.message) << c.why;
  }
}

// Verifies a patch changes only the given members and keeps identity, timestamps and version.
TEST(DecodeAssetPatch, ChangesOnlyGivenMembers) {
  auto a = DecodeAssetPatch(R"({"name":"Shop","owner":"","enabled":false})", Stored());
  ASSERT_TRUE(a.has_value()) << a.error().message;
  Asset want = Stored();
  want.name = "Shop";
  want.owner = "";
  want.enabled = false;
  EXPECT_EQ(EncodeAsset(*a), EncodeAsset(want));
  EXPECT_EQ(a->id, 7);
}

// Verifies labels and scan settings are replaced wholesale, not merged.
TEST(DecodeAssetPatch, ReplacesLabelsAndScanSettings) {
  auto a = DecodeAssetPatch(R"({"labels":{"team":"web"},"scan":{"health_http":{}}})", Stored());
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->labels, (core::model::Labels{{"team", "web"}}));
  ASSERT_EQ(a->scan.size(), 1u);
  EXPECT_TRUE(a->scan.count("health_http"));
  auto cleared = DecodeAssetPatch(R"({"labels":{},"scan":{}})", Stored());
  ASSERT_TRUE(cleared.has_value());
  EXPECT_TRUE(cleared->labels.empty());
  EXPECT_TRUE(cleared->scan.empty());
}

// Verifies a new url re-derives host and port, unless the patch gives them.
TEST(DecodeAssetPatch, RederivesHostAndPortWhenUrlChanges) {
  auto a = DecodeAssetPatch(R"({"url":"https://new.example.com:9443/"})", Stored());
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->host, "new.example.com");
  EXPECT_EQ(a->port, 9443);
  auto b = DecodeAssetPatch(R"({"url":"http://new.example.com/","host":"10.0.0.1"})", Stored());
  ASSERT_TRUE(b.has_value()) << b.error().message;
  EXPECT_EQ(b->host, "10.0.0.1");
  EXPECT_EQ(b->port, 80);
  // Verifies an unchanged url leaves a hand-set host alone.
  Asset base = Stored();
  base.host = "10.0.4.17";
  auto c = DecodeAssetPatch(R"({"url":"https://shop.example.com/health"})", base);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->host, "10.0.4.17");
}

// Verifies the patch refusals with exact messages.
TEST(DecodeAssetPatch, RejectsBadPatchesWithExactMessages) {
  const std::vector<Case> cases = {
      {"empty patch", "{}", "body: no fields to update"},
      {"same key only", R"({"asset_key":"web-shop"})", "body: no fields to update"},
      {"same key and kind only", R"({"asset_key":"web-shop","kind":"web"})",
       "body: no fields to update"},
      {"new key", R"({"asset_key":"web-2","name":"x"})", "asset_key: cannot be changed"},
      {"new kind", R"({"kind":"host","host":"x"})", "kind: cannot be changed"},
      {"unknown kind", R"({"kind":"server"})", "kind: must be one of web, host"},
      {"read-only member", R"({"version":4})", "version: unknown field"},
      {"unknown member", R"({"nmae":"typo"})", "nmae: unknown field"},
      {"bad url", R"({"url":"shop.example.com"})", "url: must be an absolute http or https URL"},
      {"clearing url of web asset", R"({"url":""})", "url: required for web assets"},
      {"numeric owner", R"({"owner":1})", "owner: must be a string"},
      {"long name", R"({"name":")" + std::string(201, 'n') + R"("})",
       "name: must be 1 to 200 characters"},
      {"array body", "[]", "body: must be a JSON object"},
  };
  for (const auto& c : cases) {
    auto a = DecodeAssetPatch(c.body, Stored());
    ASSERT_FALSE(a.has_value()) << c.why;
    EXPECT_EQ(a.error().message, c.message) << c.why;
  }
  // Verifies the same key with a real change is fine.
  EXPECT_TRUE(DecodeAssetPatch(R"({"asset_key":"web-shop","name":"x"})", Stored()).has_value());
}

// Verifies the asset resource's exact encoding: member order, labels and scan objects, null
// deleted_at, RFC 3339 milliseconds.
TEST(EncodeAsset, WritesTheDocumentedShape) {
  EXPECT_EQ(EncodeAsset(Stored()),
            R"({"asset_key":"web-shop","name":"Web shop","kind":"web",)"
            R"("url":"https://shop.example.com/health","host":"shop.example.com","port":443,)"
            R"("labels":{"team":"payments","tier":"1"},"owner":"payments@example.com",)"
            R"("criticality":"high","environment":"production","enabled":true,)"
            R"("scan":{"tls_headers":{"enabled":true,"interval_seconds":21600}},)"
            R"("created_at":"2025-11-28T19:30:00.123Z","updated_at":"2025-11-28T19:31:00.000Z",)"
            R"("deleted_at":null,"version":3})");
  Asset deleted = Stored();
  deleted.deleted_at = FromUnixMillis(1764358300000);
  EXPECT_NE(EncodeAsset(deleted).find(R"("deleted_at":"2025-11-28T19:31:40.000Z")"),
            std::string::npos);
}

// Verifies the response decoder reads back what EncodeAsset wrote and ignores newer members.
TEST(DecodeAsset, RoundTripsTheResourceAndIgnoresUnknownMembers) {
  Asset deleted = Stored();
  deleted.deleted_at = FromUnixMillis(1764358300000);
  for (const Asset& a : {Stored(), deleted}) {
    auto back = DecodeAsset(EncodeAsset(a));
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(EncodeAsset(*back), EncodeAsset(a));
  }
  std::string newer = EncodeAsset(Stored());
  newer.insert(1, R"("added_in_v2":{"x":1},)");
  auto back = DecodeAsset(newer);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->asset_key, "web-shop");
  // Verifies types are still checked.
  EXPECT_EQ(DecodeAsset(R"({"asset_key":"a","kind":"web","version":"3"})").error().message,
            "version: must be an integer");
}

// Verifies the example in codec.h's banner.
TEST(DecodeAssetCreate, HeaderExampleHolds) {
  auto a = DecodeAssetCreate(R"({"asset_key":"web-1","kind":"web","url":"https://example.com"})");
  EXPECT_EQ(a->host, "example.com");
  auto bad = DecodeAssetCreate(R"({"asset_key":"web-1","kind":"web","colour":1})");
  EXPECT_EQ(bad.error().message, "colour: unknown field");
}

// The DOM encoder EncodeAsset replaced: an ordered nlohmann object with the members in the
// documented order, dumped with invalid UTF-8 replaced.
std::string ReferenceEncodeAsset(const Asset& a) {
  using OJson = nlohmann::ordered_json;
  OJson o = OJson::object();
  o["asset_key"] = a.asset_key;
  o["name"] = a.name;
  o["kind"] = std::string(core::model::AssetKindName(a.kind));
  o["url"] = a.url;
  o["host"] = a.host;
  o["port"] = a.port;
  OJson labels = OJson::object();
  for (const auto& [k, v] : a.labels) labels[k] = v;
  o["labels"] = std::move(labels);
  o["owner"] = a.owner;
  o["criticality"] = std::string(core::model::CriticalityName(a.criticality));
  o["environment"] = a.environment;
  o["enabled"] = a.enabled;
  OJson scan = OJson::object();
  for (const auto& [type, s] : a.scan) {
    OJson setting = OJson::object();
    setting["enabled"] = s.enabled;
    setting["interval_seconds"] = s.interval_seconds;
    scan[type] = std::move(setting);
  }
  o["scan"] = std::move(scan);
  o["created_at"] = FormatRfc3339(a.created_at);
  o["updated_at"] = FormatRfc3339(a.updated_at);
  o["deleted_at"] = a.deleted_at ? OJson(FormatRfc3339(*a.deleted_at)) : OJson(nullptr);
  o["version"] = a.version;
  return o.dump(-1, ' ', false, OJson::error_handler_t::replace);
}

// Verifies the direct encoder writes exactly the reference's bytes for random assets: text with
// quotes, backslashes, control characters, multi-byte and invalid UTF-8, empty and many labels
// and scan settings, negative numbers, with and without deleted_at.
TEST(AssetCodec, EncodeAssetMatchesTheDomEncoderOnRandomAssets) {
  std::mt19937_64 rng(7);
  const std::vector<std::string> pieces = {"a",    "Z9",       "\"",           "\\",
                                           "\n",   "\t",       "\x01",         "\x1f",
                                           "/",    "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x94\x92",
                                           "\xff", "\xc3",     "\x7f",         " "};
  auto text = [&](int max) {
    std::string s;
    const int n = static_cast<int>(rng() % static_cast<uint64_t>(max + 1));
    for (int i = 0; i < n; ++i) s += pieces[rng() % pieces.size()];
    return s;
  };
  for (int i = 0; i < 2000; ++i) {
    Asset a = Stored();
    a.asset_key = text(6);
    a.name = text(10);
    a.kind = (rng() % 2) ? AssetKind::kWeb : AssetKind::kHost;
    a.url = text(12);
    a.host = text(5);
    a.port = static_cast<int>(rng() % 200000) - 100000;
    a.labels.clear();
    for (int k = static_cast<int>(rng() % 4); k > 0; --k) a.labels[text(4)] = text(6);
    a.owner = text(5);
    a.criticality = (rng() % 2) ? Criticality::kHigh : Criticality::kLow;
    a.environment = text(4);
    a.enabled = rng() % 2 == 0;
    a.scan.clear();
    for (int k = static_cast<int>(rng() % 3); k > 0; --k)
      a.scan[text(3)] = {.enabled = rng() % 2 == 0,
                         .interval_seconds = static_cast<int64_t>(rng() % 100000) - 50000};
    a.created_at = FromUnixMillis(static_cast<int64_t>(rng() % 4102444800000ULL));
    a.updated_at = FromUnixMillis(static_cast<int64_t>(rng() % 4102444800000ULL));
    if (rng() % 2) {
      a.deleted_at = FromUnixMillis(static_cast<int64_t>(rng() % 4102444800000ULL));
    } else {
      a.deleted_at.reset();
    }
    a.version = static_cast<int64_t>(rng() % 1000000);
    ASSERT_EQ(EncodeAsset(a), ReferenceEncodeAsset(a)) << i;
  }
}

// The fast decoder's contract: whatever FastDecodeAsset accepts, DecodeAsset decodes to the same
// asset (compared through EncodeAsset); it may leave any document to DecodeAsset.
void ExpectFastAgreesWithDom(const std::string& text, int* fast_taken = nullptr) {
  auto fast = internal::FastDecodeAsset(text);
  if (!fast) return;
  auto dom = DecodeAsset(text);
  ASSERT_TRUE(dom.has_value()) << "fast accepted what DecodeAsset rejects (" << dom.error().message
                               << "): " << text;
  EXPECT_EQ(EncodeAsset(*fast), EncodeAsset(*dom)) << text;
  if (fast_taken != nullptr) ++*fast_taken;
}

// Verifies the fast path on random assets (valid ones and ones with out-of-range ports, unknown
// scan types, odd text) and on every single-byte corruption of some of them: it either decodes
// exactly as DecodeAsset or declines, and it does take the assets EncodeAsset writes.
TEST(AssetCodec, FastDecodeAgreesWithDecodeAssetOnRandomAndCorruptedAssets) {
  std::mt19937_64 rng(11);
  const std::vector<std::string> pieces = {
      "a", "Z9", "\"", "\\", "\n", "\x01", "/", "\xc3\xa9", "\xf0\x9f\x94\x92", "\xff", " "};
  const std::vector<std::string> scan_types = {"health_http", "tls_headers", "web_exposure",
                                               "nope"};
  auto text = [&](int max) {
    std::string s;
    const int n = static_cast<int>(rng() % static_cast<uint64_t>(max + 1));
    for (int i = 0; i < n; ++i) s += pieces[rng() % pieces.size()];
    return s;
  };
  int taken = 0;
  std::vector<std::string> encoded;
  for (int i = 0; i < 2000; ++i) {
    Asset a = Stored();
    const bool wild = rng() % 4 == 0;
    a.asset_key = text(6);
    a.name = text(10);
    a.kind = (rng() % 2) ? AssetKind::kWeb : AssetKind::kHost;
    a.url = text(12);
    a.port = wild ? static_cast<int>(rng() % 200000) - 100000 : static_cast<int>(rng() % 65536);
    a.labels.clear();
    for (int k = static_cast<int>(rng() % 4); k > 0; --k) a.labels[text(4)] = text(6);
    a.criticality = (rng() % 2) ? Criticality::kCritical : Criticality::kLow;
    a.enabled = rng() % 2 == 0;
    a.scan.clear();
    for (int k = static_cast<int>(rng() % 3); k > 0; --k) {
      const std::string& type = scan_types[rng() % (wild ? 4 : 3)];
      a.scan[type] = {.enabled = rng() % 2 == 0,
                      .interval_seconds = wild ? static_cast<int64_t>(rng() % 2000000) - 1000000
                                               : static_cast<int64_t>(rng() % 604801)};
    }
    a.created_at = FromUnixMillis(static_cast<int64_t>(rng() % 4102444800000ULL));
    if (rng() % 2) {
      a.deleted_at = FromUnixMillis(static_cast<int64_t>(rng() % 4102444800000ULL));
    } else {
      a.deleted_at.reset();
    }
    a.version = static_cast<int64_t>(rng() % 1000000);
    const std::string doc = EncodeAsset(a);
    ExpectFastAgreesWithDom(doc, &taken);
    if (!wild) {
      // Everything EncodeAsset writes of a valid asset goes the fast way.
      EXPECT_TRUE(internal::FastDecodeAsset(doc).has_value()) << doc;
      if (encoded.size() < 20) encoded.push_back(doc);
    }
  }
  EXPECT_GT(taken, 1000);
  const std::string bytes = std::string("\"{}[]:,\\0123456789-.eE ntfalseru") + '\xff' + '\x01';
  for (const std::string& doc : encoded) {
    for (size_t at = 0; at < doc.size(); ++at) {
      std::string bad = doc;
      bad[at] = bytes[rng() % bytes.size()];
      ExpectFastAgreesWithDom(bad);
    }
  }
}

// Verifies what the fast path must decline (DecodeAsset rejects or reads them its own way): a
// repeated member or label, a label key that is not UTF-8, null where a value belongs, unknown
// members, an absent member, out-of-range numbers, "-0", a bad timestamp, trailing text.
TEST(AssetCodec, FastDecodeDeclinesWhatItDoesNotFullyCheck) {
  const std::string good = EncodeAsset(Stored());
  ASSERT_TRUE(internal::FastDecodeAsset(good).has_value());
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
  };
  const std::vector<std::string> cases = {
      with("\"name\":\"Web shop\"", "\"name\":null"),
      with("\"name\":\"Web shop\"", "\"name\":\"Web shop\",\"name\":\"x\""),
      with("\"team\":\"payments\"", "\"team\":\"payments\",\"team\":\"other\""),
      with("\"team\"",
           "\"te\xff"
           "am\""),
      with("\"owner\"", "\"extra\":1,\"owner\""),
      with("\"version\":3", "\"versionx\":3"),
      with("\"port\":443", "\"port\":70000"),
      with("\"port\":443", "\"port\":-0"),
      with("\"port\":443", "\"port\":443.0"),
      with("\"kind\":\"web\"", "\"kind\":\"db\""),
      with("\"tls_headers\"", "\"dns\""),
      with("\"interval_seconds\":21600", "\"interval_seconds\":604801"),
      with("\"enabled\":true,\"interval_seconds\"", "\"interval_seconds\""),
      with("\"created_at\":\"", "\"created_at\":\"x"),
      with("\"version\":3", "\"version\":-1"),
      good + "x",
  };
  for (const std::string& c : cases) {
    EXPECT_FALSE(internal::FastDecodeAsset(c).has_value()) << c;
    ExpectFastAgreesWithDom(c);
  }
  // An escaped label key is still the fast path's (decoded like any string).
  auto escaped = internal::FastDecodeAsset(with("\"team\"", "\"t\\u0065am\""));
  ASSERT_TRUE(escaped.has_value());
  EXPECT_EQ(escaped->labels.count("team"), 1u);
}

}  // namespace
}  // namespace secplat::adapters::json
