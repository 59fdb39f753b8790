// `secplat up`: every role in one process on embedded defaults (SQLite file in the data dir).
// On an empty store it issues a first admin token, writes it to <data_dir>/admin.token (0600)
// and shows it once on the terminal — never in the log stream.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/api_client/http_platform.h"
#include "adapters/metrics/prometheus_metrics.h"
#include "adapters/probe/curl_prober.h"
#include "adapters/system/files.h"
#include "adapters/system/signals.h"
#include "adapters/system/system_clock.h"
#include "cmd/notifier_role.h"
#include "cmd/subcommands/subcommands.h"
#include "cmd/wiring.h"
#include "log/logger.h"
#include "services/api/api_service.h"
#include "services/deriver/deriver.h"
#include "services/scheduler/scheduler.h"
#include "services/worker/worker.h"

namespace secplat::cmd {
namespace {

// Issues the first admin token when no active admin exists. Returns false on failure.
bool BootstrapAdmin(const config::Config& cfg, ports::store::Store& store) {
  auto admins = store.CountActiveAdmins();
  if (!admins) {
    log::Error("cannot count admin tokens", {.action = "up.bootstrap",
                                             .status = "failed",
                                             .extra = {{"error", admins.error().message}}});
    return false;
  }
  if (*admins > 0) return true;
  adapters::system::SystemClock clock;
  services::api::ApiService service(store);
  core::model::Actor cli{"", "secplat up (bootstrap)", core::model::Role::kAdmin};
  auto issued = service.IssueToken("bootstrap-admin", core::model::Role::kAdmin,
                                   {cli, "bootstrap", clock.Now()});
  if (!issued) {
    log::Error("cannot create the first admin token",
               {.action = "up.bootstrap",
                .status = "failed",
                .extra = {{"error", issued.error().message}}});
    return false;
  }
  std::string path = cfg.storage.data_dir + "/admin.token";
  auto written = adapters::system::WriteFileAtomic(path, issued->plaintext + "\n", 0600);
  if (!written) {
    log::Error("cannot write the admin token file",
               {.action = "up.bootstrap",
                .status = "failed",
                .extra = {{"error", written.error().message}}});
    return false;
  }
  log::Info("first admin token created and written to its file (mode 0600)",
            {.action = "up.bootstrap",
             .status = "created",
             .extra = {{"token_id", issued->token.id}, {"path", path}}});
  if (isatty(STDERR_FILENO)) {
    std::fprintf(stderr,
                 "\n  First admin token (shown once; also saved in %s, mode 0600):\n\n"
                 "    %s\n\n",
                 path.c_str(), issued->plaintext.c_str());
  }
  return true;
}

// The token the in-process roles present to the API: reused from <data_dir>/service.token
// (0600) while it is still active, else issued anew (role service) and written there.
// Returns the plaintext, or nullopt on failure (logged).
std::optional<std::string> EnsureServiceToken(const config::Config& cfg,
                                              ports::store::Store& store) {
  const std::string path = cfg.storage.data_dir + "/service.token";
  if (auto text = adapters::system::ReadFile(path); text.has_value()) {
    std::string plaintext = *text;
    while (!plaintext.empty() && (plaintext.back() == '\n' || plaintext.back() == '\r')) {
      plaintext.pop_back();
    }
    // spt_<16 hex id>_<secret>
    if (plaintext.size() > 21 && plaintext.rfind("spt_", 0) == 0) {
      auto token = store.FindToken(plaintext.substr(4, 16));
      if (token.has_value() && !token->revoked_at.has_value() &&
          token->role == core::model::Role::kService) {
        return plaintext;
      }
    }
  }
  adapters::system::SystemClock clock;
  services::api::ApiService service(store);
  core::model::Actor cli{"", "secplat up", core::model::Role::kAdmin};
  auto issued = service.IssueToken("up-internal-roles", core::model::Role::kService,
                                   {cli, "up-service-token", clock.Now()});
  if (!issued) {
    log::Error("cannot create the internal service token",
               {.action = "up.bootstrap",
                .status = "failed",
                .extra = {{"error", issued.error().message}}});
    return std::nullopt;
  }
  auto written = adapters::system::WriteFileAtomic(path, issued->plaintext + "\n", 0600);
  if (!written) {
    log::Error("cannot write the service token file",
               {.action = "up.bootstrap",
                .status = "failed",
                .extra = {{"error", written.error().message}}});
    return std::nullopt;
  }
  return issued->plaintext;
}

// scheduler, worker, deriver (and the notifier when a routes file is set) in this process, calling
// the API over loopback HTTP with the internal service token — the same code and the same checks as
// when they run apart.
class InProcessRoles {
 public:
  InProcessRoles(const config::Config& cfg, std::string token, std::stop_token stop)
      : cfg_(cfg), token_(std::move(token)), stop_(std::move(stop)) {}
  ~InProcessRoles() { threads_.clear(); }  // joins: every role has seen `stop`

