// The notifier role end to end: `secplat api` (SQLite + embedded queue) and `secplat notifier`
// as separate processes, a routes file sending posture.changed to one signed webhook with its
// rate limit lifted, and the loopback webhook receiver (which verifies every signature).
// Events are recorded through the API exactly as the deriver records them.
//
//   latency:    `--rate` events/s for `--seconds`; per event, from just before the POST of the
//               posture.changed event to the webhook's arrival at the receiver (p50/p95/p99/max)
//   throughput: `--n` events posted through POST /api/v1/events/batch in batches of
//               `--batch` (250) by `--clients` threads as fast as the API takes them (so the
//               publisher is not the bound), each client posting its own assets' events in
//               order; notifications/s = n / (last arrival - first post), drain rate =
//               n / (last arrival - first arrival); `--repeats` (1) runs of fresh events one
//               after another, each printed, then their median
//   outage:     `--outage` seconds (0: skip) with the receiver healthy, then as long with every
//               webhook request hanging (until the sender's timeout), each time with 20 events/s
//               flowing and a client timing the API's normal routes (list assets, upsert a
//               finding) back to back: p50/p99 per phase; then recovery, and every notification
//               must be accepted exactly once
// `--max-in-flight` (0: the channel's default, 64) sets the webhook channel's sends at once.
// Prints one line per mode; exit status 1 when a notification is missing or invalid.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/harness.h"
#include "tests/support/receivers.h"

