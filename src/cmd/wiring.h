// Composition root helpers: the only code that names concrete adapters. Subcommands call these
// to turn a Config into running pieces.
#ifndef SECPLAT_CMD_WIRING_H_
#define SECPLAT_CMD_WIRING_H_

#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "adapters/api_client/http_platform.h"
#include "adapters/probe/curl_prober.h"
#include "config/config.h"
#include "core/common/result.h"
#include "core/model/posture.h"
#include "jobqueue/job_queue.h"
#include "ports/store/store.h"
#include "services/deriver/deriver.h"
#include "services/worker/worker.h"

namespace secplat::cmd {

// Loads --config plus the environment. On problems prints each to stderr and returns nullopt
// (the caller exits 2).
std::optional<config::Config> LoadConfigOrReport(const std::string& path);

// Sets up JSON logging for `service` at the configured level.
void InitLogging(const config::Config& cfg, std::string_view service);

// Where the SQLite database lives for this config. Errors: kInvalidArgument (unsupported URL).
Result<std::string> SqlitePath(const config::Config& cfg);
// True when storage.database_url selects PostgreSQL (postgres:// or postgresql://).
bool UsesPostgres(const config::Config& cfg);
// The PostgreSQL connection URL with the configured password (storage.database_password or
// its file) put in; for PgStore only, never to be printed.
std::string PostgresUrl(const config::Config& cfg);

// Opens the configured store, creating the data dir; applies migrations when `migrate`.
Result<std::unique_ptr<ports::store::Store>> OpenStore(const config::Config& cfg, bool migrate);

// The configured job queue: embedded in <data_dir>/queue when queue.url is empty, Redis Streams
// for redis://. Connecting succeeds while Redis is down (calls fail with kUnavailable until it
// answers). Errors: kInvalidArgument (bad url), kUnauthenticated (wrong password), kUnavailable.
struct QueueHandle {
  std::unique_ptr<jobqueue::JobQueue> queue;
  std::string backend;  // "embedded" or "redis"
};
Result<QueueHandle> OpenQueue(const config::Config& cfg);

// Runs the API server until `stop` is requested. `on_listening` gets the bound port.
// Returns the process exit code.
// Also runs the outbox relay (store -> queue) on a background thread when `queue` is set.
int RunApiServer(const config::Config& cfg, ports::store::Store& store, QueueHandle* queue,
                 std::stop_token stop, const std::function<void(int port)>& on_listening = {});

// The shared start-up of `api` and `up`: logging as `role`, store (migrated), queue, then the
// API server until `stop`. `before_serve` runs once the store is open (up's first-admin
// bootstrap) and may veto the start by returning false. Writes the port to `ready_file` when
// set. Returns the process exit code.
// `on_listening` runs once the server accepts connections, with its port (up starts the other
// roles there).
int ServeApiRole(const config::Config& cfg, std::string_view role, const std::string& ready_file,
                 std::stop_token stop,
                 const std::function<bool(ports::store::Store&)>& before_serve = {},
                 const std::function<void(int port)>& on_listening = {});

// The worker's prober settings from worker.* (target rules, CA file, per-host limit, loop
// threads, static hosts).
adapters::probe::CurlProberOptions ProberOptionsFromConfig(const config::Config& cfg);

// The worker's options from worker.* (concurrency, API threads, queue lease).
services::worker::WorkerOptions WorkerOptionsFromConfig(const config::Config& cfg);

// The global posture rules from posture.*. Errors: kInvalidArgument (ValidateRules' message).
Result<core::model::PostureRules> PostureRulesFromConfig(const config::Config& cfg);

// The deriver's options from deriver.* and posture.* (rules, sweep, concurrency).
// Errors: those of PostureRulesFromConfig.
Result<services::deriver::DeriverOptions> DeriverOptionsFromConfig(const config::Config& cfg);

// The API client roles other than api use (platform.api_url + platform.token). Errors:
// kInvalidArgument when no token is configured (the message names the settings to use).
Result<std::unique_ptr<adapters::api_client::HttpPlatform>> MakePlatformClient(
    const config::Config& cfg, std::string_view role);

}  // namespace secplat::cmd

#endif  // SECPLAT_CMD_WIRING_H_
