#include "cmd/wiring.h"

#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "adapters/http/server.h"
#include "adapters/metrics/prometheus_metrics.h"
#include "adapters/postgres/pg_store.h"
#include "adapters/sqlite/sqlite_store.h"
#include "adapters/system/files.h"
#include "adapters/system/system_clock.h"
#include "config/parse.h"
#include "core/posture/rules.h"
#include "jobqueue/embedded_queue.h"
#include "jobqueue/redis_streams_queue.h"
#include "log/logger.h"
#include "services/api/housekeeping.h"
#include "services/api/http_api.h"
#include "services/api/metered_store.h"
#include "services/relay/outbox_relay.h"

namespace secplat::cmd {

std::optional<config::Config> LoadConfigOrReport(const std::string& path) {
  config::ParseResult parsed = config::Load(path, config::ProcessEnvironment());
  if (!parsed.ok()) {
    for (const auto& p : parsed.problems) std::fprintf(stderr, "config: %s\n", p.c_str());
    std::fprintf(stderr, "config: %zu problem(s); nothing started\n", parsed.problems.size());
    return std::nullopt;
  }
  return std::move(parsed.config);
}

void InitLogging(const config::Config& cfg, std::string_view service) {
  log::Init(service, log::ParseLevel(cfg.log.level).value_or(log::Level::kInfo));
}

Result<std::string> SqlitePath(const config::Config& cfg) {
  const std::string& url = cfg.storage.database_url;
  if (url.empty()) return cfg.storage.data_dir + "/secplat.db";
  if (url.rfind("sqlite:", 0) == 0) {
    std::string path = url.substr(7);
    if (path.rfind("//", 0) == 0) path = path.substr(2);  // sqlite:///abs/path
    if (path.empty())
      return Unexpected(ErrorCode::kInvalidArgument, "storage.database_url: empty sqlite path");
    return path;
  }
  return Unexpected(ErrorCode::kInvalidArgument,
                    "storage.database_url: not a SQLite URL (use sqlite:<path> or "
                    "postgres://user@host:port/db)");
}

namespace {

bool IsPostgresUrl(std::string_view url) {
  return url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
}

// postgres://user@host/db + a password from the secret -> postgres://user:pw@host/db, the
// password percent-encoded. Lives only in memory (never logged: PgStore errors quote no URL).
std::string WithPassword(const std::string& url, const std::string& password) {
  if (password.empty()) return url;
  size_t scheme = url.find("://");
  size_t at = url.find('@', scheme + 3);
  size_t slash = url.find('/', scheme + 3);
  if (at == std::string::npos || (slash != std::string::npos && at > slash)) return url;
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char c : password) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 15];
    }
  }
  return url.substr(0, at) + ":" + encoded + url.substr(at);
}

}  // namespace

bool UsesPostgres(const config::Config& cfg) { return IsPostgresUrl(cfg.storage.database_url); }

std::string PostgresUrl(const config::Config& cfg) {
  return WithPassword(cfg.storage.database_url, cfg.storage.database_password.Reveal());
}

Result<std::unique_ptr<ports::store::Store>> OpenStore(const config::Config& cfg, bool migrate) {
  if (UsesPostgres(cfg)) {
    adapters::postgres::PgOptions opts;
    opts.url = PostgresUrl(cfg);
    opts.apply_migrations = migrate;
    SECPLAT_ASSIGN_OR_RETURN(auto store, adapters::postgres::PgStore::Open(opts));
    return std::unique_ptr<ports::store::Store>(std::move(store));
  }
  SECPLAT_ASSIGN_OR_RETURN(std::string path, SqlitePath(cfg));
  SECPLAT_RETURN_IF_ERROR(adapters::system::EnsureDirectory(cfg.storage.data_dir));
  auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0)
    SECPLAT_RETURN_IF_ERROR(adapters::system::EnsureDirectory(path.substr(0, slash)));
  adapters::sqlite::SqliteOptions opts;
  opts.path = path;
  opts.busy_timeout = cfg.storage.busy_timeout;
  opts.apply_migrations = migrate;
  SECPLAT_ASSIGN_OR_RETURN(auto store, adapters::sqlite::SqliteStore::Open(opts));
  return std::unique_ptr<ports::store::Store>(std::move(store));
}

