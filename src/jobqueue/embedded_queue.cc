#include "jobqueue/embedded_queue.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <unordered_map>

#include "jobqueue/internal/codec.h"
#include "jobqueue/internal/consumer_runtime.h"

namespace secplat::jobqueue {
namespace {

using internal::Completion;
using internal::Delivery;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS messages(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  stream TEXT NOT NULL,
  jid TEXT NOT NULL,
  payload BLOB NOT NULL,
  idem TEXT NOT NULL DEFAULT '',
  request_id TEXT NOT NULL DEFAULT '',
  enqueued_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  errors BLOB NOT NULL DEFAULT '',
  target_group TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS messages_by_stream ON messages(stream, seq);
CREATE TABLE IF NOT EXISTS groups(
  stream TEXT NOT NULL, grp TEXT NOT NULL, last_seq INTEGER NOT NULL,
  PRIMARY KEY(stream, grp)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pending(
  stream TEXT NOT NULL, grp TEXT NOT NULL, seq INTEGER NOT NULL,
  consumer TEXT NOT NULL, visible_after_ms INTEGER NOT NULL,
  deliveries INTEGER NOT NULL, touched_ms INTEGER NOT NULL,
  PRIMARY KEY(stream, grp, seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pending_by_lease ON pending(stream, grp, visible_after_ms);
CREATE TABLE IF NOT EXISTS delayed(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  stream TEXT NOT NULL, due_ms INTEGER NOT NULL,
  jid TEXT NOT NULL, payload BLOB NOT NULL, idem TEXT NOT NULL, request_id TEXT NOT NULL,
  enqueued_ms INTEGER NOT NULL, attempts INTEGER NOT NULL, errors BLOB NOT NULL,
  target_group TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS delayed_by_due ON delayed(stream, due_ms);
CREATE TABLE IF NOT EXISTS dead_letters(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  stream TEXT NOT NULL, grp TEXT NOT NULL,
  jid TEXT NOT NULL, payload BLOB NOT NULL, idem TEXT NOT NULL, request_id TEXT NOT NULL,
  enqueued_ms INTEGER NOT NULL, attempts INTEGER NOT NULL, errors BLOB NOT NULL,
  reason TEXT NOT NULL, last_error TEXT NOT NULL, dead_ms INTEGER NOT NULL,
  original_seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS dead_letters_by_stream ON dead_letters(stream, id);
CREATE TABLE IF NOT EXISTS idempotency(
  stream TEXT NOT NULL, key TEXT NOT NULL, jid TEXT NOT NULL, expires_ms INTEGER NOT NULL,
  PRIMARY KEY(stream, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters(
  stream TEXT PRIMARY KEY,
  published INTEGER NOT NULL DEFAULT 0, acked INTEGER NOT NULL DEFAULT 0,
  retried INTEGER NOT NULL DEFAULT 0, dead_lettered INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS consumers(
  stream TEXT NOT NULL, grp TEXT NOT NULL, consumer TEXT NOT NULL, seen_ms INTEGER NOT NULL,
  PRIMARY KEY(stream, grp, consumer)) WITHOUT ROWID;
)sql";

// Columns shared by messages, delayed and dead_letters, in this order.
constexpr const char* kMessageColumns =
    "jid, payload, idem, request_id, enqueued_ms, attempts, errors";

int64_t NowMs() {
  return ToUnixMillis(std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()));
}

Unexpected DbError(sqlite3* db, std::string_view what) {
  int code = sqlite3_errcode(db);
  ErrorCode ec = (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_IOERR ||
                  code == SQLITE_FULL || code == SQLITE_CANTOPEN)
                     ? ErrorCode::kUnavailable
                     : ErrorCode::kInternal;
  return Unexpected(ec, "sqlite: " + std::string(what) + ": " + sqlite3_errmsg(db));
}

// A cached prepared statement, reset when this goes out of scope.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  ~Stmt() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Int(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& Text(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Blob(int i, std::string_view v) {
    sqlite3_bind_blob(s_, i, v.empty() ? "" : v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  // true: a row is available; false: done.
  Result<bool> Step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return DbError(db_, "step");
  }
  Status Run() {
    SECPLAT_ASSIGN_OR_RETURN(bool row, Step());
    (void)row;
    return OkStatus();
  }
  int64_t ColInt(int c) const { return sqlite3_column_int64(s_, c); }
  bool ColNull(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  std::string ColText(int c) const {
    const void* p = sqlite3_column_blob(s_, c);
    int n = sqlite3_column_bytes(s_, c);
    return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), n);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
};

// Wakes consumers in this process when a stream gets new entries. One per database path, so
// that several EmbeddedQueue objects on one directory wake each other.
struct Notifier {
  std::mutex mu;
  std::condition_variable cv;
  uint64_t generation = 0;
  void Notify() {
    {
      std::lock_guard lock(mu);
      ++generation;
    }
    cv.notify_all();
  }
};

std::shared_ptr<Notifier> NotifierFor(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<Notifier>> notifiers;
  std::lock_guard lock(mu);
  auto& weak = notifiers[path];
  auto n = weak.lock();
  if (!n) {
    n = std::make_shared<Notifier>();
    weak = n;
  }
  return n;
}

// Reads the 7 kMessageColumns starting at column `c` into `m`; returns the attempts stored.
int64_t ReadMessage(const Stmt& s, int c, Message* m, std::string* decode_error) {
  m->id = s.ColText(c);
  m->payload = s.ColText(c + 1);
  m->idempotency_key = s.ColText(c + 2);
  m->request_id = s.ColText(c + 3);
  m->enqueued_at = FromUnixMillis(s.ColInt(c + 4));
  auto errors = internal::DecodeList(s.ColText(c + 6));
  if (errors.has_value()) {
    m->errors = std::move(*errors);
  } else if (decode_error != nullptr) {
    *decode_error = "bad error history";
  }
  return s.ColInt(c + 5);
}

// Binds the 7 kMessageColumns starting at parameter `p`.
void BindMessage(Stmt& s, int p, const Message& m, int64_t attempts,
                 const std::vector<std::string>& errors) {
  s.Text(p, m.id)
      .Blob(p + 1, m.payload)
      .Text(p + 2, m.idempotency_key)
      .Text(p + 3, m.request_id)
      .Int(p + 4, ToUnixMillis(m.enqueued_at))
      .Int(p + 5, attempts)
      .Blob(p + 6, internal::EncodeList(errors));
}

bool ParseId(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && *out >= 0;
}

}  // namespace

// ---- Impl -------------------------------------------------------------------------------------

class EmbeddedQueue::Impl {
 public:
  Impl(sqlite3* db, std::shared_ptr<Notifier> notifier) : db_(db), notifier_(std::move(notifier)) {}
  ~Impl() {
    for (auto& [sql, s] : cache_) sqlite3_finalize(s);
    sqlite3_close(db_);
  }

  std::mutex& mu() { return mu_; }
  Notifier& notifier() { return *notifier_; }
  sqlite3* db() { return db_; }

  // Caller holds mu().
  Result<std::unique_ptr<Stmt>> Prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
          SQLITE_OK) {
        return DbError(db_, "prepare");
      }
      it = cache_.emplace(sql, s).first;
    }
    return std::make_unique<Stmt>(db_, it->second);
  }

  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err != nullptr ? err : "unknown";
      sqlite3_free(err);
      int code = sqlite3_errcode(db_);
      bool busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
      return Unexpected(busy ? ErrorCode::kUnavailable : ErrorCode::kInternal, "sqlite: " + msg);
    }
    return OkStatus();
  }

  // Runs `body` in a write transaction (BEGIN IMMEDIATE), committing when it succeeds.
  template <typename F>
  auto Write(F&& body) -> decltype(body()) {
    SECPLAT_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    auto result = body();
    if (!result.has_value()) {
      (void)Exec("ROLLBACK");
      return result;
    }
    Status commit = Exec("COMMIT");
    if (!commit.has_value()) {
      (void)Exec("ROLLBACK");
      return Unexpected(commit.error());
    }
    return result;
  }

  Status AddCounter(std::string_view stream, const char* column, int64_t n) {
    if (n == 0) return OkStatus();
    std::string sql = std::string("INSERT INTO counters(stream, ") + column +
                      ") VALUES(?1, ?2) ON CONFLICT(stream) DO UPDATE SET " + column + " = " +
                      column + " + ?2";
    SECPLAT_ASSIGN_OR_RETURN(auto s, Prepare(sql));
    s->Text(1, stream).Int(2, n);
    return s->Run();
  }

 private:
  std::mutex mu_;  // one statement at a time on db_
  sqlite3* db_;
  std::shared_ptr<Notifier> notifier_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

namespace {

// ---- the consumer session ---------------------------------------------------------------------

class EmbeddedSession final : public internal::Session {
 public:
  EmbeddedSession(EmbeddedQueue::Impl& impl, std::string_view stream, std::string_view group,
                  std::string consumer, Duration lease)
      : impl_(impl),
        stream_(stream),
        group_(group),
        consumer_(std::move(consumer)),
        lease_(lease) {}

  Status Prepare() override {
    std::lock_guard lock(impl_.mu());
    return impl_.Write([&]() -> Status {
      SECPLAT_ASSIGN_OR_RETURN(
          auto s, impl_.Prepare("INSERT INTO groups(stream, grp, last_seq) VALUES(?, ?, 0) "
                                "ON CONFLICT DO NOTHING"));
      s->Text(1, stream_).Text(2, group_);
      return s->Run();
    });
  }

  Result<std::vector<Delivery>> Fetch(int max, Duration block) override {
    auto deadline = std::chrono::steady_clock::now() + block;
    Duration poll(1);
    while (true) {
      uint64_t generation;
      {
        std::lock_guard lock(impl_.notifier().mu);
        generation = impl_.notifier().generation;
      }
      SECPLAT_ASSIGN_OR_RETURN(std::vector<Delivery> got, TryFetch(max));
      if (!got.empty()) return got;
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline || interrupted_.load()) return got;
      // Wait for a publish in this process, or poll for other processes (bounded backoff).
      std::unique_lock lock(impl_.notifier().mu);
      impl_.notifier().cv.wait_until(lock, std::min(deadline, now + poll), [&] {
        return impl_.notifier().generation != generation || interrupted_.load();
      });
      poll = std::min(Duration(50), poll * 2);
    }
  }

  void InterruptFetch() override {
    interrupted_.store(true);
    impl_.notifier().Notify();
  }

  Status Complete(const std::vector<Completion>& batch) override {
    bool wake = false;
    std::lock_guard lock(impl_.mu());
    Status s = impl_.Write([&]() -> Status {
      int64_t acked = 0, retried = 0, dead = 0;
      const int64_t now = NowMs();
      for (const Completion& c : batch) {
        int64_t seq = 0;
        if (!ParseId(c.delivery.handle, &seq)) continue;
        const Message& m = c.delivery.message;
        if (c.kind == Completion::Kind::kAck || c.kind == Completion::Kind::kSkip) {
          SECPLAT_ASSIGN_OR_RETURN(
              auto d, impl_.Prepare("DELETE FROM pending WHERE stream=? AND grp=? AND seq=?"));
          d->Text(1, stream_).Text(2, group_).Int(3, seq);
          SECPLAT_RETURN_IF_ERROR(d->Run());
          if (c.kind == Completion::Kind::kAck) ++acked;
          continue;
        }
        if (c.kind == Completion::Kind::kRelease) {
          // Hand it back as if never delivered: the next delivery has the same attempt number.
          SECPLAT_ASSIGN_OR_RETURN(
              auto u, impl_.Prepare("UPDATE pending SET visible_after_ms=0, "
                                    "deliveries=deliveries-1 WHERE stream=? AND grp=? AND "
                                    "seq=? AND consumer=?"));
          u->Text(1, stream_).Text(2, group_).Int(3, seq).Text(4, consumer_);
          SECPLAT_RETURN_IF_ERROR(u->Run());
          wake = true;
          continue;
        }
        // Retries and dead letters apply only while we still own the message.
        SECPLAT_ASSIGN_OR_RETURN(
            auto del, impl_.Prepare("DELETE FROM pending WHERE stream=? AND grp=? AND seq=? AND "
                                    "consumer=?"));
        del->Text(1, stream_).Text(2, group_).Int(3, seq).Text(4, consumer_);
        SECPLAT_RETURN_IF_ERROR(del->Run());
        if (sqlite3_changes(impl_.db()) == 0) continue;
        std::vector<std::string> history = internal::HistoryWith(c);
        if (c.kind == Completion::Kind::kRetry) {
          SECPLAT_ASSIGN_OR_RETURN(
              auto ins, impl_.Prepare(std::string("INSERT INTO delayed(stream, due_ms, "
                                                  "target_group, ") +
                                      kMessageColumns + ") VALUES(?,?,?,?,?,?,?,?,?,?)"));
          ins->Text(1, stream_).Int(2, now + c.delay.count()).Text(3, group_);
          BindMessage(*ins, 4, m, m.attempt, history);
          SECPLAT_RETURN_IF_ERROR(ins->Run());
          ++retried;
        } else {
          SECPLAT_ASSIGN_OR_RETURN(
              auto ins, impl_.Prepare(std::string("INSERT INTO dead_letters(stream, grp, reason, "
                                                  "last_error, dead_ms, original_seq, ") +
                                      kMessageColumns + ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)"));
          ins->Text(1, m.stream.empty() ? stream_ : m.stream)
              .Text(2, group_)
              .Text(3, c.reason)
              .Text(4, c.error)
              .Int(5, ToUnixMillis(c.at))
              .Int(6, seq);
          BindMessage(*ins, 7, m, m.attempt, history);
          SECPLAT_RETURN_IF_ERROR(ins->Run());
          ++dead;
        }
      }
      SECPLAT_RETURN_IF_ERROR(impl_.AddCounter(stream_, "acked", acked));
      SECPLAT_RETURN_IF_ERROR(impl_.AddCounter(stream_, "retried", retried));
      SECPLAT_RETURN_IF_ERROR(impl_.AddCounter(stream_, "dead_lettered", dead));
      return OkStatus();
    });
    if (s.has_value() && wake) impl_.notifier().Notify();
    return s;
  }

  Result<std::vector<std::string>> Renew(const std::vector<std::string>& handles) override {
    std::lock_guard lock(impl_.mu());
    return impl_.Write([&]() -> Result<std::vector<std::string>> {
      std::vector<std::string> lost;
      const int64_t now = NowMs();
      for (const std::string& h : handles) {
        int64_t seq = 0;
        if (!ParseId(h, &seq)) continue;
        SECPLAT_ASSIGN_OR_RETURN(
            auto u, impl_.Prepare("UPDATE pending SET visible_after_ms=?, touched_ms=? WHERE "
                                  "stream=? AND grp=? AND seq=? AND consumer=?"));
        u->Int(1, now + lease_.count()).Int(2, now).Text(3, stream_).Text(4, group_);
        u->Int(5, seq).Text(6, consumer_);
        SECPLAT_RETURN_IF_ERROR(u->Run());
        if (sqlite3_changes(impl_.db()) == 0) lost.push_back(h);
      }
      return lost;
    });
  }

  Result<std::vector<Delivery>> Reclaim(int max) override {
    std::lock_guard lock(impl_.mu());
    const int64_t now = NowMs();
    {
      // Cheap check first: most of the time nothing expired and no write lock is needed.
      SECPLAT_ASSIGN_OR_RETURN(auto q,
                               impl_.Prepare("SELECT 1 FROM pending WHERE stream=? AND grp=? AND "
                                             "visible_after_ms<=? AND consumer<>? LIMIT 1"));
      q->Text(1, stream_).Text(2, group_).Int(3, now).Text(4, consumer_);
      SECPLAT_ASSIGN_OR_RETURN(bool any, q->Step());
      if (!any) return std::vector<Delivery>{};
    }
    return impl_.Write([&]() -> Result<std::vector<Delivery>> {
      std::vector<Delivery> out;
      SECPLAT_ASSIGN_OR_RETURN(
          auto q, impl_.Prepare(std::string("SELECT p.seq, p.deliveries, m.target_group, ") +
                                "m.jid, m.payload, m.idem, m.request_id, m.enqueued_ms, "
                                "m.attempts, m.errors FROM pending p JOIN messages m ON "
                                "m.seq=p.seq WHERE p.stream=? AND p.grp=? AND "
                                "p.visible_after_ms<=? AND p.consumer<>? "
                                "ORDER BY p.visible_after_ms LIMIT ?"));
      q->Text(1, stream_).Text(2, group_).Int(3, now).Text(4, consumer_).Int(5, max);
      while (true) {
        SECPLAT_ASSIGN_OR_RETURN(bool row, q->Step());
        if (!row) break;
        Delivery d;
        d.handle = std::to_string(q->ColInt(0));
        int64_t deliveries = q->ColInt(1) + 1;
        d.target_group = q->ColText(2);
        d.message.stream = stream_;
        int64_t attempts = ReadMessage(*q, 3, &d.message, &d.decode_error);
        for (int64_t k = 1; k < deliveries; ++k) {
          d.message.errors.push_back("lease expired (consumer stopped renewing)");
        }
        d.message.attempt = static_cast<int>(std::min<int64_t>(attempts + deliveries, 1 << 30));
        out.push_back(std::move(d));
      }
      for (const Delivery& d : out) {
        SECPLAT_ASSIGN_OR_RETURN(
            auto u, impl_.Prepare("UPDATE pending SET consumer=?, visible_after_ms=?, "
                                  "deliveries=deliveries+1, touched_ms=? WHERE stream=? AND "
                                  "grp=? AND seq=?"));
        u->Text(1, consumer_).Int(2, now + lease_.count()).Int(3, now).Text(4, stream_);
        u->Text(5, group_).Int(6, std::stoll(d.handle));
        SECPLAT_RETURN_IF_ERROR(u->Run());
      }
      return out;
    });
  }

  Result<std::optional<Duration>> PromoteDue() override {
    bool moved = false;
    Result<std::optional<Duration>> r = [&]() -> Result<std::optional<Duration>> {
      std::lock_guard lock(impl_.mu());
      const int64_t now = NowMs();
      SECPLAT_ASSIGN_OR_RETURN(int64_t next, NextDue());
      if (next < 0) return std::optional<Duration>();
      if (next > now) return std::optional<Duration>(Duration(next - now));
      return impl_.Write([&]() -> Result<std::optional<Duration>> {
        const char* where =
            " FROM delayed WHERE stream=?1 AND due_ms<=?2 ORDER BY due_ms, id "
            "LIMIT 1000";
        SECPLAT_ASSIGN_OR_RETURN(
            auto ins, impl_.Prepare(std::string("INSERT INTO messages(stream, target_group, ") +
                                    kMessageColumns + ") SELECT stream, target_group, " +
                                    kMessageColumns + where));
        ins->Text(1, stream_).Int(2, now);
        SECPLAT_RETURN_IF_ERROR(ins->Run());
        SECPLAT_ASSIGN_OR_RETURN(
            auto del,
            impl_.Prepare(std::string("DELETE FROM delayed WHERE id IN (SELECT id") + where + ")"));
        del->Text(1, stream_).Int(2, now);
        SECPLAT_RETURN_IF_ERROR(del->Run());
        moved = true;
        SECPLAT_ASSIGN_OR_RETURN(int64_t after, NextDue());
        if (after < 0) return std::optional<Duration>();
        return std::optional<Duration>(Duration(std::max<int64_t>(0, after - now)));
      });
    }();
    if (moved) impl_.notifier().Notify();
    return r;
  }

  Status Trim() override {
    std::lock_guard lock(impl_.mu());
    const int64_t now = NowMs();
    return impl_.Write([&]() -> Status {
      SECPLAT_ASSIGN_OR_RETURN(
          auto q, impl_.Prepare("SELECT MIN(COALESCE((SELECT MIN(p.seq) FROM pending p WHERE "
                                "p.stream=g.stream AND p.grp=g.grp), g.last_seq + 1)) FROM "
                                "groups g WHERE g.stream=?"));
      q->Text(1, stream_);
      SECPLAT_ASSIGN_OR_RETURN(bool row, q->Step());
      if (row && !q->ColNull(0)) {
        int64_t min = q->ColInt(0);
        SECPLAT_ASSIGN_OR_RETURN(auto d,
                                 impl_.Prepare("DELETE FROM messages WHERE stream=? AND seq<?"));
        d->Text(1, stream_).Int(2, min);
        SECPLAT_RETURN_IF_ERROR(d->Run());
      }
      SECPLAT_ASSIGN_OR_RETURN(
          auto e, impl_.Prepare("DELETE FROM idempotency WHERE stream=? AND expires_ms<=?"));
      e->Text(1, stream_).Int(2, now);
      SECPLAT_RETURN_IF_ERROR(e->Run());
      SECPLAT_ASSIGN_OR_RETURN(auto c,
                               impl_.Prepare("DELETE FROM consumers WHERE stream=? AND seen_ms<?"));
      c->Text(1, stream_).Int(2, now - 3600 * 1000);
      return c->Run();
    });
  }

  void Close() override {
    std::lock_guard lock(impl_.mu());
    (void)impl_.Write([&]() -> Status {
      SECPLAT_ASSIGN_OR_RETURN(
          auto d, impl_.Prepare("DELETE FROM consumers WHERE stream=? AND grp=? AND consumer=?"));
      d->Text(1, stream_).Text(2, group_).Text(3, consumer_);
      return d->Run();
    });
  }

 private:
  // Caller holds mu(). -1 when nothing is delayed.
  Result<int64_t> NextDue() {
    SECPLAT_ASSIGN_OR_RETURN(auto q,
                             impl_.Prepare("SELECT MIN(due_ms) FROM delayed WHERE stream=?"));
    q->Text(1, stream_);
    SECPLAT_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row || q->ColNull(0)) return int64_t{-1};
    return q->ColInt(0);
  }

  Result<std::vector<Delivery>> TryFetch(int max) {
    std::lock_guard lock(impl_.mu());
    const int64_t now = NowMs();
    {
      SECPLAT_ASSIGN_OR_RETURN(
          auto q, impl_.Prepare("SELECT 1 FROM messages WHERE stream=?1 AND seq > (SELECT "
                                "last_seq FROM groups WHERE stream=?1 AND grp=?2) LIMIT 1"));
      q->Text(1, stream_).Text(2, group_);
      SECPLAT_ASSIGN_OR_RETURN(bool any, q->Step());
      if (!any) {
        if (now - seen_ms_ > 1000) {
          SECPLAT_RETURN_IF_ERROR(impl_.Write([&] { return Seen(now); }));
        }
        return std::vector<Delivery>{};
      }
    }
    return impl_.Write([&]() -> Result<std::vector<Delivery>> {
      std::vector<Delivery> out;
      SECPLAT_ASSIGN_OR_RETURN(
          auto q, impl_.Prepare(std::string("SELECT seq, target_group, ") + kMessageColumns +
                                " FROM messages WHERE stream=?1 AND seq > (SELECT last_seq "
                                "FROM groups WHERE stream=?1 AND grp=?2) ORDER BY seq LIMIT ?3"));
      q->Text(1, stream_).Text(2, group_).Int(3, max);
      int64_t last = 0;
      while (true) {
        SECPLAT_ASSIGN_OR_RETURN(bool row, q->Step());
        if (!row) break;
        Delivery d;
        last = q->ColInt(0);
        d.handle = std::to_string(last);
        d.target_group = q->ColText(1);
        d.message.stream = stream_;
        int64_t attempts = ReadMessage(*q, 2, &d.message, &d.decode_error);
        d.message.attempt = static_cast<int>(std::min<int64_t>(attempts + 1, 1 << 30));
        out.push_back(std::move(d));
      }
      if (out.empty()) return out;
      for (const Delivery& d : out) {
        SECPLAT_ASSIGN_OR_RETURN(
            auto ins, impl_.Prepare("INSERT OR REPLACE INTO pending(stream, grp, seq, consumer, "
                                    "visible_after_ms, deliveries, touched_ms) "
                                    "VALUES(?,?,?,?,?,1,?)"));
        ins->Text(1, stream_).Text(2, group_).Int(3, std::stoll(d.handle)).Text(4, consumer_);
        ins->Int(5, now + lease_.count()).Int(6, now);
        SECPLAT_RETURN_IF_ERROR(ins->Run());
      }
      SECPLAT_ASSIGN_OR_RETURN(
          auto u, impl_.Prepare("UPDATE groups SET last_seq=? WHERE stream=? AND grp=?"));
      u->Int(1, last).Text(2, stream_).Text(3, group_);
      SECPLAT_RETURN_IF_ERROR(u->Run());
      if (now - seen_ms_ > 1000) SECPLAT_RETURN_IF_ERROR(Seen(now));
      return out;
    });
  }

  // Records that this consumer is alive (for Stats). Caller holds mu() inside a transaction.
  Status Seen(int64_t now) {
    SECPLAT_ASSIGN_OR_RETURN(
        auto s,
        impl_.Prepare("INSERT INTO consumers(stream, grp, consumer, seen_ms) "
                      "VALUES(?,?,?,?) ON CONFLICT DO UPDATE SET seen_ms=excluded.seen_ms"));
    s->Text(1, stream_).Text(2, group_).Text(3, consumer_).Int(4, now);
    SECPLAT_RETURN_IF_ERROR(s->Run());
    seen_ms_ = now;
    return OkStatus();
  }

  EmbeddedQueue::Impl& impl_;
  std::string stream_;
  std::string group_;
  std::string consumer_;
  Duration lease_;
  int64_t seen_ms_ = 0;
  std::atomic<bool> interrupted_{false};
};

DeadLetter ReadDeadLetter(const Stmt& s) {
  // Columns: id, stream, grp, reason, last_error, dead_ms, then kMessageColumns.
  DeadLetter dl;
  dl.id = std::to_string(s.ColInt(0));
  dl.message.stream = s.ColText(1);
  dl.group = s.ColText(2);
  dl.reason = s.ColText(3);
  dl.last_error = s.ColText(4);
  dl.dead_at = FromUnixMillis(s.ColInt(5));
  dl.message.attempt = static_cast<int>(ReadMessage(s, 6, &dl.message, nullptr));
  return dl;
}

const std::string& DeadLetterSelect() {
  static const std::string sql =
      std::string("SELECT id, stream, grp, reason, last_error, dead_ms, ") + kMessageColumns +
      " FROM dead_letters";
  return sql;
}

}  // namespace

// ---- EmbeddedQueue ----------------------------------------------------------------------------

EmbeddedQueue::EmbeddedQueue(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EmbeddedQueue::~EmbeddedQueue() = default;

Result<std::unique_ptr<EmbeddedQueue>> EmbeddedQueue::Open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Unexpected(ErrorCode::kUnavailable, "cannot create '" + dir + "': " + ec.message());
  }
  std::string path = (std::filesystem::path(dir) / "queue.db").string();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Unexpected(ErrorCode::kUnavailable, "sqlite: open '" + path + "': " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  auto canonical = std::filesystem::weakly_canonical(path, ec);
  auto impl = std::make_unique<Impl>(db, NotifierFor(ec ? path : canonical.string()));
  // WAL: readers never block the writer; NORMAL: a commit is durable against a process crash.
  SECPLAT_RETURN_IF_ERROR(impl->Exec("PRAGMA journal_mode=WAL"));
  SECPLAT_RETURN_IF_ERROR(impl->Exec("PRAGMA synchronous=NORMAL"));
  SECPLAT_RETURN_IF_ERROR(impl->Write([&] { return impl->Exec(kSchema); }));
  return std::unique_ptr<EmbeddedQueue>(new EmbeddedQueue(std::move(impl)));
}

Result<std::vector<PublishResult>> EmbeddedQueue::PublishBatch(
    std::string_view stream, const std::vector<PublishRequest>& requests) {
  SECPLAT_RETURN_IF_ERROR(ValidateName("stream", stream));
  bool wake = false;
  auto result = [&]() -> Result<std::vector<PublishResult>> {
    std::lock_guard lock(impl_->mu());
    return impl_->Write([&]() -> Result<std::vector<PublishResult>> {
      const int64_t now = NowMs();
      std::vector<PublishResult> out(requests.size());
      int64_t published = 0;
      for (size_t i = 0; i < requests.size(); ++i) {
        const PublishRequest& req = requests[i];
        Message m;
        m.id = NewJobId();
        m.payload = req.payload;
        m.idempotency_key = req.options.idempotency_key;
        m.request_id = req.options.request_id;
        m.enqueued_at = FromUnixMillis(now);
        out[i].id = m.id;
        if (!m.idempotency_key.empty()) {
          int64_t ttl = std::max<int64_t>(1, req.options.idempotency_ttl.count());
          SECPLAT_ASSIGN_OR_RETURN(
              auto up, impl_->Prepare("INSERT INTO idempotency(stream, key, jid, expires_ms) "
                                      "VALUES(?1,?2,?3,?4) ON CONFLICT(stream, key) DO UPDATE "
                                      "SET jid=excluded.jid, expires_ms=excluded.expires_ms "
                                      "WHERE idempotency.expires_ms<=?5"));
          up->Text(1, stream).Text(2, m.idempotency_key).Text(3, m.id).Int(4, now + ttl);
          up->Int(5, now);
          SECPLAT_RETURN_IF_ERROR(up->Run());
          if (sqlite3_changes(impl_->db()) == 0) {
            SECPLAT_ASSIGN_OR_RETURN(
                auto q, impl_->Prepare("SELECT jid FROM idempotency WHERE stream=? AND key=?"));
            q->Text(1, stream).Text(2, m.idempotency_key);
            SECPLAT_ASSIGN_OR_RETURN(bool row, q->Step());
            out[i].id = row ? q->ColText(0) : std::string();
            out[i].duplicate = true;
            continue;
          }
        }
        int64_t due = 0;
        if (req.options.not_before.has_value() && ToUnixMillis(*req.options.not_before) > now) {
          due = ToUnixMillis(*req.options.not_before);
        }
        if (due != 0) {
          SECPLAT_ASSIGN_OR_RETURN(
              auto ins, impl_->Prepare(std::string("INSERT INTO delayed(stream, due_ms, "
                                                   "target_group, ") +
                                       kMessageColumns + ") VALUES(?,?,'',?,?,?,?,?,?,?)"));
          ins->Text(1, stream).Int(2, due);
          BindMessage(*ins, 3, m, 0, {});
          SECPLAT_RETURN_IF_ERROR(ins->Run());
        } else {
          SECPLAT_ASSIGN_OR_RETURN(auto ins,
                                   impl_->Prepare(std::string("INSERT INTO messages(stream, ") +
                                                  kMessageColumns + ") VALUES(?,?,?,?,?,?,?,?)"));
          ins->Text(1, stream);
          BindMessage(*ins, 2, m, 0, {});
          SECPLAT_RETURN_IF_ERROR(ins->Run());
          wake = true;
        }
        ++published;
      }
      SECPLAT_RETURN_IF_ERROR(impl_->AddCounter(stream, "published", published));
      return out;
    });
  }();
  if (result.has_value() && wake) impl_->notifier().Notify();
  return result;
}

Status EmbeddedQueue::Consume(std::string_view stream, std::string_view group,
                              const Handler& handler, const ConsumeOptions& options,
                              std::stop_token stop) {
  return ConsumeWith(stream, group, internal::AnyHandler{.sync = &handler}, options,
                     std::move(stop));
}

Status EmbeddedQueue::ConsumeAsync(std::string_view stream, std::string_view group,
                                   const AsyncHandler& handler, const ConsumeOptions& options,
                                   std::stop_token stop) {
  return ConsumeWith(stream, group, internal::AnyHandler{.async = &handler}, options,
                     std::move(stop));
}

Status EmbeddedQueue::ConsumeWith(std::string_view stream, std::string_view group,
                                  const internal::AnyHandler& handler,
                                  const ConsumeOptions& options, std::stop_token stop) {
  SECPLAT_RETURN_IF_ERROR(ValidateName("stream", stream));
  SECPLAT_RETURN_IF_ERROR(ValidateName("group", group));
  SECPLAT_RETURN_IF_ERROR(internal::ValidateConsumeOptions(options));
  ConsumeOptions opts = options;
  if (opts.consumer.empty()) opts.consumer = DefaultConsumerName();
  SECPLAT_RETURN_IF_ERROR(ValidateName("consumer", opts.consumer));
  EmbeddedSession session(*impl_, stream, group, opts.consumer, opts.lease);
  return internal::RunConsumer(session, group, handler, opts, std::move(stop));
}

Result<std::vector<DeadLetter>> EmbeddedQueue::ListDeadLetters(std::string_view stream,
                                                               std::string_view after, int limit) {
  SECPLAT_RETURN_IF_ERROR(ValidateName("stream", stream));
  int64_t cursor = 0;
  if (!after.empty() && !ParseId(after, &cursor)) {
    return Unexpected(ErrorCode::kInvalidArgument, "bad dead-letter cursor");
  }
  std::lock_guard lock(impl_->mu());
  SECPLAT_ASSIGN_OR_RETURN(
      auto q, impl_->Prepare(DeadLetterSelect() + " WHERE stream=? AND id>? ORDER BY id LIMIT ?"));
  q->Text(1, stream).Int(2, cursor).Int(3, std::clamp(limit, 1, 10000));
  std::vector<DeadLetter> out;
  while (true) {
    SECPLAT_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) break;
    out.push_back(ReadDeadLetter(*q));
  }
  return out;
}

Result<DeadLetter> EmbeddedQueue::GetDeadLetter(std::string_view stream, std::string_view id) {
  SECPLAT_RETURN_IF_ERROR(ValidateName("stream", stream));
  int64_t n = 0;
  if (!ParseId(id, &n)) return Unexpected(ErrorCode::kInvalidArgument, "bad dead-letter id");
  std::lock_guard lock(impl_->mu());
  SECPLAT_ASSIGN_OR_RETURN(auto q, impl_->Prepare(DeadLetterSelect() + " WHERE stream=? AND id=?"));
  q->Text(1, stream).Int(2, n);
  SECPLAT_ASSIGN_OR_RETURN(bool row, q->Step());
  if (!row) {
    return Unexpected(ErrorCode::kNotFound, "dead letter '" + std::string(id) + "' not found");
  }
  return ReadDeadLetter(*q);
}

Result<std::string> EmbeddedQueue::ReplayDeadLetter(std::string_view stream, std::string_view id) {
  SECPLAT_RETURN_IF_ERROR(ValidateName("stream", stream));
  int64_t n = 0;
  if (!ParseId(id, &n)) return Unexpected(ErrorCode::kInvalidArgument, "bad dead-letter id");
  auto r = [&]() -> Result<std::string> {
    std::lock_guard lock(impl_->mu());
    return impl_->Write([&]() -> Result<std::string> {
      SECPLAT_ASSIGN_OR_RETURN(auto q,
                               impl_->Prepare(DeadLetterSelect() + " WHERE stream=? AND id=?"));
      q->Text(1, stream).Int(2, n);
      SECPLAT_ASSIGN_OR_RETURN(bool row, q->Step());
      if (!row) {
        return Unexpected(ErrorCode::kNotFound, "dead letter '" + std::string(id) + "' not found");
      }
      DeadLetter dl = ReadDeadLetter(*q);
      SECPLAT_ASSIGN_OR_RETURN(
          auto ins, impl_->Prepare(std::string("INSERT INTO messages(stream, target_group, ") +
                                   kMessageColumns + ") VALUES(?,?,?,?,?,?,?,?,?)"));
      ins->Text(1, stream).Text(2, dl.group);
      BindMessage(*ins, 3, dl.message, 0, dl.message.errors);
      SECPLAT_RETURN_IF_ERROR(ins->Run());
      SECPLAT_ASSIGN_OR_RETURN(auto del,
                               impl_->Prepare("DELETE FROM dead_letters WHERE stream=? AND id=?"));
      del->Text(1, stream).Int(2, n);
      SECPLAT_RETURN_IF_ERROR(del->Run());
      return dl.message.id;
    });
  }();
  if (r.has_value()) impl_->notifier().Notify();
  return r;
}

Result<int64_t> EmbeddedQueue::PurgeDeadLetters(std::string_view stream,
                                                std::optional<std::string_view> id) {
  SECPLAT_RETURN_IF_ERROR(ValidateName("stream", stream));
  int64_t n = 0;
  if (id.has_value() && !ParseId(*id, &n)) {
    return Unexpected(ErrorCode::kInvalidArgument, "bad dead-letter id");
  }
  std::lock_guard lock(impl_->mu());
  return impl_->Write([&]() -> Result<int64_t> {
    SECPLAT_ASSIGN_OR_RETURN(
        auto d, impl_->Prepare(id.has_value() ? "DELETE FROM dead_letters WHERE stream=? AND id=?"
                                              : "DELETE FROM dead_letters WHERE stream=?"));
    d->Text(1, stream);
    if (id.has_value()) d->Int(2, n);
    SECPLAT_RETURN_IF_ERROR(d->Run());
    return static_cast<int64_t>(sqlite3_changes(impl_->db()));
  });
}

Result<StreamStats> EmbeddedQueue::Stats(std::string_view stream, std::string_view group) {
  SECPLAT_RETURN_IF_ERROR(ValidateName("stream", stream));
  SECPLAT_RETURN_IF_ERROR(ValidateName("group", group));
  std::lock_guard lock(impl_->mu());
  const int64_t now = NowMs();
  StreamStats s;
  auto scalar = [&](const std::string& sql, bool with_group,
                    std::optional<int64_t> third = std::nullopt) -> Result<int64_t> {
    SECPLAT_ASSIGN_OR_RETURN(auto q, impl_->Prepare(sql));
    q->Text(1, stream);
    if (with_group) q->Text(2, group);
    if (third.has_value()) q->Int(3, *third);
    SECPLAT_ASSIGN_OR_RETURN(bool row, q->Step());
    return row && !q->ColNull(0) ? q->ColInt(0) : int64_t{0};
  };
  SECPLAT_ASSIGN_OR_RETURN(s.length,
                           scalar("SELECT COUNT(*) FROM messages WHERE stream=?1", false));
  SECPLAT_ASSIGN_OR_RETURN(s.pending,
                           scalar("SELECT COUNT(*) FROM pending WHERE stream=?1 AND grp=?2", true));
  SECPLAT_ASSIGN_OR_RETURN(s.consumers,
                           scalar("SELECT COUNT(*) FROM consumers WHERE stream=?1 AND grp=?2 AND "
                                  "seen_ms>?3",
                                  true, now - 60000));
  SECPLAT_ASSIGN_OR_RETURN(
      s.lag, scalar("SELECT COUNT(*) FROM messages WHERE stream=?1 AND seq > COALESCE((SELECT "
                    "last_seq FROM groups WHERE stream=?1 AND grp=?2), 0)",
                    true));
  SECPLAT_ASSIGN_OR_RETURN(s.delayed,
                           scalar("SELECT COUNT(*) FROM delayed WHERE stream=?1", false));
  SECPLAT_ASSIGN_OR_RETURN(s.dead_letters,
                           scalar("SELECT COUNT(*) FROM dead_letters WHERE stream=?1", false));
  SECPLAT_ASSIGN_OR_RETURN(
      int64_t touched, scalar("SELECT touched_ms FROM pending WHERE stream=?1 AND grp=?2 ORDER BY "
                              "seq LIMIT 1",
                              true));
  if (s.pending > 0) s.oldest_pending_idle = Duration(std::max<int64_t>(0, now - touched));
  SECPLAT_ASSIGN_OR_RETURN(
      auto q, impl_->Prepare("SELECT published, acked, retried, dead_lettered FROM counters "
                             "WHERE stream=?"));
  q->Text(1, stream);
  SECPLAT_ASSIGN_OR_RETURN(bool row, q->Step());
  if (row) {
    s.published = q->ColInt(0);
    s.acked = q->ColInt(1);
    s.retried = q->ColInt(2);
    s.dead_lettered = q->ColInt(3);
  }
  return s;
}

}  // namespace secplat::jobqueue
