#include "jobqueue/redis_streams_queue.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <mutex>

#include "jobqueue/internal/codec.h"
#include "jobqueue/internal/consumer_runtime.h"

namespace secplat::jobqueue {
namespace {

using adapters::redis::Args;
using adapters::redis::Connection;
using adapters::redis::Reply;
using internal::Completion;
using internal::Delivery;

// ---- Lua scripts ------------------------------------------------------------------------------
// Each runs atomically inside Redis. Times come from the server's clock (TIME) except
// not_before, which is the publisher's absolute time.

constexpr const char* kLuaDecode = R"lua(
local function decode(m)
  local out, pos = {}, 1
  while pos <= #m do
    local colon = string.find(m, ':', pos, true)
    if not colon then return nil end
    local len = tonumber(string.sub(m, pos, colon - 1))
    if not len then return nil end
    table.insert(out, string.sub(m, colon + 1, colon + len))
    pos = colon + len + 1
  end
  return out
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function owned(stream, group, consumer, id)
  local p = redis.call('XPENDING', stream, group, id, id, 1)
  return #p > 0 and p[1][2] == consumer
end
)lua";

// KEYS: stream, delayed, idempotency key, counters.
// ARGV: job id, ttl ms ('0': no key), due ms ('0': now), delayed member, fields...
constexpr const char* kLuaPublish = R"lua(
if ARGV[2] ~= '0' then
  if not redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return {redis.call('GET', KEYS[3]) or '', 1}
  end
end
if ARGV[3] ~= '0' then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
else
  redis.call('XADD', KEYS[1], '*', unpack(ARGV, 5))
end
redis.call('HINCRBY', KEYS[4], 'published', 1)
return {ARGV[1], 0}
)lua";

// KEYS: delayed, stream. ARGV: limit. Returns {moved, ms until the next due entry or -1}.
constexpr const char* kLuaPromote = R"lua(
local now = now_ms()
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, m in ipairs(due) do
  local f = decode(m)
  if f and #f >= 2 and #f % 2 == 0 then
    redis.call('XADD', KEYS[2], '*', unpack(f))
  else
    redis.call('XADD', KEYS[2], '*', 'bad', m)
  end
  redis.call('ZREM', KEYS[1], m)
end
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #nxt == 0 then return {#due, -1} end
return {#due, math.max(0, tonumber(nxt[2]) - now)}
)lua";

// KEYS: stream, delayed, counters. ARGV: group, consumer, id, delay ms, delayed member.
constexpr const char* kLuaRetry = R"lua(
if not owned(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 0 end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[2], now_ms() + tonumber(ARGV[4]), ARGV[5])
redis.call('HINCRBY', KEYS[3], 'retried', 1)
return 1
)lua";

// KEYS: stream, dlq, counters. ARGV: group, consumer, id, dlq fields...
constexpr const char* kLuaDeadLetter = R"lua(
if not owned(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 0 end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 4))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('HINCRBY', KEYS[3], 'dead_lettered', 1)
return 1
)lua";

// KEYS: stream. ARGV: group, consumer, id, fields... (the copy goes to the tail)
constexpr const char* kLuaRelease = R"lua(
if not owned(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 0 end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XADD', KEYS[1], '*', unpack(ARGV, 4))
return 1
)lua";

// KEYS: stream. ARGV: group, consumer, min idle ms, count.
// Takes over entries of OTHER consumers idle longer than the lease: XPENDING's IDLE filter
// finds them with their owners (XAUTOCLAIM cannot skip the caller's own entries, and taking
// those back would count a delivery for a message the caller is still running), then XCLAIM
// in its full form (not JUSTID) re-checks the idle time and counts the delivery.
// Returns {{id, fields, deliveries}...}.
constexpr const char* kLuaReclaim = R"lua(
local want = tonumber(ARGV[4])
local p = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', tonumber(ARGV[3]), '-', '+', want * 4)
local ids, counts = {}, {}
for _, e in ipairs(p) do
  if e[2] ~= ARGV[2] and #ids < want then
    table.insert(ids, e[1])
    counts[e[1]] = e[4]
  end
end
if #ids == 0 then return {} end
local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], unpack(ids))
local out = {}
for _, e in ipairs(claimed) do
  if e and e[2] then table.insert(out, {e[1], e[2], counts[e[1]] + 1}) end
end
return out
)lua";

// KEYS: stream. ARGV: group, consumer, ids... Returns the ids no longer owned.
constexpr const char* kLuaRenew = R"lua(
local claim, lost = {KEYS[1], ARGV[1], ARGV[2], '0'}, {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #p > 0 then table.insert(claim, ARGV[i]) else table.insert(lost, ARGV[i]) end
end
if #claim > 4 then
  table.insert(claim, 'JUSTID')
  redis.call('XCLAIM', unpack(claim))
end
return lost
)lua";

// KEYS: stream. ARGV: idle ms after which a consumer holding nothing is forgotten.
constexpr const char* kLuaTrim = R"lua(
local function split(id)
  local d = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, d - 1)), tonumber(string.sub(id, d + 1))