Result<QueueHandle> OpenQueue(const config::Config& cfg) {
  QueueHandle h;
  if (cfg.queue.url.empty()) {
    std::string dir = config::EmbeddedQueueDir(cfg);
    SECPLAT_RETURN_IF_ERROR(adapters::system::EnsureDirectory(dir));
    SECPLAT_ASSIGN_OR_RETURN(auto q, jobqueue::EmbeddedQueue::Open(dir));
    h.queue = std::move(q);
    h.backend = "embedded";
    return h;
  }
  jobqueue::RedisOptions opts;
  opts.url = cfg.queue.url;
  opts.password = cfg.queue.password.Reveal();
  SECPLAT_ASSIGN_OR_RETURN(auto q, jobqueue::RedisStreamsQueue::Connect(opts));
  h.queue = std::move(q);
  h.backend = "redis";
  return h;
}

namespace {

services::api::ApiRequest ToApi(const adapters::http::Request& r) {
  services::api::ApiRequest out;
  out.method = r.method;
  out.path = r.path;
  out.query = r.query;
  out.headers = r.headers;
  out.body = r.body;
  out.remote_address = r.remote_address;
  return out;
}

adapters::http::Response FromApi(services::api::ApiResponse r) {
  adapters::http::Response out;
  out.status = r.status;
  out.content_type = std::move(r.content_type);
  out.headers = std::move(r.headers);
  out.body = std::move(r.body);
  return out;
}

}  // namespace

int RunApiServer(const config::Config& cfg, ports::store::Store& store, QueueHandle* queue,
                 std::stop_token stop, const std::function<void(int port)>& on_listening) {
  adapters::system::SystemClock clock;
  adapters::metrics::PrometheusMetrics metrics;
  services::api::MeteredStore metered(store, metrics);
  services::api::ApiOptions api_options;
  api_options.failed_auth.burst = cfg.auth.failed_auth_burst;
  api_options.failed_auth.per_minute = cfg.auth.failed_auth_per_minute;
  if (queue) {
    api_options.queue = queue->queue.get();
    api_options.queue_backend = queue->backend;
  }
  services::api::HttpApi api(metered, metrics, clock, api_options);

  // The outbox relay publishes what API writes committed; it never runs in a request's path,
  // so a queue outage delays messages but never fails a request.
  // Notification history past its retention goes hourly (only the api opens the database).
  services::api::Housekeeping housekeeping(
      metered, clock, {.retention = cfg.notifier.retention, .interval = std::chrono::hours(1)});
  std::jthread housekeeping_thread([&housekeeping](std::stop_token st) { housekeeping.Run(st); });

  std::unique_ptr<services::relay::OutboxRelay> relay;
  std::jthread relay_thread;
  if (queue) {
    relay = std::make_unique<services::relay::OutboxRelay>(metered, *queue->queue, metrics, clock,
                                                           services::relay::OutboxRelay::Options{});
    relay_thread = std::jthread([&relay](std::stop_token st) { relay->Run(st); });
  }

  adapters::http::ServerOptions opts;
  opts.address = cfg.server.listen_address;
  opts.port = static_cast<uint16_t>(cfg.server.port);
  opts.io_threads = cfg.server.io_threads;
  opts.max_body_bytes = cfg.server.max_body_bytes;
  opts.read_timeout = cfg.server.read_timeout;
  opts.idle_timeout = cfg.server.idle_timeout;
  opts.max_connections = cfg.server.max_connections;
  // A successful write may have committed outbox rows: wake the relay so they go out now
  // rather than at its next idle poll (publish latency, e.g. posture.changed to the notifier).
  auto server = adapters::http::Server::Start(
      opts,
      [&api, &relay](const adapters::http::Request& r) {
        adapters::http::Response out = FromApi(api.Handle(ToApi(r)));
        if (relay && r.method != "GET" && out.status >= 200 && out.status < 300) relay->Wake();
        return out;
      },
      [&api](int status, std::string_view message, const adapters::http::Request& partial) {
        return FromApi(api.Reject(status, message, ToApi(partial)));
      });
  if (!server) {
    log::Error(
        "cannot start the API server",
        {.action = "api.start", .status = "failed", .extra = {{"error", server.error().message}}});
    return 1;
  }
  int port = (*server)->port();
  log::Info("api listening",
            {.action = "api.start",
             .status = "listening",
             .extra = {{"address", cfg.server.listen_address}, {"port", std::to_string(port)}}});
  if (on_listening) on_listening(port);

  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait(lock, stop, [] { return false; });
  log::Info("stopping", {.action = "api.stop", .status = "stopping"});
  (*server)->Stop();
  if (relay_thread.joinable()) {
    relay_thread.request_stop();
    relay_thread.join();
  }
  housekeeping_thread.request_stop();
  housekeeping_thread.join();
  log::Info("stopped", {.action = "api.stop", .status = "stopped"});
  return 0;
}

