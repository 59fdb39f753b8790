// Driver of bench/deriver/run.sh (the full posture sweep through the API):
//
//   deriver_sweep_bench seed   --url U --admin-token A --service-token S --assets N [--clients C]
//   deriver_sweep_bench verify --url U --token T --assets N
//
// seed: creates N web assets "sweep-<i>" with POST /api/v1/assets (the API has no bulk asset
// route, so C parallel keep-alive clients; every tenth asset carries a posture label so the
// per-asset rules path runs), then gives each one a posture record through the deriver's own
// write route (PUT /api/v1/posture/{asset_key}, service token): the status DerivePosture
// produces from 20 `up` health results one minute apart ending an hour ago, so every record is
// `up` with check_by long past — all N are due, and the sweep turns each one stale (one
// important transition and one posture.changed event per asset: the worst case of a sweep,
// e.g. after the scanners stopped). Prints seconds and rates per phase.
//
// verify: checks the sweep's effect through the API: GET /api/v1/posture counts (N stale) and
// the number of posture.changed events (N), paging GET /api/v1/events. Exit code 1 on a
// mismatch.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "adapters/api_client/http_platform.h"
#include "adapters/http/client.h"
#include "adapters/json/posture_codec.h"
#include "core/posture/derive.h"
#include "core/posture/score.h"

namespace {

using namespace secplat;
using nlohmann::json;

struct Args {
  std::string mode, url, admin_token, service_token, token;
  int assets = 100000;
  int clients = 8;
};

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: deriver_sweep_bench seed --url U --admin-token A --service-token S "
               "--assets N [--clients C]\n"
               "       deriver_sweep_bench verify --url U --token T --assets N\n");
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  if (argc < 2) Usage();
  Args a;
  a.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--url")
      a.url = v;
    else if (k == "--admin-token")
      a.admin_token = v;
    else if (k == "--service-token")
      a.service_token = v;
    else if (k == "--token")
      a.token = v;
    else if (k == "--assets")
      a.assets = std::atoi(v.c_str());
    else if (k == "--clients")
      a.clients = std::atoi(v.c_str());
    else
      Usage();
  }
  if (a.url.empty() || a.assets <= 0 || a.clients <= 0) Usage();
  return a;
}

std::string Key(int i) { return "sweep-" + std::to_string(i); }

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs fn(i) for i in [0, n) on `clients` threads; stops at the first failure.
template <typename Fn>
bool Parallel(int n, int clients, Fn fn) {
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      (void)c;
      adapters::http::HttpClient client;
      while (!failed.load()) {
        int i = next.fetch_add(1);
        if (i >= n) break;
        if (!fn(client, i)) failed = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  return !failed.load();
}

// The record the deriver would have written after 20 successes one minute apart, the last
// one `last` (already rounded to the millisecond).
ports::platform::PostureRecord SeedRecord(const std::string& key, Timestamp last) {
  std::vector<core::model::CheckResult> rs;
  for (int i = 0; i < 20; ++i) {
    core::model::CheckResult r;
    r.event_id = key + "-seed-" + std::to_string(i);
    r.asset_key = key;
    r.scan_type = "health_http";
    r.observed_at = last - std::chrono::minutes(19 - i);
    r.outcome = core::model::CheckOutcome::kUp;
    rs.push_back(std::move(r));
  }
  core::model::PostureRules rules;
  auto step = core::posture::DerivePosture({}, rs, rules, last + std::chrono::seconds(30));
  ports::platform::PostureRecord rec;
  rec.status = std::move(step.status);
  rec.recent_transitions = std::move(step.transitions);
  rec.score = core::posture::ScorePosture(rec.status.current.state, {}, std::nullopt);
  rec.check_by = *rec.status.current.last_result_at + rules.stale_after;
  return rec;
}

int Seed(const Args& a) {
  if (a.admin_token.empty() || a.service_token.empty()) Usage();
  auto t0 = std::chrono::steady_clock::now();
  bool ok = Parallel(a.assets, a.clients, [&](adapters::http::HttpClient& c, int i) {
    json body = {{"asset_key", Key(i)}, {"kind", "web"}, {"url", "https://" + Key(i) + ".test/"}};
    if (i % 10 == 0) body["labels"] = {{"posture.fail_threshold", "1"}};
    auto r = c.Send({.method = "POST",
                     .url = a.url + "/api/v1/assets",
                     .headers = {{"Authorization", "Bearer " + a.admin_token},
                                 {"Content-Type", "application/json"}},
                     .body = body.dump()});
    if (!r || (r->status != 201 && r->status != 409)) {
      std::fprintf(
          stderr, "create %s: %s\n", Key(i).c_str(),
          r ? (std::to_string(r->status) + " " + r->body).c_str() : r.error().message.c_str());
      return false;
    }
    return true;
  });
  if (!ok) return 1;
  double assets_s = Since(t0);
  std::printf("seed_assets %d in %.1f s (%.0f/s, %d clients, POST /api/v1/assets)\n", a.assets,
              assets_s, a.assets / assets_s, a.clients);

  const Timestamp last = FromUnixMillis(
      ToUnixMillis(std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now())) -
      3'600'000);
  t0 = std::chrono::steady_clock::now();
  adapters::api_client::HttpPlatform api({.base_url = a.url, .token = a.service_token});
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int c = 0; c < a.clients; ++c) {
    threads.emplace_back([&] {
      while (!failed.load()) {
        int i = next.fetch_add(1);
        if (i >= a.assets) break;
        auto r = api.PutPosture(SeedRecord(Key(i), last), 0);
        if (!r.has_value() && r.error().code != ErrorCode::kConflict) {
          std::fprintf(stderr, "put %s: %s\n", Key(i).c_str(), r.error().message.c_str());
          failed = true;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) return 1;
  double posture_s = Since(t0);
  std::printf("seed_posture %d in %.1f s (%.0f/s, PUT /api/v1/posture/{asset_key})\n", a.assets,
              posture_s, a.assets / posture_s);
  return 0;
}

json Get(adapters::http::HttpClient& c, const Args& a, const std::string& path) {
  auto r = c.Send({.method = "GET",
                   .url = a.url + path,
                   .headers = {{"Authorization", "Bearer " + a.token}},
                   .timeout = std::chrono::seconds(60)});
  if (!r || r->status != 200) {
    std::fprintf(
        stderr, "GET %s: %s\n", path.c_str(),
        r ? (std::to_string(r->status) + " " + r->body).c_str() : r.error().message.c_str());
    std::exit(1);
  }
  return json::parse(r->body);
}

int Verify(const Args& a) {
  if (a.token.empty()) Usage();
  adapters::http::HttpClient c;
  json counts = Get(c, a, "/api/v1/posture?limit=1")["counts"];
  int64_t stale = counts.value("stale", 0);
  int64_t events = 0;
  std::string cursor;
  do {
    std::string path = "/api/v1/events?type=posture.changed&limit=1000";
    if (!cursor.empty()) path += "&cursor=" + cursor;
    json page = Get(c, a, path);
    events += static_cast<int64_t>(page["items"].size());
    cursor = page["next_cursor"].is_string() ? page["next_cursor"].get<std::string>() : "";
  } while (!cursor.empty());
  std::printf("verify: counts %s, posture.changed events %lld\n", counts.dump().c_str(),
              static_cast<long long>(events));
  if (stale != a.assets || events != a.assets) {
    std::fprintf(stderr, "verify: expected %d stale assets and %d events\n", a.assets, a.assets);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = Parse(argc, argv);
  if (a.mode == "seed") return Seed(a);
  if (a.mode == "verify") return Verify(a);
  Usage();
}
