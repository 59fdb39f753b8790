// The JobQueue contract (job_queue_contract.h) on Redis Streams, against a redis-server this
// test starts itself (tests/support/redis_server.h); skipped when redis-server is missing.
#include "jobqueue/redis_streams_queue.h"
#include "tests/jobqueue/job_queue_contract.h"
#include "tests/support/redis_server.h"

namespace secplat::jobqueue::contract {
namespace {

class RedisBackend {
 public:
  Status SetUp() {
    // One server for the whole suite; every test uses its own streams.
    static Result<std::unique_ptr<testing::RedisServer>> server =
        testing::RedisServer::Start(/*aof=*/false);
    if (!server.has_value()) return Unexpected(server.error());
    url_ = (*server)->url();
    return OkStatus();
  }
  Result<std::unique_ptr<JobQueue>> NewQueue() {
    SECPLAT_ASSIGN_OR_RETURN(auto q, RedisStreamsQueue::Connect({.url = url_}));
    return std::unique_ptr<JobQueue>(std::move(q));
  }

 private:
  std::string url_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Redis, JobQueueContract, RedisBackend);

}  // namespace
}  // namespace secplat::jobqueue::contract
