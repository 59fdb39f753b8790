// Scanners: one signature for every scan type, registered by name (after blackbox_exporter's
// prober map). A scanner is a coroutine over the Prober port: it asks the network, grades what
// came back with the pure graders in core/checks, and returns a plain ScanResult. It never
// touches the API, the queue or the clock directly, so it is tested with a fake prober and a
// literal `now`, and one worker thread runs hundreds of scanners at once.
//
//   const ScanFn* scan = FindScanner("health_http");
//   ScanContext ctx{.prober = prober};
//   StartTask((*scan)(input, ctx), [](core::model::ScanResult r) { ... });
#ifndef SECPLAT_SERVICES_WORKER_SCANNERS_SCANNER_H_
#define SECPLAT_SERVICES_WORKER_SCANNERS_SCANNER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/task.h"
#include "core/common/time.h"
#include "core/model/asset.h"
#include "core/model/scan_result.h"
#include "ports/probe.h"

namespace secplat::services::worker {

// Settings shared by every scan a worker runs (from config; defaults here). Scanner-specific
// knobs live in their own struct below so each scanner reads only its own.
struct HealthScanOptions {
  std::string method = "GET";
  std::vector<int> expected_statuses;  // empty: any 2xx
  std::string body_contains;           // empty: not checked
  std::string body_regex;              // ECMAScript; empty: not checked
  // Header conditions: name (lower-case) and a value substring that must be present; an empty
  // value means "header must be present".
  std::vector<std::pair<std::string, std::string>> required_headers;
  Duration timeout = std::chrono::seconds(10);
  Duration connect_timeout = std::chrono::seconds(5);
  int max_redirects = 5;
  int64_t max_body_bytes = 1 << 20;
};

struct TlsScanOptions {
  Duration handshake_timeout = std::chrono::seconds(5);
  // Certificate expiry thresholds in days, rising severity (e.g. 30 medium, 14 high, 7/1 critical).
  std::vector<int> expiry_warning_days = {30, 14, 7, 1};
};

struct ExposureScanOptions {
  Duration request_timeout = std::chrono::seconds(5);
  int64_t max_body_bytes = 256 * 1024;
  // Host assets: TCP ports tried when the asset has no URL (empty: no port scan).
  std::vector<int> tcp_ports;
};

struct ScanOptions {
  std::string user_agent = "SecPlat-Scanner/0.1";
  HealthScanOptions health;
  TlsScanOptions tls;
  ExposureScanOptions exposure;
};

// What a scanner is asked to do.
struct ScanInput {
  core::model::Asset asset;
  std::string scan_type;
  int64_t job_id = 0;
  Timestamp now{};  // the scan's start time: used for days-left, observed_at and the like
  ScanOptions options;
  // A random token for this run (e.g. the soft-404 probe path). Passed in so scanners stay
  // deterministic under test.
  std::string nonce;
};

// What a scanner may use. References outlive the scan.
struct ScanContext {
  ports::Prober& prober;
  // The time when the scan finishes (the worker passes its clock; tests a fixed value).
  std::function<Timestamp()> now;
};

// `input` and `ctx` are taken by reference: the caller keeps both alive until the task is done.
using ScanFn = std::function<Task<core::model::ScanResult>(const ScanInput&, ScanContext&)>;

// The scanners shipped with the binary.
Task<core::model::ScanResult> ScanHealthHttp(const ScanInput& input, ScanContext& ctx);
Task<core::model::ScanResult> ScanTlsHeaders(const ScanInput& input, ScanContext& ctx);
Task<core::model::ScanResult> ScanWebExposure(const ScanInput& input, ScanContext& ctx);

// name -> scanner ("health_http", "tls_headers", "web_exposure"); nullptr when unknown.
const ScanFn* FindScanner(std::string_view scan_type);
// Every registered name, sorted.
std::vector<std::string> ScannerNames();

}  // namespace secplat::services::worker

#endif  // SECPLAT_SERVICES_WORKER_SCANNERS_SCANNER_H_
