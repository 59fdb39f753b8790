// The JobQueue contract (job_queue_contract.h) on the embedded SQLite backend.
#include "tests/jobqueue/job_queue_contract.h"

#include <filesystem>

#include "jobqueue/embedded_queue.h"

namespace secplat::jobqueue::contract {
namespace {

class EmbeddedBackend {
 public:
  ~EmbeddedBackend() {
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  Status SetUp() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "secplat-queue-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return Unexpected(ErrorCode::kUnavailable, "mkdtemp failed");
    }
    dir_ = pattern;
    return OkStatus();
  }
  Result<std::unique_ptr<JobQueue>> NewQueue() {
    SECPLAT_ASSIGN_OR_RETURN(auto q, EmbeddedQueue::Open(dir_));
    return std::unique_ptr<JobQueue>(std::move(q));
  }

 private:
  std::string dir_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Embedded, JobQueueContract, EmbeddedBackend);

}  // namespace
}  // namespace secplat::jobqueue::contract