end
local function less(a, b)
  local a1, a2 = split(a)
  local b1, b2 = split(b)
  return a1 < b1 or (a1 == b1 and a2 < b2)
end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
if #groups == 0 then return 0 end
local min = nil
for _, g in ipairs(groups) do
  local info = {}
  for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
  local cand = info['last-delivered-id']
  if info['pending'] > 0 then
    local s = redis.call('XPENDING', KEYS[1], info['name'])
    if s[2] and less(s[2], cand) then cand = s[2] end
  end
  if min == nil or less(cand, min) then min = cand end
  local consumers = redis.call('XINFO', 'CONSUMERS', KEYS[1], info['name'])
  for _, c in ipairs(consumers) do
    local ci = {}
    for i = 1, #c, 2 do ci[c[i]] = c[i + 1] end
    if ci['pending'] == 0 and ci['idle'] > tonumber(ARGV[1]) then
      redis.call('XGROUP', 'DELCONSUMER', KEYS[1], info['name'], ci['name'])
    end
  end
end
return redis.call('XTRIM', KEYS[1], 'MINID', '~', min)
)lua";

// KEYS: dlq, stream, counters. ARGV: dlq id, fields... Returns 1, or 0 when the id is gone.
constexpr const char* kLuaReplay = R"lua(
if redis.call('XDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
return 1
)lua";

// KEYS: stream. ARGV: last delivered id. Counts entries after it (capped), for Stats when
// XINFO cannot report the lag.
constexpr const char* kLuaLag = R"lua(
return #redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', 100000)
)lua";

enum ScriptId {
  kPublishScript,
  kPromoteScript,
  kRetryScript,
  kDeadLetterScript,
  kReleaseScript,
  kReclaimScript,
  kRenewScript,
  kTrimScript,
  kReplayScript,
  kLagScript,
  kScriptCount
};

std::string ScriptSource(ScriptId id) {
  const char* body = "";
  switch (id) {
    case kPublishScript:
      body = kLuaPublish;
      break;
    case kPromoteScript:
      body = kLuaPromote;
      break;
    case kRetryScript:
      body = kLuaRetry;
      break;
    case kDeadLetterScript:
      body = kLuaDeadLetter;
      break;
    case kReleaseScript:
      body = kLuaRelease;
      break;
    case kReclaimScript:
      body = kLuaReclaim;
      break;
    case kRenewScript:
      body = kLuaRenew;
      break;
    case kTrimScript:
      body = kLuaTrim;
      break;
    case kReplayScript:
      body = kLuaReplay;
      break;
    case kLagScript:
      body = kLuaLag;
      break;
    case kScriptCount:
      break;
  }
  return std::string(kLuaDecode) + body;
}

// SHA1s of the scripts, learnt from the first SCRIPT LOAD (they never change afterwards).
class Scripts {
 public:
  Status EnsureLoaded(Connection& conn) {
    if (loaded_.load(std::memory_order_acquire)) return OkStatus();
    return Load(conn);
  }
  // Loads every script on the server behind `conn` (after NOSCRIPT: the server restarted).
  Status Load(Connection& conn) {
    std::lock_guard lock(mu_);
    std::vector<std::string> sources;
    std::vector<Args> cmds;
    for (int i = 0; i < kScriptCount; ++i) sources.push_back(ScriptSource(ScriptId(i)));
    for (const std::string& s : sources) cmds.push_back({"SCRIPT", "LOAD", s});
    SECPLAT_ASSIGN_OR_RETURN(std::vector<Reply> replies, conn.Pipeline(cmds));
    for (int i = 0; i < kScriptCount; ++i) {
      if (replies[i].is_error()) {
        return Unexpected(ErrorCode::kInternal,
                          "redis: SCRIPT LOAD failed: " + std::string(replies[i].str()));
      }
      sha_[i] = std::string(replies[i].str());
    }
    loaded_.store(true, std::memory_order_release);
    return OkStatus();
  }
  std::string_view sha(ScriptId id) const { return sha_[id]; }

 private:
  std::mutex mu_;
  std::atomic<bool> loaded_{false};
  std::array<std::string, kScriptCount> sha_;
};

bool IsNoScript(const Reply& r) { return r.is_error() && r.str().starts_with("NOSCRIPT"); }

// Runs a pipeline; commands answered NOSCRIPT (they did nothing) are run again once after
// reloading the scripts. Only transport failures fail the call.
Result<std::vector<Reply>> RunPipeline(Connection& conn, Scripts& scripts,
                                       const std::vector<Args>& cmds) {
  SECPLAT_RETURN_IF_ERROR(scripts.EnsureLoaded(conn));
  SECPLAT_ASSIGN_OR_RETURN(std::vector<Reply> replies, conn.Pipeline(cmds));
  std::vector<size_t> again;
  for (size_t i = 0; i < replies.size(); ++i) {
    if (IsNoScript(replies[i])) again.push_back(i);
  }
  if (again.empty()) return replies;
  SECPLAT_RETURN_IF_ERROR(scripts.Load(conn));
  std::vector<Args> retry;
  for (size_t i : again) retry.push_back(cmds[i]);
  SECPLAT_ASSIGN_OR_RETURN(std::vector<Reply> second, conn.Pipeline(retry));
  for (size_t k = 0; k < again.size(); ++k) replies[again[k]] = second[k];
  return replies;
}