namespace {

using nlohmann::json;
using secplat::testing::Harness;
using secplat::testing::Provider;
using secplat::testing::ProviderReceiver;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr int kAssets = 200;

int Arg(int argc, char** argv, const std::string& name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

std::string Uuid(uint64_t n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(n));
  return buf;
}

std::string Iso(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03lldZ", buf, static_cast<long long>(ms));
  return out;
}

// Event n toggles asset n % kAssets: down on even rounds, up on odd ones — every event is a
// change, so every event is notified.
std::string EventBody(uint64_t n) {
  const int asset = static_cast<int>(n % kAssets);
  const bool down = (n / kAssets) % 2 == 0;
  json e = {{"event_id", Uuid(n)},
            {"event_type", "posture.changed"},
            {"ts", Iso(std::chrono::system_clock::now())},
            {"org_id", "default"},
            {"asset_key", "bench-" + std::to_string(asset)},
            {"severity", down ? "high" : "info"},
            {"payload",
             {{"from", down ? "up" : "down"},
              {"to", down ? "down" : "up"},
              {"reason", down ? "confirmed_down" : "recovered"},
              {"reason_text", "bench"}}}};
  return e.dump();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// Arrival time per event id, read from the receiver's recorded requests.
std::map<std::string, Clock::time_point> Arrivals(const ProviderReceiver& rx, size_t* invalid) {
  std::map<std::string, Clock::time_point> out;
  *invalid = 0;
  for (const auto& r : rx.requests()) {
    if (!r.problems.empty() || r.answered_status / 100 != 2) {
      ++*invalid;
      continue;
    }
    json b = json::parse(r.body, nullptr, false);
    std::string id;
    if (b.is_object() && b.contains("eventId") && b["eventId"].is_string()) id = b["eventId"];
    if (!id.empty() && !out.count(id)) out[id] = r.received_at;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const int rate = Arg(argc, argv, "--rate", 100);
  const int seconds = Arg(argc, argv, "--seconds", 10);
  const int n = (Arg(argc, argv, "--n", 5000) + kAssets - 1) / kAssets * kAssets;
  const int clients = Arg(argc, argv, "--clients", 8);
  const int batch = std::clamp(Arg(argc, argv, "--batch", 250), 1, 1000);
  const int outage = Arg(argc, argv, "--outage", 0);
  const int repeats = std::clamp(Arg(argc, argv, "--repeats", 1), 1, 20);
  const int max_in_flight = Arg(argc, argv, "--max-in-flight", 0);  // 0: the channel default
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  // Event ids are consecutive across phases and every phase but the last covers whole rounds
  // of kAssets, so each event flips its asset's state (down, up, down, ...) and is notified.
  auto whole_rounds = [](int count) { return (count + kAssets - 1) / kAssets * kAssets; };

  auto rx = ProviderReceiver::Start(
      {.provider = Provider::kWebhook, .webhook_secret = kSecret, .io_threads = 2});
  if (!rx) {
    std::fprintf(stderr, "receiver: %s\n", rx.error().message.c_str());
    return 2;
  }
  auto h = Harness::Create();
  const std::map<std::string, std::string> quiet = {{"SECPLAT_LOG_LEVEL", "warn"}};
  h->Start("api", quiet);
  for (int i = 0; i < kAssets; ++i) {
    json a = {{"asset_key", "bench-" + std::to_string(i)},
              {"kind", "web"},
              {"url", "https://bench-" + std::to_string(i) + ".example.test/"}};
    auto r = h->Call("POST", "/api/v1/assets", a.dump(), h->analyst_token);
    if (r.status != 201) {
      std::fprintf(stderr, "asset: %d %s\n", r.status, r.body.c_str());
      return 2;
    }
  }
  const std::string routes = h->dir + "/routes.yaml";
  {
    std::ofstream f(routes);
    f << "channels:\n  - name: hook\n    type: webhook\n    url: " << (*rx)->url("/hook")
      << "\n    secret_env: BENCH_WEBHOOK_SECRET\n";
    if (max_in_flight > 0) f << "    max_in_flight: " << max_in_flight << "\n";
    f << "routes:\n  - name: all\n    event_types: [posture.changed]\n    channels: [hook]\n"
      << "    repeat_interval: 0\n";
  }
  auto env = quiet;
  env["SECPLAT_NOTIFIER_ROUTES_FILE"] = routes;
  env["BENCH_WEBHOOK_SECRET"] = kSecret;
  env["SECPLAT_NOTIFIER_CONCURRENCY"] = "16";
  h->StartRole("notifier", {"notifier"}, env);
  int status = 0;

  // Latency at a fixed rate.
  {
    const int total = whole_rounds(rate * seconds);
    std::vector<Clock::time_point> posted(static_cast<size_t>(total));
    const auto start = Clock::now();
    for (int i = 0; i < total; ++i) {
      std::this_thread::sleep_until(start + std::chrono::microseconds(1'000'000LL * i / rate));
      posted[static_cast<size_t>(i)] = Clock::now();
      auto r =
          h->Call("POST", "/api/v1/events", EventBody(static_cast<uint64_t>(i)), h->service_token);
      if (r.status != 201) {
        std::fprintf(stderr, "event: %d %s\n", r.status, r.body.c_str());
        return 2;
      }
    }
    (*rx)->WaitForRequests(static_cast<size_t>(total), 60s);
    size_t invalid = 0;
    auto arrivals = Arrivals(**rx, &invalid);
    std::vector<double> ms;
    for (int i = 0; i < total; ++i) {
      auto it = arrivals.find(Uuid(static_cast<uint64_t>(i)));
      if (it == arrivals.end()) continue;
      ms.push_back(
          std::chrono::duration<double, std::milli>(it->second - posted[static_cast<size_t>(i)])
              .count());
    }
    std::printf(
        "latency rate=%d/s events=%d delivered=%zu invalid=%zu p50_ms=%.1f p95_ms=%.1f "
        "p99_ms=%.1f max_ms=%.1f\n",
        rate, total, ms.size(), invalid, Percentile(ms, 0.50), Percentile(ms, 0.95),
        Percentile(ms, 0.99), Percentile(ms, 1.0));
    if (ms.size() != static_cast<size_t>(total) || invalid != 0) status = 1;
  }

  // Throughput: as fast as the API takes the events; `repeats` runs one after another (the
  // machine's speed drifts), each reported, then their median.
  std::vector<double> per_s_runs;
  for (int run = 0; run < repeats; ++run) {
    const uint64_t base = static_cast<uint64_t>(whole_rounds(rate * seconds)) +
                          static_cast<uint64_t>(run) * static_cast<uint64_t>(n);
    const size_t before = (*rx)->request_count();
    // Each client owns the assets with asset % clients == c and posts their events in order,
    // as a deriver publishes one asset's changes in order (concurrent batches over the same
    // assets would record an asset's down after its up, and the older event is rightly
    // skip_out_of_order). Bodies are built before the clock starts: the publisher's JSON work
    // is not the notifier's.
    std::vector<std::vector<std::string>> bodies(static_cast<size_t>(clients));
    for (int c = 0; c < clients; ++c) {
      std::string body;
      int in_body = 0;
      for (int i = 0; i < n; ++i) {
        if ((i % kAssets) % clients != c) continue;
        body += in_body == 0 ? "{\"events\":[" : ",";
        body += EventBody(base + static_cast<uint64_t>(i));
        if (++in_body == batch) {
          bodies[static_cast<size_t>(c)].push_back(body + "]}");
          body.clear();
          in_body = 0;
        }
      }
      if (in_body > 0) bodies[static_cast<size_t>(c)].push_back(body + "]}");
    }
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        for (const std::string& body : bodies[static_cast<size_t>(c)]) {
          auto r = h->Call("POST", "/api/v1/events/batch", body, h->service_token);
          if (r.status != 200)
            std::fprintf(stderr, "event batch: %d %s\n", r.status, r.body.substr(0, 300).c_str());
        }
      });
    }
    for (auto& t : threads) t.join();
    const double post_s = std::chrono::duration<double>(Clock::now() - start).count();
    const bool all = (*rx)->WaitForRequests(before + static_cast<size_t>(n), 300s);
    size_t invalid = 0;
    auto arrivals = Arrivals(**rx, &invalid);
    Clock::time_point last = start;
    Clock::time_point first = Clock::time_point::max();
    size_t got = 0;
    for (int i = 0; i < n; ++i) {
      auto it = arrivals.find(Uuid(base + static_cast<uint64_t>(i)));
      if (it == arrivals.end()) continue;
      ++got;
      last = std::max(last, it->second);
      first = std::min(first, it->second);
    }
    const double total_s = std::chrono::duration<double>(last - start).count();
    const double drain_s = got > 0 ? std::chrono::duration<double>(last - first).count() : 0;
    std::printf(
        "throughput run=%d events=%d clients=%d batch=%d posted_per_s=%.0f delivered=%zu "
        "invalid=%zu notifications_per_s=%.0f drain_per_s=%.0f\n",
        run + 1, n, clients, batch, n / post_s, got, invalid, got / std::max(total_s, 1e-9),
        got / std::max(drain_s, 1e-9));
    per_s_runs.push_back(got / std::max(total_s, 1e-9));
    if (!all || got != static_cast<size_t>(n) || invalid != 0) status = 1;
  }
  if (!per_s_runs.empty()) {
    std::string runs;
    for (double v : per_s_runs) runs += " " + std::to_string(static_cast<long>(v + 0.5));
    std::printf("throughput median notifications_per_s=%.0f runs:%s\n", Percentile(per_s_runs, 0.5),
                runs.c_str());
  }