  // Starts the roles against the API on `port`. Failures are logged; the API keeps serving.
  void Start(int port) {
    api_ = std::make_unique<adapters::api_client::HttpPlatform>(
        adapters::api_client::HttpPlatformOptions{
            .base_url = "http://127.0.0.1:" + std::to_string(port), .token = token_});
    auto queue = OpenQueue(cfg_);
    auto prober = adapters::probe::CurlProber::Create(ProberOptionsFromConfig(cfg_));
    auto deriver_options = DeriverOptionsFromConfig(cfg_);
    if (!queue || !prober || !deriver_options) {
      log::Error("cannot start the in-process roles",
                 {.action = "up.roles",
                  .status = "failed",
                  .extra = {{"error", !queue    ? queue.error().message
                                      : !prober ? prober.error().message
                                                : deriver_options.error().message}}});
      return;
    }
    queue_ = std::move(*queue);
    prober_ = std::move(*prober);
    scheduler_ = std::make_unique<services::scheduler::Scheduler>(
        *api_, *api_, clock_, metrics_,
        services::scheduler::SchedulerOptions{.tick = cfg_.scheduler.interval});
    worker_ = std::make_unique<services::worker::Worker>(*queue_.queue, *api_, *api_, *api_,
                                                         *prober_, *prober_, clock_, metrics_,
                                                         WorkerOptionsFromConfig(cfg_));
    deriver_ = std::make_unique<services::deriver::Deriver>(*queue_.queue, *api_, *api_, *api_,
                                                            clock_, metrics_, *deriver_options);
    threads_.emplace_back([this] { scheduler_->Run(stop_); });
    threads_.emplace_back([this] {
      (void)worker_->Run(stop_);
      prober_->Stop();
    });
    threads_.emplace_back([this] { (void)deriver_->Run(stop_); });
    log::Info("scheduler, worker and deriver running in this process", {.action = "up.roles"});
    if (cfg_.notifier.routes_file.empty()) {
      log::Info("notifier not started: notifier.routes_file is not set", {.action = "up.roles"});
      return;
    }
    auto notifier = NotifierRole::Make(cfg_, *queue_.queue, *api_, clock_, metrics_);
    if (!notifier) {
      log::Error("cannot start the notifier", {.action = "up.roles",
                                               .status = "failed",
                                               .extra = {{"error", notifier.error().message}}});
      return;
    }
    notifier_ = std::move(*notifier);
    threads_.emplace_back([this] { (void)notifier_->Run(stop_); });
    log::Info("notifier running in this process", {.action = "up.roles"});
  }

 private:
  const config::Config& cfg_;
  std::string token_;
  std::stop_token stop_;
  adapters::system::SystemClock clock_;
  adapters::metrics::PrometheusMetrics metrics_;
  std::unique_ptr<adapters::api_client::HttpPlatform> api_;
  QueueHandle queue_;
  std::unique_ptr<adapters::probe::CurlProber> prober_;
  std::unique_ptr<services::scheduler::Scheduler> scheduler_;
  std::unique_ptr<services::worker::Worker> worker_;
  std::unique_ptr<services::deriver::Deriver> deriver_;
  std::unique_ptr<NotifierRole> notifier_;
  std::vector<std::jthread> threads_;  // last: joined first
};

}  // namespace

Subcommand UpSubcommand() {
  return {"up",
          "Run every role in one process on embedded defaults (SQLite in the data dir); "
          "creates a first admin token on an empty store",
          [](CLI::App& app, const GlobalOptions& global) -> std::function<int()> {
            auto ready_file = std::make_shared<std::string>();
            app.add_option("--ready-file", *ready_file,
                           "Write the listening port to this file once serving (for scripts)");
            return [&global, ready_file]() {
              std::stop_source& stop = adapters::system::InstallStopSignals();
              auto cfg = LoadConfigOrReport(global.config_path);
              if (!cfg) return 2;
              // The other roles run on threads sharing `stop` (the notifier and correlator join
              // as their issues land).
              std::optional<std::string> service_token;
              std::unique_ptr<InProcessRoles> roles;
              int code = ServeApiRole(
                  *cfg, "up", *ready_file, stop.get_token(),
                  [&](ports::store::Store& store) {
                    if (cfg->auth.bootstrap_admin && !BootstrapAdmin(*cfg, store)) return false;
                    service_token = EnsureServiceToken(*cfg, store);
                    return service_token.has_value();
                  },
                  [&](int port) {
                    roles =
                        std::make_unique<InProcessRoles>(*cfg, *service_token, stop.get_token());
                    roles->Start(port);
                  });
              roles.reset();
              return code;
            };
          }};
}

}  // namespace secplat::cmd