Result<Reply> RunOne(Connection& conn, Scripts& scripts, const Args& cmd) {
  SECPLAT_ASSIGN_OR_RETURN(std::vector<Reply> replies, RunPipeline(conn, scripts, {cmd}));
  if (replies[0].is_error()) {
    std::string msg(replies[0].str());
    bool transient = msg.starts_with("LOADING") || msg.starts_with("BUSY") ||
                     msg.starts_with("MASTERDOWN") || msg.starts_with("TRYAGAIN");
    return Unexpected(transient ? ErrorCode::kUnavailable : ErrorCode::kInternal, "redis: " + msg);
  }
  return replies[0];
}

// ---- encoding ---------------------------------------------------------------------------------

int64_t NowMs() {
  return ToUnixMillis(std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()));
}

// Field/value pairs of a stream entry. `attempts` = attempts already made.
std::vector<std::string> EntryFields(const Message& m, int attempts,
                                     const std::vector<std::string>& errors,
                                     std::string_view target_group) {
  std::vector<std::string> f;
  f.reserve(16);
  auto add = [&](const char* k, std::string v) {
    f.emplace_back(k);
    f.push_back(std::move(v));
  };
  add("j", m.id);
  add("p", m.payload);
  add("t", std::to_string(ToUnixMillis(m.enqueued_at)));
  if (!m.idempotency_key.empty()) add("k", m.idempotency_key);
  if (!m.request_id.empty()) add("r", m.request_id);
  if (attempts > 0) add("a", std::to_string(attempts));
  if (!errors.empty()) add("e", internal::EncodeList(errors));
  if (!target_group.empty()) add("g", std::string(target_group));
  return f;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Decodes a stream entry ([id, [field, value, ...]]) delivered `deliveries` times.
Delivery ParseEntry(std::string_view stream, const Reply& entry, int64_t deliveries) {
  Delivery d;
  d.message.stream = std::string(stream);
  if (!entry.is_array() || entry.size() < 2) {
    d.decode_error = "unreadable stream entry";
    return d;
  }
  d.handle = std::string(entry[0].str());
  Reply fields = entry[1];
  bool has_payload = false;
  int64_t attempts = 0;
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    std::string_view k = fields[i].str();
    std::string_view v = fields[i + 1].str();
    if (k == "j") {
      d.message.id = std::string(v);
    } else if (k == "p") {
      d.message.payload = std::string(v);
      has_payload = true;
    } else if (k == "k") {
      d.message.idempotency_key = std::string(v);
    } else if (k == "r") {
      d.message.request_id = std::string(v);
    } else if (k == "t") {
      int64_t ms = 0;
      if (ParseInt64(v, &ms)) d.message.enqueued_at = FromUnixMillis(ms);
    } else if (k == "a") {
      if (!ParseInt64(v, &attempts) || attempts < 0 || attempts > 1000000) {
        d.decode_error = "bad attempts field";
      }
    } else if (k == "e") {
      auto errors = internal::DecodeList(v);
      if (errors.has_value()) {
        d.message.errors = std::move(*errors);
      } else {
        d.decode_error = "bad error history field";
      }
    } else if (k == "g") {
      d.target_group = std::string(v);
    } else if (k == "bad") {
      d.decode_error = "undecodable delayed entry";
    }
  }
  if (d.message.id.empty()) d.message.id = d.handle;  // written by someone else
  if (!has_payload && d.decode_error.empty()) d.decode_error = "entry has no payload field p";
  deliveries = std::max<int64_t>(1, deliveries);
  for (int64_t k = 1; k < deliveries; ++k) {
    d.message.errors.push_back("lease expired (consumer stopped renewing)");
  }
  d.message.attempt = static_cast<int>(std::min<int64_t>(attempts + deliveries, 1 << 30));
  return d;
}

std::string_view FieldOf(const Reply& fields, std::string_view name) {
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    if (fields[i].str() == name) return fields[i + 1].str();
  }
  return {};
}

DeadLetter ParseDeadLetter(std::string_view stream, const Reply& entry) {
  DeadLetter dl;
  Delivery d = ParseEntry(stream, entry, 1);
  dl.id = d.handle;
  dl.message = std::move(d.message);
  Reply fields = entry[1];
  int64_t attempts = 0;
  (void)ParseInt64(FieldOf(fields, "a"), &attempts);
  dl.message.attempt = static_cast<int>(attempts);
  std::string_view s = FieldOf(fields, "s");
  if (!s.empty()) dl.message.stream = std::string(s);
  dl.group = std::string(FieldOf(fields, "g"));
  dl.reason = std::string(FieldOf(fields, "reason"));
  dl.last_error = std::string(FieldOf(fields, "le"));
  int64_t dt = 0;
  if (ParseInt64(FieldOf(fields, "dt"), &dt)) dl.dead_at = FromUnixMillis(dt);
  return dl;
}

