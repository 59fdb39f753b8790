-- 0004_notifications: the notifier's durable state (issue 6), kept by the api role
-- (ports/store/notification_store.h; PostgreSQL's 0004 has the same tables).
--
-- Like asset_status (0003), each table keeps the columns the store filters, orders and
-- compare-and-sets on, plus `document`: one JSON object per row that the store never
-- interprets (format owner: adapters/json/notification_codec.h), returned byte for byte.
-- Timestamps are INTEGER unix milliseconds (UTC); booleans are 0/1; delivery states are their
-- wire names (core/notify/names.cc). None of these writes is audited except a channel's
-- `failing` flag changing (the notifier writes these rows many times per event).

-- What was last sent per (channel, problem): dedup and repeat (core/notify/dedup.h).
CREATE TABLE notify_log (
  channel        TEXT    NOT NULL,
  problem_key    TEXT    NOT NULL,
  firing         INTEGER NOT NULL CHECK (firing IN (0, 1)),
  next_repeat_at INTEGER,           -- NULL: no repeat scheduled
  document       TEXT    NOT NULL,  -- JSON object: the NotifyLogRecord
  version        INTEGER NOT NULL CHECK (version >= 1),
  updated_at     INTEGER NOT NULL,
  PRIMARY KEY (channel, problem_key)
) WITHOUT ROWID;
-- ListRepeatDue: firing entries by (next_repeat_at, channel, problem_key).
CREATE INDEX notify_log_repeat_due ON notify_log(next_repeat_at, channel, problem_key)
  WHERE firing = 1;

-- One delivery per (event, channel), keyed by its idempotency key. `id` orders the "why" view
-- (newest first) and is its page cursor; AUTOINCREMENT so that ids are never reused after
-- retention deletes the newest rows.
CREATE TABLE deliveries (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT    NOT NULL UNIQUE,
  event_id        TEXT    NOT NULL,
  channel         TEXT    NOT NULL,
  asset_key       TEXT    NOT NULL,  -- '' for an event about no asset
  state           TEXT    NOT NULL
                  CHECK (state IN ('pending', 'retrying', 'delivered', 'failed_permanent', 'dead')),
  sending         INTEGER NOT NULL CHECK (sending IN (0, 1)),
  next_attempt_at INTEGER,           -- NULL: nothing scheduled
  attempts        INTEGER NOT NULL CHECK (attempts >= 0),
  created_at      INTEGER NOT NULL,
  document        TEXT    NOT NULL,  -- JSON object: the StoredDelivery
  version         INTEGER NOT NULL CHECK (version >= 1),
  updated_at      INTEGER NOT NULL
);
-- ListDueDeliveries: non-terminal deliveries by (next_attempt_at, idempotency_key).
CREATE INDEX deliveries_due ON deliveries(next_attempt_at, idempotency_key)
  WHERE state IN ('pending', 'retrying');
-- The "why" view's filters (each index ends with the rowid, so id DESC follows it).
CREATE INDEX deliveries_event_id ON deliveries(event_id);
CREATE INDEX deliveries_asset_key ON deliveries(asset_key);
CREATE INDEX deliveries_channel ON deliveries(channel);

-- Append-only: one row per recorded attempt, written with the delivery it belongs to.
CREATE TABLE delivery_attempts (
  idempotency_key TEXT    NOT NULL REFERENCES deliveries(idempotency_key),
  attempt         INTEGER NOT NULL CHECK (attempt >= 1),
  at              INTEGER NOT NULL,
  document        TEXT    NOT NULL,  -- JSON object: status, class, detail, retry_after_ms
  PRIMARY KEY (idempotency_key, attempt)
) WITHOUT ROWID;

-- Each event's routing decision (the "why was / wasn't I notified" view). `id` orders the view
-- and is its cursor; a rewrite of an event's routing keeps its id.
CREATE TABLE notify_routing (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id   TEXT    NOT NULL UNIQUE,
  event_type TEXT    NOT NULL,
  asset_key  TEXT    NOT NULL,  -- '' for an event about no asset
  decided_at INTEGER NOT NULL,
  document   TEXT    NOT NULL   -- JSON object: the RoutingRecord
);
CREATE INDEX notify_routing_asset_key ON notify_routing(asset_key);

-- Channel health, one row per channel ever reported.
CREATE TABLE notify_channels (
  channel TEXT    PRIMARY KEY,
  failing INTEGER NOT NULL CHECK (failing IN (0, 1)),
  reason  TEXT    NOT NULL,  -- secret-free
  since   INTEGER NOT NULL
) WITHOUT ROWID;
