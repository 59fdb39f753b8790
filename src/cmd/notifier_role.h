// The notifier role assembled from config (`secplat notifier`, and `up` when a routes file is
// set): the routes file's channels (owned here, they must outlive the Notifier), their rate
// limits, one CurlSender per sender thread and the Notifier itself.
//
//   auto role = NotifierRole::Make(cfg, *queue.queue, *api, clock, metrics);
//   if (!role) { /* kInvalidArgument: every problem of the routes file, joined by "; " */ }
//   (*role)->Run(stop_token);
#ifndef SECPLAT_CMD_NOTIFIER_ROLE_H_
#define SECPLAT_CMD_NOTIFIER_ROLE_H_

#include <memory>
#include <stop_token>

#include "adapters/api_client/http_platform.h"
#include "adapters/notify/routing_config.h"
#include "config/config.h"
#include "core/common/clock.h"
#include "core/common/result.h"
#include "jobqueue/job_queue.h"
#include "ports/metrics.h"
#include "services/notifier/notifier.h"

namespace secplat::cmd {

// The notifier's options from notifier.* (routes file aside).
services::notifier::NotifierOptions NotifierOptionsFromConfig(const config::Config& cfg);

class NotifierRole {
 public:
  // Errors: kInvalidArgument (no notifier.routes_file, or the file's problems), kInternal.
  static Result<std::unique_ptr<NotifierRole>> Make(const config::Config& cfg,
                                                    jobqueue::JobQueue& queue,
                                                    adapters::api_client::HttpPlatform& api,
                                                    const Clock& clock, ports::Metrics& metrics);

  // Consumes, delivers and sweeps until `stop`.
  Status Run(std::stop_token stop) { return notifier_->Run(std::move(stop)); }
  size_t channel_count() const { return file_.channels.size(); }

 private:
  explicit NotifierRole(adapters::notify::RoutingFile file) : file_(std::move(file)) {}

  adapters::notify::RoutingFile file_;  // first: the notifier points into its channels
  std::unique_ptr<services::notifier::Notifier> notifier_;
};

}  // namespace secplat::cmd

#endif  // SECPLAT_CMD_NOTIFIER_ROLE_H_