bool IsStreamId(std::string_view id) {
  size_t dash = id.find('-');
  auto digits = [](std::string_view s) {
    return !s.empty() && s.size() <= 20 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (dash == std::string_view::npos) return digits(id);
  return digits(id.substr(0, dash)) && digits(id.substr(dash + 1));
}

Args ToArgs(const std::vector<std::string>& v) { return Args(v.begin(), v.end()); }

struct Keys {
  explicit Keys(std::string_view name)
      : stream(name),
        dlq(DeadLetterStream(name)),
        delayed(std::string(name) + ".delayed"),
        counters(std::string(name) + ".counters") {}
  std::string stream, dlq, delayed, counters;
  std::string Idempotency(std::string_view key) const {
    return stream + ".idem:" + std::string(key);
  }
};

}  // namespace

// ---- Impl: connection pool + scripts ----------------------------------------------------------

class RedisStreamsQueue::Impl {
 public:
  explicit Impl(RedisOptions options) : options_(std::move(options)) {}

  // A pooled connection, returned on destruction.
  class Lease {
   public:
    Lease(Impl* impl, std::unique_ptr<Connection> conn) : impl_(impl), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (conn_) impl_->Return(std::move(conn_));
    }
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    Impl* impl_;
    std::unique_ptr<Connection> conn_;
  };

  Result<Lease> Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(c));
      }
    }
    SECPLAT_ASSIGN_OR_RETURN(auto c, Connection::Create(options_));
    return Lease(this, std::move(c));
  }

  void Return(std::unique_ptr<Connection> c) {
    std::lock_guard lock(mu_);
    if (idle_.size() < 16) idle_.push_back(std::move(c));
  }

  Result<std::unique_ptr<Connection>> NewConnection(Duration io_timeout) {
    RedisOptions o = options_;
    o.io_timeout = std::max(o.io_timeout, io_timeout);
    return Connection::Create(o);
  }

  Scripts& scripts() { return scripts_; }
  const RedisOptions& options() const { return options_; }

 private:
  RedisOptions options_;
  Scripts scripts_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

namespace {

// ---- the consumer session ---------------------------------------------------------------------

class RedisSession final : public internal::Session {
 public:
  RedisSession(RedisStreamsQueue::Impl& impl, std::unique_ptr<Connection> fetch,
               std::unique_ptr<Connection> maint, std::string_view stream, std::string_view group,
               std::string consumer, Duration lease)
      : impl_(impl),
        fetch_(std::move(fetch)),
        maint_(std::move(maint)),
        keys_(stream),
        group_(group),
        consumer_(std::move(consumer)),
        lease_(lease) {}

  Status Prepare() override {
    std::lock_guard lock(maint_mu_);
    return CreateGroup(*maint_);
  }

  Result<std::vector<Delivery>> Fetch(int max, Duration block) override {
    std::string count = std::to_string(max);
    std::string block_ms = std::to_string(std::max<int64_t>(1, block.count()));
    auto r = fetch_->Command({"XREADGROUP", "GROUP", group_, consumer_, "COUNT", count, "BLOCK",
                              block_ms, "STREAMS", keys_.stream, ">"});
    if (!r.has_value()) {
      if (r.error().message.starts_with("NOGROUP")) {
        // The server lost the group (restart without persistence): create it again.
        SECPLAT_RETURN_IF_ERROR(CreateGroup(*fetch_));
        return std::vector<Delivery>{};
      }
      return Unexpected(r.error());
    }
    std::vector<Delivery> out;
    if (r->is_nil() || r->size() == 0 || (*r)[0].size() < 2) return out;
    Reply entries = (*r)[0][1];
    out.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      out.push_back(ParseEntry(keys_.stream, entries[i], 1));
    }
    return out;
  }

  void InterruptFetch() override { fetch_->Interrupt(); }

