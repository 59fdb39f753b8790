#include "config/defaults.h"

#include <chrono>

namespace secplat::config {

Config DefaultConfig() {
  using std::chrono::seconds;
  Config c;

  c.server.listen_address = "127.0.0.1";
  c.server.port = 8080;
  c.server.io_threads = 4;
  c.server.max_body_bytes = 1'048'576;
  c.server.read_timeout = seconds(30);
  c.server.idle_timeout = seconds(60);
  c.server.max_connections = 10'000;

  c.storage.data_dir = "./data";
  c.storage.database_url = "";  // SQLite file <data_dir>/secplat.db.
  c.storage.busy_timeout = seconds(5);

  c.queue.url = "";  // Embedded queue in <data_dir>/queue.

  c.log.level = "info";

  c.platform.api_url = "http://127.0.0.1:8080";

  c.auth.bootstrap_admin = true;
  c.auth.failed_auth_burst = 20;
  c.auth.failed_auth_per_minute = 10;

  c.worker.max_in_flight = 256;
  c.worker.api_threads = 4;
  c.worker.probe_threads = 0;  // one per core
  c.worker.per_host_connections = 4;
  c.worker.lease = seconds(60);
  c.worker.allow_loopback = false;
  c.worker.allow_private = false;
  c.worker.allow_cidrs = "";
  c.worker.deny_cidrs = "";
  c.worker.ca_file = "";
  c.worker.static_hosts = "";

  c.scheduler.interval = seconds(10);

  c.deriver.sweep_interval = seconds(30);
  c.deriver.concurrency = 4;
  c.deriver.sweep_batch = 1000;
  c.deriver.sweep_in_flight = 8;

  // The core defaults (core/model/posture.h PostureRules), spelled out for the config dump.
  c.posture.fail_threshold = 3;
  c.posture.recover_threshold = 2;
  c.posture.debounce_window = std::chrono::milliseconds(1);
  c.posture.flap_window = 20;
  c.posture.flap_low_percent = 25;
  c.posture.flap_high_percent = 30;

  c.notifier.routes_file = "";
  c.notifier.concurrency = 4;
  c.notifier.sender_threads = 4;
  c.notifier.handle_batch = 256;
  c.notifier.batch_wait = std::chrono::milliseconds(2);
  c.notifier.batch_workers = 2;
  c.notifier.send_batch = 256;
  c.notifier.sweep_interval = seconds(5);
  c.notifier.claim_lease = seconds(120);
  c.notifier.max_attempts = 10;
  c.notifier.external_url = "";
  c.notifier.retention = std::chrono::hours(24 * 30);
  return c;
}

}  // namespace secplat::config
