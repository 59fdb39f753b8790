#include "adapters/sqlite/checkpointer.h"

#include <utility>

namespace secplat::adapters::sqlite {

Result<std::unique_ptr<Checkpointer>> Checkpointer::Start(const std::string& path, sqlite3* writer,
                                                          int wal_pages) {
  SECPLAT_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
                           Connection::Open({.path = path, .create = false}));
  // A first read opens the file and its WAL index on this connection; before that a
  // checkpoint through it would be a no-op.
  SECPLAT_ASSIGN_OR_RETURN(std::string mode, conn->QueryText("PRAGMA journal_mode"));
  if (mode != "wal")
    return Unexpected(ErrorCode::kInternal, "checkpointer: " + path + " is not in WAL mode");
  std::unique_ptr<Checkpointer> cp(new Checkpointer(std::move(conn), writer, wal_pages));
  // Replaces SQLite's own autocheckpoint hook on the writer (sqlite3_wal_autocheckpoint is a
  // wal hook too): from now on only this thread checkpoints.
  sqlite3_wal_hook(writer, &Checkpointer::OnCommit, cp.get());
  cp->thread_ = std::thread([p = cp.get()] { p->Loop(); });
  return cp;
}

Checkpointer::Checkpointer(std::unique_ptr<Connection> conn, sqlite3* writer, int wal_pages)
    : conn_(std::move(conn)), writer_(writer), wal_pages_(wal_pages) {}

Checkpointer::~Checkpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int Checkpointer::OnCommit(void* self, sqlite3* /*db*/, const char* /*schema*/, int pages) {
  auto* cp = static_cast<Checkpointer*>(self);
  if (pages >= cp->wal_pages_) {
    {
      std::lock_guard lock(cp->mu_);
      cp->requested_ = true;
    }
    cp->cv_.notify_one();
  }
  return SQLITE_OK;
}

void Checkpointer::Checkpoint() {
  int log_pages = 0;
  int done_pages = 0;
  // PASSIVE: copies what it can without waiting for (or blocking) readers and the writer.
  // SQLITE_BUSY only means another checkpoint was running; the next request retries.
  (void)sqlite3_wal_checkpoint_v2(conn_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_pages,
                                  &done_pages);
  checkpoints_.fetch_add(1);
}

void Checkpointer::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return requested_ || stopping_; });
    if (stopping_) break;
    requested_ = false;
    lock.unlock();
    Checkpoint();
    lock.lock();
  }
  lock.unlock();
  Checkpoint();
}

}  // namespace secplat::adapters::sqlite