  Status Complete(const std::vector<Completion>& batch) override {
    std::lock_guard lock(maint_mu_);
    SECPLAT_RETURN_IF_ERROR(impl_.scripts().EnsureLoaded(*maint_));
    std::vector<std::vector<std::string>> owned;  // keeps argument strings alive
    std::vector<Args> cmds;
    std::vector<std::string> acks = {"XACK", keys_.stream, group_};
    int64_t acked = 0;
    for (const Completion& c : batch) {
      const Delivery& d = c.delivery;
      if (d.handle.empty()) continue;
      switch (c.kind) {
        case Completion::Kind::kAck:
          ++acked;
          acks.push_back(d.handle);
          break;
        case Completion::Kind::kSkip:
          acks.push_back(d.handle);
          break;
        case Completion::Kind::kRetry: {
          std::vector<std::string> fields =
              EntryFields(d.message, d.message.attempt, internal::HistoryWith(c), group_);
          std::string member = internal::EncodeList(fields);
          owned.push_back({"EVALSHA", std::string(impl_.scripts().sha(kRetryScript)), "3",
                           keys_.stream, keys_.delayed, keys_.counters, group_, consumer_, d.handle,
                           std::to_string(c.delay.count()), std::move(member)});
          break;
        }
        case Completion::Kind::kDeadLetter: {
          std::vector<std::string> a = {
              "EVALSHA", std::string(impl_.scripts().sha(kDeadLetterScript)),
              "3",       keys_.stream,
              keys_.dlq, keys_.counters,
              group_,    consumer_,
              d.handle};
          for (std::string& f :
               EntryFields(d.message, d.message.attempt, internal::HistoryWith(c), group_)) {
            a.push_back(std::move(f));
          }
          for (std::string f : {std::string("s"), d.message.stream, std::string("reason"), c.reason,
                                std::string("le"), c.error, std::string("dt"),
                                std::to_string(ToUnixMillis(c.at)), std::string("oid"), d.handle}) {
            a.push_back(std::move(f));
          }
          owned.push_back(std::move(a));
          break;
        }
        case Completion::Kind::kRelease: {
          std::vector<std::string> a = {"EVALSHA", std::string(impl_.scripts().sha(kReleaseScript)),
                                        "1",       keys_.stream,
                                        group_,    consumer_,
                                        d.handle};
          for (std::string& f :
               EntryFields(d.message, d.message.attempt - 1, d.message.errors, group_)) {
            a.push_back(std::move(f));
          }
          owned.push_back(std::move(a));
          break;
        }
      }
    }
    std::string acked_str = std::to_string(acked);
    if (acks.size() > 3) cmds.push_back(ToArgs(acks));
    if (acked > 0) cmds.push_back({"HINCRBY", keys_.counters, "acked", acked_str});
    for (const auto& a : owned) cmds.push_back(ToArgs(a));
    if (cmds.empty()) return OkStatus();
    SECPLAT_ASSIGN_OR_RETURN(std::vector<Reply> replies,
                             RunPipeline(*maint_, impl_.scripts(), cmds));
    for (const Reply& r : replies) {
      if (r.is_error()) return GroupAwareError(r.str());
    }
    return OkStatus();
  }

  Result<std::vector<std::string>> Renew(const std::vector<std::string>& handles) override {
    std::lock_guard lock(maint_mu_);
    SECPLAT_RETURN_IF_ERROR(impl_.scripts().EnsureLoaded(*maint_));
    std::vector<std::vector<std::string>> owned;
    constexpr size_t kChunk = 500;
    for (size_t i = 0; i < handles.size(); i += kChunk) {
      std::vector<std::string> a = {"EVALSHA", std::string(impl_.scripts().sha(kRenewScript)),
                                    "1",       keys_.stream,
                                    group_,    consumer_};
      for (size_t k = i; k < std::min(handles.size(), i + kChunk); ++k) a.push_back(handles[k]);
      owned.push_back(std::move(a));
    }
    std::vector<Args> cmds;
    for (const auto& a : owned) cmds.push_back(ToArgs(a));
    SECPLAT_ASSIGN_OR_RETURN(std::vector<Reply> replies,
                             RunPipeline(*maint_, impl_.scripts(), cmds));
    std::vector<std::string> lost;
    for (const Reply& r : replies) {
      if (r.is_error()) return GroupAwareError(r.str());
      for (size_t i = 0; i < r.size(); ++i) lost.emplace_back(r[i].str());
    }
    return lost;
  }

  Result<std::vector<Delivery>> Reclaim(int max) override {
    std::lock_guard lock(maint_mu_);
    SECPLAT_RETURN_IF_ERROR(impl_.scripts().EnsureLoaded(*maint_));
    std::string sha(impl_.scripts().sha(kReclaimScript));
    std::string idle = std::to_string(lease_.count());
    std::string count = std::to_string(std::max(1, max));
    auto r = RunOne(*maint_, impl_.scripts(),
                    {"EVALSHA", sha, "1", keys_.stream, group_, consumer_, idle, count});
    if (!r.has_value()) return GroupAwareError(r.error().message);
    std::vector<Delivery> out;
    for (size_t i = 0; i < r->size(); ++i) {
      Reply e = (*r)[i];
      if (e.size() < 3) continue;
      out.push_back(ParseEntry(keys_.stream, e, e[2].integer()));
    }
    return out;
  }

  Result<std::optional<Duration>> PromoteDue() override {
    std::lock_guard lock(maint_mu_);
    SECPLAT_RETURN_IF_ERROR(impl_.scripts().EnsureLoaded(*maint_));
    std::string sha(impl_.scripts().sha(kPromoteScript));
    SECPLAT_ASSIGN_OR_RETURN(Reply r,
                             RunOne(*maint_, impl_.scripts(),
                                    {"EVALSHA", sha, "2", keys_.delayed, keys_.stream, "1000"}));
    if (r.size() < 2 || r[1].integer() < 0) return std::optional<Duration>();
    return std::optional<Duration>(Duration(r[1].integer()));
  }