  if (outage > 0) {
    std::atomic<uint64_t> next_event{static_cast<uint64_t>(whole_rounds(rate * seconds)) +
                                     static_cast<uint64_t>(repeats) * static_cast<uint64_t>(n)};
    auto phase = [&](const char* name) {
      std::atomic<bool> done{false};
      std::thread events([&] {
        auto t = Clock::now();
        while (!done) {
          t += 50ms;
          std::this_thread::sleep_until(t);
          (void)h->Call("POST", "/api/v1/events", EventBody(next_event++), h->service_token);
        }
      });
      std::vector<double> ms;
      const auto end = Clock::now() + std::chrono::seconds(outage);
      for (int i = 0; Clock::now() < end; ++i) {
        auto t0 = Clock::now();
        auto r = (i % 2 == 0) ? h->Call("GET", "/api/v1/assets?limit=20", "", h->viewer_token)
                              : h->Call("POST", "/api/v1/findings",
                                        json({{"asset_key", "bench-" + std::to_string(i % kAssets)},
                                              {"source", "manual"},
                                              {"check_id", "bench-" + std::to_string(i % 50)},
                                              {"title", "bench"},
                                              {"severity", "low"}})
                                            .dump(),
                                        h->service_token);
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (r.status / 100 != 2) {
          std::fprintf(stderr, "api: %d %s\n", r.status, r.body.c_str());
          status = 1;
        }
      }
      done = true;
      events.join();
      std::printf("outage phase=%s seconds=%d api_calls=%zu api_p50_ms=%.2f api_p99_ms=%.2f\n",
                  name, outage, ms.size(), Percentile(ms, 0.50), Percentile(ms, 0.99));
    };
    phase("healthy");
    (*rx)->SetOutage(secplat::testing::ScriptedReply::Hang());
    phase("receiver_hanging");
    (*rx)->SetOutage(std::nullopt);
    (*rx)->ReleaseHangs();
    const uint64_t last_event = next_event;
    // Every event of both phases accepted exactly once (retries after the outage included).
    const auto deadline = Clock::now() + 600s;
    // webhook-ids accepted so far: every notification of this run (latency, throughput and
    // both outage phases), one id each.
    const size_t expected = static_cast<size_t>(last_event);  // ids 0 .. last_event-1
    std::map<std::string, int> accepted;
    while (Clock::now() < deadline) {
      accepted = (*rx)->webhook_ids_accepted();
      if (accepted.size() >= expected) break;
      std::this_thread::sleep_for(500ms);
    }
    size_t more_than_once = 0;
    for (const auto& [id, count] : accepted) more_than_once += count > 1 ? 1 : 0;
    std::printf("outage recovery: notifications=%zu accepted=%zu accepted_twice=%zu\n", expected,
                accepted.size(), more_than_once);
    if (accepted.size() != expected || more_than_once != 0) status = 1;
  }
  return status;
}
