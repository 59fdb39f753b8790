#include "cmd/notifier_role.h"

#include <utility>
#include <vector>

#include "adapters/notify/curl_sender.h"

namespace secplat::cmd {

services::notifier::NotifierOptions NotifierOptionsFromConfig(const config::Config& cfg) {
  services::notifier::NotifierOptions o;
  o.concurrency = cfg.notifier.concurrency;
  o.sender_threads = cfg.notifier.sender_threads;
  o.handle_batch = cfg.notifier.handle_batch;
  o.batch_wait = cfg.notifier.batch_wait;
  o.batch_workers = cfg.notifier.batch_workers;
  o.send_batch = cfg.notifier.send_batch;
  o.sweep_interval = cfg.notifier.sweep_interval;
  o.claim_lease = cfg.notifier.claim_lease;
  o.delivery_retry.max_attempts = cfg.notifier.max_attempts;
  o.external_url = cfg.notifier.external_url;
  return o;
}

Result<std::unique_ptr<NotifierRole>> NotifierRole::Make(const config::Config& cfg,
                                                         jobqueue::JobQueue& queue,
                                                         adapters::api_client::HttpPlatform& api,
                                                         const Clock& clock,
                                                         ports::Metrics& metrics) {
  if (cfg.notifier.routes_file.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "notifier.routes_file is not set (SECPLAT_NOTIFIER_ROUTES_FILE): the "
                      "notifier needs its channels and routes (docs/notifier.md)");
  }
  auto file = adapters::notify::LoadRoutingFile(cfg.notifier.routes_file);
  if (!file) return Unexpected(file.error());
  std::unique_ptr<NotifierRole> role(new NotifierRole(std::move(*file)));
  std::vector<services::notifier::ChannelBinding> bindings;
  for (const auto& channel : role->file_.channels) {
    bindings.push_back({.channel = channel.get(),
                        .rate_limit = role->file_.rate_limits.at(channel->name()),
                        .max_in_flight = role->file_.max_in_flight.at(channel->name())});
  }
  // Each sender thread its own CurlSender, so a hanging provider never stalls another channel.
  services::notifier::SenderFactory make_sender = []() -> std::unique_ptr<ports::HttpSender> {
    auto sender = adapters::notify::CurlSender::Make({});
    if (!sender) return nullptr;
    return std::move(*sender);
  };
  role->notifier_ = std::make_unique<services::notifier::Notifier>(
      queue, api, api, std::move(bindings), role->file_.routing, std::move(make_sender), clock,
      metrics, NotifierOptionsFromConfig(cfg));
  return role;
}

}  // namespace secplat::cmd