int ServeApiRole(const config::Config& cfg, std::string_view role, const std::string& ready_file,
                 std::stop_token stop,
                 const std::function<bool(ports::store::Store&)>& before_serve,
                 const std::function<void(int port)>& on_listening) {
  InitLogging(cfg, role);
  const std::string action = std::string(role) + ".start";
  auto store = OpenStore(cfg, /*migrate=*/true);
  if (!store) {
    log::Error("cannot open the store",
               {.action = action, .status = "failed", .extra = {{"error", store.error().message}}});
    return 1;
  }
  if (before_serve && !before_serve(**store)) return 1;
  auto queue = OpenQueue(cfg);
  if (!queue) {
    log::Error("cannot open the job queue",
               {.action = action, .status = "failed", .extra = {{"error", queue.error().message}}});
    return 1;
  }
  return RunApiServer(cfg, **store, &*queue, stop, [&](int port) {
    if (on_listening) on_listening(port);
    if (!ready_file.empty())
      (void)adapters::system::WriteFileAtomic(ready_file, std::to_string(port) + "\n", 0644);
  });
}

Result<std::unique_ptr<adapters::api_client::HttpPlatform>> MakePlatformClient(
    const config::Config& cfg, std::string_view role) {
  if (cfg.platform.token.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "the " + std::string(role) +
                          " role needs a service token: set SECPLAT_PLATFORM_TOKEN or "
                          "platform.token_file (create one with `secplat token create --role "
                          "service`)");
  }
  return std::make_unique<adapters::api_client::HttpPlatform>(
      adapters::api_client::HttpPlatformOptions{.base_url = cfg.platform.api_url,
                                                .token = cfg.platform.token.Reveal()});
}

namespace {

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(std::move(item));
    pos = comma + 1;
  }
  return out;
}

}  // namespace

Result<services::deriver::DeriverOptions> DeriverOptionsFromConfig(const config::Config& cfg) {
  SECPLAT_ASSIGN_OR_RETURN(core::model::PostureRules rules, PostureRulesFromConfig(cfg));
  services::deriver::DeriverOptions o;
  o.rules = std::move(rules);
  o.sweep_interval = cfg.deriver.sweep_interval;
  o.concurrency = cfg.deriver.concurrency;
  o.sweep_batch = cfg.deriver.sweep_batch;
  o.sweep_in_flight = cfg.deriver.sweep_in_flight;
  return o;
}

services::worker::WorkerOptions WorkerOptionsFromConfig(const config::Config& cfg) {
  services::worker::WorkerOptions options;
  options.max_in_flight = cfg.worker.max_in_flight;
  options.api_threads = cfg.worker.api_threads;
  options.lease = cfg.worker.lease;
  return options;
}

adapters::probe::CurlProberOptions ProberOptionsFromConfig(const config::Config& cfg) {
  adapters::probe::CurlProberOptions o;
  o.policy.allow_loopback = cfg.worker.allow_loopback;
  o.policy.allow_private = cfg.worker.allow_private;
  o.policy.allow_cidrs = SplitList(cfg.worker.allow_cidrs);
  o.policy.deny_cidrs = SplitList(cfg.worker.deny_cidrs);
  o.ca_file = cfg.worker.ca_file;
  o.max_connections_per_host = cfg.worker.per_host_connections;
  o.loop_threads = cfg.worker.probe_threads;
  for (const std::string& pair : SplitList(cfg.worker.static_hosts)) {
    size_t eq = pair.find('=');
    if (eq != std::string::npos) o.static_hosts[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return o;
}

Result<core::model::PostureRules> PostureRulesFromConfig(const config::Config& cfg) {
  core::model::PostureRules rules;
  rules.fail_threshold = cfg.posture.fail_threshold;
  rules.recover_threshold = cfg.posture.recover_threshold;
  rules.debounce_window = cfg.posture.debounce_window;
  rules.flap_window = cfg.posture.flap_window;
  rules.flap_low = cfg.posture.flap_low_percent / 100.0;
  rules.flap_high = cfg.posture.flap_high_percent / 100.0;
  SECPLAT_RETURN_IF_ERROR(core::posture::ValidateRules(rules));
  return rules;
}

}  // namespace secplat::cmd
