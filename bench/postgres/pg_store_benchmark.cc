// PgStore write throughput against a running PostgreSQL (bench/postgres/run.sh starts one):
// UpsertFindings in batches (new keys, then the same keys again), and single UpsertFinding calls
// from 1 and from N client threads (each on its own pooled connection). Prints one line per case.
//
//   pg_store_benchmark --url postgres://postgres@127.0.0.1:5432/bench [--batches 50]
//                      [--batch-size 1000] [--singles 5000] [--threads 8]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "adapters/postgres/pg_store.h"

namespace {

using secplat::FromUnixMillis;
using secplat::Timestamp;
using secplat::adapters::postgres::PgStore;
using secplat::core::model::FindingObservation;

const Timestamp kT0 = FromUnixMillis(1'764'358'200'000);

struct Flags {
  std::string url;
  int batches = 50;
  int batch_size = 1000;
  int singles = 5000;
  int threads = 8;
};

FindingObservation Observation(const std::string& key, Timestamp at) {
  FindingObservation o;
  o.finding_key = key;
  o.asset_key = "bench-asset";
  o.source = "tls_headers";
  o.check_id = "hsts_missing";
  o.location = "strict-transport-security";
  o.category = "headers";
  o.title = "HSTS header missing";
  o.severity = secplat::core::model::Severity::kMedium;
  o.evidence_json = R"({"header":"strict-transport-security","observed":null})";
  o.observed_at = at;
  return o;
}

secplat::ports::store::WriteContext Ctx(Timestamp now) {
  return {.actor = "bench", .request_id = "bench", .now = now};
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void Report(const char* name, int64_t rows, double seconds) {
  std::printf("%-44s %9lld rows %8.2f s %10.0f rows/s\n", name, static_cast<long long>(rows),
              seconds, static_cast<double>(rows) / seconds);
  std::fflush(stdout);
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "pg_store_benchmark: %s\n", what.c_str());
  std::exit(1);
}

// `batches` batches of `size` keys named prefix-<batch>-<i>, at time `at`.
void RunBatches(PgStore& store, const Flags& f, const std::string& prefix, Timestamp at,
                const char* name) {
  std::vector<std::vector<FindingObservation>> all(f.batches);
  for (int b = 0; b < f.batches; ++b)
    for (int i = 0; i < f.batch_size; ++i)
      all[b].push_back(Observation(prefix + std::to_string(b) + "-" + std::to_string(i), at));
  auto start = std::chrono::steady_clock::now();
  for (const auto& batch : all) {
    auto r = store.UpsertFindings(batch, Ctx(at));
    if (!r.has_value()) Die(r.error().message);
  }
  Report(name, static_cast<int64_t>(f.batches) * f.batch_size, Seconds(start));
}

// `total` single upserts of keys prefix-<i>, split over `threads` client threads.
void RunSingles(PgStore& store, int total, int threads, const std::string& prefix, Timestamp at,
                const char* name) {
  std::vector<std::thread> workers;
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = t; i < total; i += threads) {
        auto r = store.UpsertFinding(Observation(prefix + std::to_string(i), at), Ctx(at));
        if (!r.has_value()) Die(r.error().message);
      }
    });
  }
  for (auto& w : workers) w.join();
  Report(name, total, Seconds(start));
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    std::string v = argv[i + 1];
    if (k == "--url") {
      f.url = v;
    } else if (k == "--batches") {
      f.batches = std::atoi(v.c_str());
    } else if (k == "--batch-size") {
      f.batch_size = std::atoi(v.c_str());
    } else if (k == "--singles") {
      f.singles = std::atoi(v.c_str());
    } else if (k == "--threads") {
      f.threads = std::atoi(v.c_str());
    } else {
      Die("unknown flag " + k);
    }
  }
  if (f.url.empty() || f.batches < 1 || f.batch_size < 1 || f.singles < 1 || f.threads < 1)
    Die("usage: --url URL [--batches N] [--batch-size N] [--singles N] [--threads N]");
  auto opened = PgStore::Open({.url = f.url, .pool_size = f.threads});
  if (!opened.has_value()) Die(opened.error().message);
  PgStore& store = **opened;
  secplat::core::model::Asset asset;
  asset.asset_key = "bench-asset";
  asset.name = "bench";
  asset.url = "https://bench.example";
  asset.host = "bench.example";
  asset.port = 443;
  if (auto a = store.CreateAsset(asset, Ctx(kT0)); !a.has_value()) Die(a.error().message);

  const std::string size = std::to_string(f.batch_size);
  RunBatches(store, f, "b-", kT0, ("UpsertFindings batch " + size + ", new keys").c_str());
  RunBatches(store, f, "b-", kT0 + std::chrono::minutes(1),
             ("UpsertFindings batch " + size + ", repeat keys").c_str());
  RunSingles(store, f.singles, 1, "s1-", kT0, "UpsertFinding single, 1 client, new keys");
  RunSingles(store, f.singles, 1, "s1-", kT0 + std::chrono::minutes(1),
             "UpsertFinding single, 1 client, repeat keys");
  const std::string many = std::to_string(f.threads);
  RunSingles(store, f.singles * 2, f.threads, "sn-", kT0,
             ("UpsertFinding single, " + many + " clients, new keys").c_str());
  return 0;
}