  Status Trim() override {
    std::lock_guard lock(maint_mu_);
    SECPLAT_RETURN_IF_ERROR(impl_.scripts().EnsureLoaded(*maint_));
    std::string sha(impl_.scripts().sha(kTrimScript));
    auto r = RunOne(*maint_, impl_.scripts(), {"EVALSHA", sha, "1", keys_.stream, "3600000"});
    if (!r.has_value()) return GroupAwareError(r.error().message);
    return OkStatus();
  }

  void Close() override {
    std::lock_guard lock(maint_mu_);
    auto pending = maint_->Command({"XPENDING", keys_.stream, group_, "-", "+", "1", consumer_});
    if (pending.has_value() && pending->size() == 0) {
      (void)maint_->Command({"XGROUP", "DELCONSUMER", keys_.stream, group_, consumer_});
    }
  }

 private:
  Status CreateGroup(Connection& conn) {
    auto r = conn.Command({"XGROUP", "CREATE", keys_.stream, group_, "0", "MKSTREAM"});
    if (!r.has_value() && !r.error().message.starts_with("BUSYGROUP")) {
      return Unexpected(r.error());
    }
    return OkStatus();
  }

  // Errors from scripts or commands; a lost group is re-created so the next attempt works.
  Unexpected GroupAwareError(std::string_view message) {
    if (message.find("NOGROUP") != std::string_view::npos) (void)CreateGroup(*maint_);
    return Unexpected(ErrorCode::kUnavailable, "redis: " + std::string(message));
  }

  RedisStreamsQueue::Impl& impl_;
  std::unique_ptr<Connection> fetch_;
  std::mutex maint_mu_;
  std::unique_ptr<Connection> maint_;
  Keys keys_;
  std::string group_;
  std::string consumer_;
  Duration lease_;
};

}  // namespace

// ---- RedisStreamsQueue ------------------------------------------------------------------------

RedisStreamsQueue::RedisStreamsQueue(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RedisStreamsQueue::~RedisStreamsQueue() = default;

Result<std::unique_ptr<RedisStreamsQueue>> RedisStreamsQueue::Connect(const RedisOptions& options) {
  SECPLAT_ASSIGN_OR_RETURN(auto conn, Connection::Create(options));
  auto impl = std::make_unique<Impl>(options);
  auto ping = conn->Command({"PING"});
  if (!ping.has_value() && ping.error().code == ErrorCode::kUnauthenticated) {
    return Unexpected(ping.error());
  }
  if (ping.has_value()) {
    SECPLAT_RETURN_IF_ERROR(impl->scripts().Load(*conn));
    impl->Return(std::move(conn));
  }
  return std::unique_ptr<RedisStreamsQueue>(new RedisStreamsQueue(std::move(impl)));
}

Result<std::vector<PublishResult>> RedisStreamsQueue::PublishBatch(
    std::string_view stream, const std::vector<PublishRequest>& requests) {
  SECPLAT_RETURN_IF_ERROR(ValidateName("stream", stream));
  Keys keys(stream);
  SECPLAT_ASSIGN_OR_RETURN(Impl::Lease conn, impl_->Acquire());
  SECPLAT_RETURN_IF_ERROR(impl_->scripts().EnsureLoaded(*conn));
  const int64_t now = NowMs();
  std::vector<PublishResult> results(requests.size());
  std::vector<std::vector<std::string>> owned;
  owned.reserve(requests.size() + 1);
  int64_t fast = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const PublishRequest& req = requests[i];
    Message m;
    m.id = NewJobId();
    m.payload = req.payload;
    m.idempotency_key = req.options.idempotency_key;
    m.request_id = req.options.request_id;
    m.enqueued_at = FromUnixMillis(now);
    results[i].id = m.id;
    std::vector<std::string> fields = EntryFields(m, 0, {}, {});
    int64_t due = 0;
    if (req.options.not_before.has_value() && ToUnixMillis(*req.options.not_before) > now) {
      due = ToUnixMillis(*req.options.not_before);
    }
    bool idem = !m.idempotency_key.empty();
    if (!idem && due == 0) {
      std::vector<std::string> a = {"XADD", keys.stream, "*"};
      for (std::string& f : fields) a.push_back(std::move(f));
      owned.push_back(std::move(a));
      ++fast;
      continue;
    }
    int64_t ttl = idem ? std::max<int64_t>(1, req.options.idempotency_ttl.count()) : 0;
    std::vector<std::string> a = {"EVALSHA",
                                  std::string(impl_->scripts().sha(kPublishScript)),
                                  "4",
                                  keys.stream,
                                  keys.delayed,
                                  idem ? keys.Idempotency(m.idempotency_key) : keys.stream,
                                  keys.counters,
                                  m.id,
                                  std::to_string(ttl),
                                  std::to_string(due),
                                  due != 0 ? internal::EncodeList(fields) : std::string()};
    if (due == 0) {
      for (std::string& f : fields) a.push_back(std::move(f));
    }
    owned.push_back(std::move(a));
  }
  std::string fast_str = std::to_string(fast);
  std::vector<Args> cmds;
  cmds.reserve(owned.size() + 1);
  for (const auto& a : owned) cmds.push_back(ToArgs(a));
  if (fast > 0) cmds.push_back({"HINCRBY", keys.counters, "published", fast_str});
  SECPLAT_ASSIGN_OR_RETURN(std::vector<Reply> replies, RunPipeline(*conn, impl_->scripts(), cmds));
  for (size_t i = 0; i < requests.size(); ++i) {
    const Reply& r = replies[i];
    if (r.is_error()) {
      return Unexpected(ErrorCode::kUnavailable, "redis: publish: " + std::string(r.str()));
    }
    if (owned[i][0] == "EVALSHA" && r.size() == 2) {
      results[i].id = std::string(r[0].str());
      results[i].duplicate = r[1].integer() == 1;
    }
  }
  return results;
}

