// `secplat queue health | dlq list|show|replay|purge`: queue administration for operators on
// the host. Works on the configured queue directly (so it answers while the API is down) and
// records replays and purges in the audit log like the API does.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "adapters/json/codec.h"
#include "adapters/system/system_clock.h"
#include "cmd/subcommands/subcommands.h"
#include "cmd/wiring.h"
#include "services/api/api_service.h"
#include "services/api/queue_health.h"

namespace secplat::cmd {
namespace {

struct QueueArgs {
  std::string stream;
  std::string id;
  std::string after;
  int limit = 100;
  bool all = false;
};

bool KnownStream(const std::string& s) {
  for (const auto& [stream, group] : services::api::ReportedStreams())
    if (stream == s) return true;
  return false;
}

int Fail(const Error& e) {
  std::fprintf(stderr, "queue: %s\n", e.message.c_str());
  return e.code == ErrorCode::kInvalidArgument || e.code == ErrorCode::kNotFound ? 2 : 1;
}

// Opens the queue and the store (for the audit log and the outbox backlog) and runs `fn`.
int WithQueue(const GlobalOptions& global,
              const std::function<int(QueueHandle&, services::api::ApiService&,
                                      services::api::CallMeta)>& fn) {
  auto cfg = LoadConfigOrReport(global.config_path);
  if (!cfg) return 2;
  auto queue = OpenQueue(*cfg);
  if (!queue) return Fail(queue.error());
  auto store = OpenStore(*cfg, /*migrate=*/true);
  if (!store) return Fail(store.error());
  adapters::system::SystemClock clock;
  services::api::ApiService service(**store);
  core::model::Actor cli{"", "cli", core::model::Role::kAdmin};
  return fn(*queue, service, {cli, "cli", clock.Now()});
}

}  // namespace

Subcommand QueueSubcommand() {
  return {
      "queue", "Queue health and dead-letter administration (list, show, replay, purge)",
      [](CLI::App& app, const GlobalOptions& global) -> std::function<int()> {
        auto a = std::make_shared<QueueArgs>();
        app.require_subcommand(1);
        CLI::App* health =
            app.add_subcommand("health", "Depth, lag, pending, dead letters per stream");
        CLI::App* dlq = app.add_subcommand("dlq", "Dead letters of a stream");
        dlq->require_subcommand(1);
        CLI::App* list = dlq->add_subcommand("list", "List dead letters, oldest first");
        list->add_option("stream", a->stream,
                         "secplat.jobs.scan, secplat.jobs.derive or secplat.events.notify")
            ->required();
        list->add_option("--limit", a->limit, "At most this many (1..1000)")
            ->check(CLI::Range(1, 1000));
        list->add_option("--after", a->after, "Cursor: the last id of the previous page");
        CLI::App* show = dlq->add_subcommand("show", "Show one dead letter with its error history");
        show->add_option("stream", a->stream)->required();
        show->add_option("id", a->id)->required();
        CLI::App* replay =
            dlq->add_subcommand("replay", "Re-publish a dead letter with attempts reset");
        replay->add_option("stream", a->stream)->required();
        replay->add_option("id", a->id)->required();
        CLI::App* purge = dlq->add_subcommand("purge", "Delete one dead letter, or all with --all");
        purge->add_option("stream", a->stream)->required();
        purge->add_option("id", a->id);
        purge->add_flag("--all", a->all, "Delete every dead letter of the stream");
        return [&global, a, health, list, show, replay, purge]() -> int {
          if (!health->parsed() && !KnownStream(a->stream))
            return Fail({ErrorCode::kInvalidArgument,
                         "stream '" + a->stream + "' is not a SecPlat stream"});
          return WithQueue(
              global,
              [&](QueueHandle& q, services::api::ApiService& svc,
                  services::api::CallMeta meta) -> int {
                jobqueue::JobQueue& queue = *q.queue;
                if (health->parsed()) {
                  auto r = services::api::CollectQueueHealth(queue, svc.store());
                  if (!r) return Fail(r.error());
                  std::printf("%s\n", adapters::json::EncodeQueueHealth(q.backend, r->streams,
                                                                        r->outbox_unsent)
                                          .c_str());
                  return 0;
                }
                if (list->parsed()) {
                  auto r = queue.ListDeadLetters(a->stream, a->after, a->limit);
                  if (!r) return Fail(r.error());
                  for (const auto& d : *r)
                    std::printf("%s\n", adapters::json::EncodeDeadLetter(d).c_str());
                  return 0;
                }
                if (show->parsed()) {
                  auto r = queue.GetDeadLetter(a->stream, a->id);
                  if (!r) return Fail(r.error());
                  std::printf("%s\n", adapters::json::EncodeDeadLetter(*r).c_str());
                  return 0;
                }
                if (replay->parsed()) {
                  auto r = queue.ReplayDeadLetter(a->stream, a->id);
                  if (!r) return Fail(r.error());
                  (void)svc.Audit("queue.replay", "dead_letter:" + a->stream + "/" + a->id,
                                  "{\"job_id\":\"" + *r + "\"}", meta);
                  std::printf("replayed %s as job %s\n", a->id.c_str(), r->c_str());
                  return 0;
                }
                if (purge->parsed()) {
                  if (a->all == !a->id.empty())
                    return Fail({ErrorCode::kInvalidArgument, "give either an id or --all"});
                  auto r = a->all ? queue.PurgeDeadLetters(a->stream, std::nullopt)
                                  : queue.PurgeDeadLetters(a->stream, std::string_view(a->id));
                  if (!r) return Fail(r.error());
                  (void)svc.Audit(a->all ? "queue.purge_all" : "queue.purge",
                                  a->all ? "dead_letters:" + a->stream
                                         : "dead_letter:" + a->stream + "/" + a->id,
                                  "{\"purged\":" + std::to_string(*r) + "}", meta);
                  std::printf("purged %lld\n", static_cast<long long>(*r));
                  return *r > 0 || a->all ? 0 : 2;
                }
                return 2;
              });
        };
      }};
}

}  // namespace secplat::cmd
