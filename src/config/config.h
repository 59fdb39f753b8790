// SecPlat's configuration as typed structs: one section per concern, decoded from one YAML
// file plus SECPLAT_<SECTION>_<KEY> environment overrides by Parse()/Load() (parse.h). The
// values a missing file means live only in DefaultConfig() (defaults.h).
//
// Secrets (passwords, tokens) are held in Secret, which prints as "<secret>" through
// operator<<, fmt and DumpEffective (redact.h); only Reveal() gives the text back.
//
//   Secret s("hunter2");
//   std::ostringstream out;
//   out << s;
//   EXPECT_EQ(out.str(), "<secret>");          // tests/config/config_test.cc
//   EXPECT_EQ(s.Reveal(), "hunter2");
#ifndef SECPLAT_CONFIG_CONFIG_H_
#define SECPLAT_CONFIG_CONFIG_H_

#include <fmt/format.h>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

#include "core/common/result.h"
#include "core/common/time.h"

namespace secplat::config {

// A secret string (password, API token). Streams and formats as "<secret>" whatever it holds,
// so it can be logged or dumped by accident without leaking. Reveal() is the one way out.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  // The secret text. Pass it only to the library that needs it (libpq, hiredis, HTTP header).
  const std::string& Reveal() const { return value_; }
  // True when no secret is set.
  bool empty() const { return value_.empty(); }

  bool operator==(const Secret&) const = default;

 private:
  std::string value_;
};

// Writes "<secret>", never the text.
std::ostream& operator<<(std::ostream& out, const Secret& secret);

// What a Secret prints as, everywhere.
inline constexpr std::string_view kRedacted = "<secret>";

// How the api listens. Ranges are enforced by Parse().
struct ServerConfig {
  std::string listen_address;
  int port = 0;        // 0..65535; 0 picks a free port (tests, `secplat up` on a busy machine).
  int io_threads = 0;  // 1..64
  int64_t max_body_bytes = 0;  // 1024..67108864
  Duration read_timeout{};     // > 0: a request must arrive in full within this.
  Duration idle_timeout{};     // > 0: an idle keep-alive connection is closed after this.
  int max_connections = 0;     // 1..100000
  bool operator==(const ServerConfig&) const = default;
};

// Where state lives. An empty database_url means the SQLite file <data_dir>/secplat.db.
struct StorageConfig {
  std::string data_dir;
  std::string database_url;  // "", "sqlite:<path>", "postgres://..." or "postgresql://...".
  Secret database_password;  // From SECPLAT_STORAGE_DATABASE_PASSWORD or the file below.
  std::string database_password_file;
  Duration busy_timeout{};  // > 0: how long SQLite waits on a locked database.
  bool operator==(const StorageConfig&) const = default;
};

// The job queue. An empty url means the embedded queue in <data_dir>/queue.
struct QueueConfig {
  std::string url;  // "" or "redis://host:port[/db]".
  Secret password;  // From SECPLAT_QUEUE_PASSWORD or the file below.
  std::string password_file;
  bool operator==(const QueueConfig&) const = default;
};

struct LogConfig {
  // Minimum severity logged: exactly "debug", "info", "warn" or "error" (Parse() enforces it;
  // a string so that config need not depend on log/, whose ParseLevel() takes it as is).
  std::string level;
  bool operator==(const LogConfig&) const = default;
};

// How roles other than the api reach it.
struct PlatformConfig {
  std::string api_url;  // "http://..." or "https://...".
  Secret token;         // From SECPLAT_PLATFORM_TOKEN or the file below.
  std::string token_file;
  bool operator==(const PlatformConfig&) const = default;
};

struct AuthConfig {
  // When true, `secplat up` creates a first admin token on an empty store.
  bool bootstrap_admin = false;
  // Failed authentications allowed per client address back to back, and per minute in the
  // long run; past them the address gets 429 before its credentials are checked.
  int failed_auth_burst = 0;
  int failed_auth_per_minute = 0;
  bool operator==(const AuthConfig&) const = default;
};

// The scan worker (`secplat worker`): how much it runs at once and which targets it may touch.
// Target rules are enforced on the resolved address of every connection, redirects included
// (core/netpolicy): link-local (cloud metadata), multicast and unspecified addresses are always
// denied unless listed in allow_cidrs; loopback and private ranges only when allowed here.
struct WorkerConfig {
  int max_in_flight = 0;         // 1..100000 scans at once in one process
  int api_threads = 0;           // 1..64 threads for the (blocking) API calls around scans
  int probe_threads = 0;         // 0..64 prober event-loop threads; 0 = one per core
  int per_host_connections = 0;  // 1..1000 concurrent connections to one host:port
  Duration lease{};              // > 0: a job whose worker died goes to another after this
  bool allow_loopback = false;   // 127.0.0.0/8, ::1
  bool allow_private = false;    // 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7
  std::string allow_cidrs;       // comma-separated CIDRs allowed even if otherwise denied
  std::string deny_cidrs;        // comma-separated CIDRs denied whatever else says
  std::string ca_file;           // PEM bundle for trust checks; "" = the system bundle
  // "name=ip,name=ip": names resolved to these addresses instead of DNS (like /etc/hosts; the
  // target rules still judge the address).
  std::string static_hosts;
  bool operator==(const WorkerConfig&) const = default;
};