Status RedisStreamsQueue::Consume(std::string_view stream, std::string_view group,
                                  const Handler& handler, const ConsumeOptions& options,
                                  std::stop_token stop) {
  return ConsumeWith(stream, group, internal::AnyHandler{.sync = &handler}, options,
                     std::move(stop));
}

Status RedisStreamsQueue::ConsumeAsync(std::string_view stream, std::string_view group,
                                       const AsyncHandler& handler, const ConsumeOptions& options,
                                       std::stop_token stop) {
  return ConsumeWith(stream, group, internal::AnyHandler{.async = &handler}, options,
                     std::move(stop));
}

Status RedisStreamsQueue::ConsumeWith(std::string_view stream, std::string_view group,
                                      const internal::AnyHandler& handler,
                                      const ConsumeOptions& options, std::stop_token stop) {
  SECPLAT_RETURN_IF_ERROR(ValidateName("stream", stream));
  SECPLAT_RETURN_IF_ERROR(ValidateName("group", group));
  SECPLAT_RETURN_IF_ERROR(internal::ValidateConsumeOptions(options));
  ConsumeOptions opts = options;
  if (opts.consumer.empty()) opts.consumer = DefaultConsumerName();
  SECPLAT_RETURN_IF_ERROR(ValidateName("consumer", opts.consumer));
  // The blocking reader's socket timeout must exceed BLOCK, or every idle read would fail.
  SECPLAT_ASSIGN_OR_RETURN(auto fetch, impl_->NewConnection(opts.block + std::chrono::seconds(2)));
  SECPLAT_ASSIGN_OR_RETURN(auto maint, impl_->NewConnection(Duration(0)));
  RedisSession session(*impl_, std::move(fetch), std::move(maint), stream, group, opts.consumer,
                       opts.lease);
  return internal::RunConsumer(session, group, handler, opts, std::move(stop));
}

Result<std::vector<DeadLetter>> RedisStreamsQueue::ListDeadLetters(std::string_view stream,
                                                                   std::string_view after,
                                                                   int limit) {
  SECPLAT_RETURN_IF_ERROR(ValidateName("stream", stream));
  if (!after.empty() && !IsStreamId(after)) {
    return Unexpected(ErrorCode::kInvalidArgument, "bad dead-letter cursor");
  }
  limit = std::clamp(limit, 1, 10000);
  Keys keys(stream);
  std::string start = after.empty() ? "-" : "(" + std::string(after);
  std::string count = std::to_string(limit);
  SECPLAT_ASSIGN_OR_RETURN(Impl::Lease conn, impl_->Acquire());
  SECPLAT_ASSIGN_OR_RETURN(Reply r,
                           conn->Command({"XRANGE", keys.dlq, start, "+", "COUNT", count}));
  std::vector<DeadLetter> out;
  for (size_t i = 0; i < r.size(); ++i) out.push_back(ParseDeadLetter(stream, r[i]));
  return out;
}

Result<DeadLetter> RedisStreamsQueue::GetDeadLetter(std::string_view stream, std::string_view id) {
  SECPLAT_RETURN_IF_ERROR(ValidateName("stream", stream));
  if (!IsStreamId(id)) return Unexpected(ErrorCode::kInvalidArgument, "bad dead-letter id");
  Keys keys(stream);
  SECPLAT_ASSIGN_OR_RETURN(Impl::Lease conn, impl_->Acquire());
  SECPLAT_ASSIGN_OR_RETURN(Reply r, conn->Command({"XRANGE", keys.dlq, id, id}));
  if (r.size() == 0) {
    return Unexpected(ErrorCode::kNotFound, "dead letter '" + std::string(id) + "' not found");
  }
  return ParseDeadLetter(stream, r[0]);
}

