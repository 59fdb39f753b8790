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
#include "config/config.h"
#include "core/common/result.h"
#include "jobqueue/job_queue.h"
#include "ports/store/store.h"

namespace secplat::cmd {

// Loads --config plus the environment. On problems prints each to stderr and returns nullopt
// (the caller exits 2).
std::optional<config::Config> LoadConfigOrReport(const std::string& path);

// Sets up JSON logging for `service` at the configured level.
void InitLogging(const config::Config& cfg, std::string_view service);

// Where the SQLite database lives for this config. Errors: kInvalidArgument (unsupported URL).
Result<std::string> SqlitePath(const config::Config& cfg);

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
int ServeApiRole(const config::Config& cfg, std::string_view role, const std::string& ready_file,
                 std::stop_token stop,
                 const std::function<bool(ports::store::Store&)>& before_serve = {});

// The API client roles other than api use (platform.api_url + platform.token). Errors:
// kInvalidArgument when no token is configured (the message names the settings to use).
Result<std::unique_ptr<adapters::api_client::HttpPlatform>> MakePlatformClient(
    const config::Config& cfg, std::string_view role);

}  // namespace secplat::cmd

#endif  // SECPLAT_CMD_WIRING_H_