// The deriver (`secplat deriver`).
struct DeriverConfig {
  Duration sweep_interval{};  // > 0: how often overdue assets are looked at (staleness)
  int concurrency = 0;        // 1..64 derive messages at once
  int sweep_batch = 0;        // 1..1000 due assets per sweep batch (one read, one write)
  int sweep_in_flight = 0;    // 1..16 sweep batches at once
  bool operator==(const DeriverConfig&) const = default;
};

// Global posture rules (docs/posture.md); assets override them with "posture.*" labels.
struct PostureConfig {
  int fail_threshold = 0;      // 1..100 consecutive failures before down
  int recover_threshold = 0;   // 1..100 consecutive successes before down -> up
  Duration debounce_window{};  // failing at least this long before down ("0s" is not a
                               // duration: use 1ms for "no window")
  int flap_window = 0;         // 2..64 results in the flap detector
  int flap_low_percent = 0;    // 1..100: leave flapping below this weighted change share
  int flap_high_percent = 0;   // 1..100: enter flapping above it (must exceed flap_low_percent)
  bool operator==(const PostureConfig&) const = default;
};

// The notifier (`secplat notifier`; docs/notifier.md). Channels and routes live in their own
// YAML file (lists do not fit this config); no routes file: the notifier refuses to start and
// `up` runs without it.
struct NotifierConfig {
  std::string routes_file;  // path of the routes file; "" = notifications off
  int concurrency = 0;      // 1..64 queue messages handled at once (API calls only)
  int sender_threads = 0;   // 1..64 provider sends at once (one per channel at a time)
  // Micro-batches of the queue handler: up to handle_batch messages (1..1000; 1 = one at a
  // time), or what arrived within batch_wait (> 0) of the first, on batch_workers threads
  // (1..64; one problem's events always on the same one).
  int handle_batch = 0;
  Duration batch_wait{};
  int batch_workers = 0;
  int send_batch = 0;  // 1..1000 deliveries of one channel claimed, sent and recorded together
  Duration sweep_interval{};  // > 0: how often due retries and repeats are looked for
  Duration claim_lease{};     // > 0: a send claimed this long ago is retried by anyone
  int max_attempts = 0;       // 1..100 attempts per delivery; then a dead letter
  std::string external_url;   // SecPlat's URL for links in messages; "" = no links
  // > 0: the api deletes delivered/failed/dead deliveries (with their attempts) and routing
  // records older than this, hourly (services/api/housekeeping.h).
  Duration retention{};
  bool operator==(const NotifierConfig&) const = default;
};

struct SchedulerConfig {
  Duration interval{};  // > 0: time between sweeps over all assets
  bool operator==(const SchedulerConfig&) const = default;
};

// The whole configuration. Build it with DefaultConfig(), Parse() or Load(); never trust a
// Config that did not come out of Parse()/Load() with ok(). The member initialisers above
// only avoid indeterminate values; they are not the defaults.
struct Config {
  ServerConfig server;
  StorageConfig storage;
  QueueConfig queue;
  LogConfig log;
  PlatformConfig platform;
  AuthConfig auth;
  WorkerConfig worker;
  SchedulerConfig scheduler;
  DeriverConfig deriver;
  PostureConfig posture;
  NotifierConfig notifier;
  bool operator==(const Config&) const = default;
};

// Parses "<positive integer><unit>" with unit ms, s, m, h or d ("500ms", "30s", "2d"), at most
// 365d. Rejects zero, signs, spaces, fractions and a missing unit with kInvalidArgument.
Result<Duration> ParseDuration(std::string_view text);

// Formats with the largest unit that divides exactly: 30000ms -> "30s", 90000ms -> "90s",
// 86400000ms -> "1d". Inverse of ParseDuration for every value it accepts.
std::string FormatDuration(Duration d);

// The database URL to open: database_url, or "sqlite:<data_dir>/secplat.db" when it is empty.
std::string EffectiveDatabaseUrl(const StorageConfig& storage);

// The directory of the embedded queue (<data_dir>/queue); meaningful when queue.url is empty.
std::string EmbeddedQueueDir(const Config& config);

}  // namespace secplat::config

// fmt (and so spdlog) prints a Secret as "<secret>" too.
template <>
struct fmt::formatter<secplat::config::Secret> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const secplat::config::Secret&, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(secplat::config::kRedacted, ctx);
  }
};

#endif  // SECPLAT_CONFIG_CONFIG_H_