Result<std::string> RedisStreamsQueue::ReplayDeadLetter(std::string_view stream,
                                                        std::string_view id) {
  SECPLAT_ASSIGN_OR_RETURN(DeadLetter dl, GetDeadLetter(stream, id));
  Keys keys(stream);
  std::vector<std::string> a = {"EVALSHA",      "", "3", keys.dlq, keys.stream, keys.counters,
                                std::string(id)};
  Message m = dl.message;
  for (std::string& f : EntryFields(m, 0, m.errors, dl.group)) a.push_back(std::move(f));
  SECPLAT_ASSIGN_OR_RETURN(Impl::Lease conn, impl_->Acquire());
  SECPLAT_RETURN_IF_ERROR(impl_->scripts().EnsureLoaded(*conn));
  a[1] = std::string(impl_->scripts().sha(kReplayScript));
  SECPLAT_ASSIGN_OR_RETURN(Reply r, RunOne(*conn, impl_->scripts(), ToArgs(a)));
  if (r.integer() != 1) {
    return Unexpected(ErrorCode::kNotFound, "dead letter '" + std::string(id) + "' not found");
  }
  return dl.message.id;
}

Result<int64_t> RedisStreamsQueue::PurgeDeadLetters(std::string_view stream,
                                                    std::optional<std::string_view> id) {
  SECPLAT_RETURN_IF_ERROR(ValidateName("stream", stream));
  Keys keys(stream);
  SECPLAT_ASSIGN_OR_RETURN(Impl::Lease conn, impl_->Acquire());
  if (id.has_value()) {
    if (!IsStreamId(*id)) return Unexpected(ErrorCode::kInvalidArgument, "bad dead-letter id");
    SECPLAT_ASSIGN_OR_RETURN(Reply r, conn->Command({"XDEL", keys.dlq, *id}));
    return r.integer();
  }
  SECPLAT_ASSIGN_OR_RETURN(
      std::vector<Reply> r,
      conn->Pipeline({{"MULTI"}, {"XLEN", keys.dlq}, {"DEL", keys.dlq}, {"EXEC"}}));
  if (r[3].is_error() || r[3].size() < 1) {
    return Unexpected(ErrorCode::kUnavailable, "redis: purge failed: " + std::string(r[3].str()));
  }
  return r[3][0].integer();
}

Result<StreamStats> RedisStreamsQueue::Stats(std::string_view stream, std::string_view group) {
  SECPLAT_RETURN_IF_ERROR(ValidateName("stream", stream));
  SECPLAT_RETURN_IF_ERROR(ValidateName("group", group));
  Keys keys(stream);
  SECPLAT_ASSIGN_OR_RETURN(Impl::Lease conn, impl_->Acquire());
  SECPLAT_ASSIGN_OR_RETURN(std::vector<Reply> r,
                           conn->Pipeline({{"XLEN", keys.stream},
                                           {"XINFO", "GROUPS", keys.stream},
                                           {"XINFO", "CONSUMERS", keys.stream, group},
                                           {"XPENDING", keys.stream, group, "-", "+", "1"},
                                           {"ZCARD", keys.delayed},
                                           {"XLEN", keys.dlq},
                                           {"HGETALL", keys.counters}}));
  StreamStats s;
  s.length = r[0].integer();
  std::string last_delivered;
  bool lag_known = false;
  bool group_found = false;
  for (size_t i = 0; !r[1].is_error() && i < r[1].size(); ++i) {
    Reply g = r[1][i];
    if (FieldOf(g, "name") != group) continue;
    group_found = true;
    for (size_t k = 0; k + 1 < g.size(); k += 2) {
      std::string_view f = g[k].str();
      if (f == "pending") s.pending = g[k + 1].integer();
      if (f == "last-delivered-id") last_delivered = std::string(g[k + 1].str());
      if (f == "lag" && !g[k + 1].is_nil()) {
        s.lag = g[k + 1].integer();
        lag_known = true;
      }
    }
  }
  if (!group_found) s.lag = s.length;  // a group created now would read everything
  for (size_t i = 0; !r[2].is_error() && i < r[2].size(); ++i) {
    Reply c = r[2][i];
    for (size_t k = 0; k + 1 < c.size(); k += 2) {
      if (c[k].str() == "idle" && c[k + 1].integer() < 60000) ++s.consumers;
    }
  }
  if (!r[3].is_error() && r[3].size() > 0 && r[3][0].size() >= 3) {
    s.oldest_pending_idle = Duration(r[3][0][2].integer());
  }
  s.delayed = r[4].integer();
  s.dead_letters = r[5].integer();
  for (size_t k = 0; !r[6].is_error() && k + 1 < r[6].size(); k += 2) {
    std::string_view f = r[6][k].str();
    int64_t v = r[6][k + 1].integer();
    if (f == "published") s.published = v;
    if (f == "acked") s.acked = v;
    if (f == "retried") s.retried = v;
    if (f == "dead_lettered") s.dead_lettered = v;
  }
  if (group_found && !lag_known && IsStreamId(last_delivered)) {
    SECPLAT_RETURN_IF_ERROR(impl_->scripts().EnsureLoaded(*conn));
    std::string sha(impl_->scripts().sha(kLagScript));
    SECPLAT_ASSIGN_OR_RETURN(Reply lag, RunOne(*conn, impl_->scripts(),
                                               {"EVALSHA", sha, "1", keys.stream, last_delivered}));
    s.lag = lag.integer();
  }
  return s;
}

}  // namespace secplat::jobqueue
