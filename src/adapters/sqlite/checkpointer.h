// Checkpointer: WAL checkpoints off the writer's path. SQLite's automatic checkpoint runs inside
// the COMMIT that crosses the threshold, on the writer connection, and includes an fsync of the
// database file: every writer queued behind that commit (the group commit's whole next batch)
// waits for it. The Checkpointer replaces it with a wal hook that only signals a background
// thread, which runs PASSIVE checkpoints on its own connection; writers and readers carry on.
//
// Durability is unchanged (a commit is in the WAL before it returns; a checkpoint only copies
// committed pages into the database file). If checkpoints fall behind, the WAL grows until the
// next one catches up; closing the last connection checkpoints and removes the WAL as before.
//
//   auto cp = Checkpointer::Start(path, writer->raw(), /*wal_pages=*/10000);
//   // ... writes ...; cp.reset() stops the thread (after a last checkpoint) and the hook
#ifndef SECPLAT_ADAPTERS_SQLITE_CHECKPOINTER_H_
#define SECPLAT_ADAPTERS_SQLITE_CHECKPOINTER_H_

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "adapters/sqlite/connection.h"
#include "core/common/result.h"

namespace secplat::adapters::sqlite {

class Checkpointer {
 public:
  // Opens its own connection to `path`, installs the wal hook on `writer` (which must outlive
  // this object and be used under the caller's lock) and starts the thread. A checkpoint is
  // requested whenever a commit leaves at least `wal_pages` pages in the WAL.
  // Errors: those of Connection::Open.
  static Result<std::unique_ptr<Checkpointer>> Start(const std::string& path, sqlite3* writer,
                                                     int wal_pages);
  // Removes the hook, runs a last checkpoint and stops the thread.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Checkpoints run so far (for tests and metrics).
  int64_t checkpoints() const { return checkpoints_.load(); }

 private:
  Checkpointer(std::unique_ptr<Connection> conn, sqlite3* writer, int wal_pages);
  static int OnCommit(void* self, sqlite3* db, const char* schema, int pages);
  void Loop();
  void Checkpoint();

  std::unique_ptr<Connection> conn_;
  sqlite3* writer_;
  int wal_pages_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false;
  bool stopping_ = false;
  std::atomic<int64_t> checkpoints_{0};
  std::thread thread_;
};

}  // namespace secplat::adapters::sqlite

#endif  // SECPLAT_ADAPTERS_SQLITE_CHECKPOINTER_H_
