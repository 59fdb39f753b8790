-- 0002_outbox: the transactional outbox (issue 3).
--
-- A write that causes a queue message (a new scan job, a new event the notifier consumes)
-- inserts its outbox row in the same transaction, so the two commit or vanish together. The
-- relay (services/relay/outbox_relay.h) publishes unsent rows oldest first and sets sent_at;
-- a failed publish bumps attempts, keeps last_error and schedules next_attempt_at.
--
-- The envelope is stored column by column like events (timestamps INTEGER unix milliseconds,
-- severity by its wire name); payload is a JSON object. Rows are never deleted by the store's
-- outbox methods: a retention sweep of sent rows can come later.

CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  stream          TEXT    NOT NULL,
  event_id        TEXT    NOT NULL,
  event_type      TEXT    NOT NULL,
  ts              INTEGER NOT NULL,
  org_id          TEXT    NOT NULL,
  request_id      TEXT,             -- NULL: absent
  asset_key       TEXT,             -- NULL: absent
  severity        TEXT,             -- NULL: absent
  payload         TEXT,             -- NULL: absent; else a JSON object
  created_at      INTEGER NOT NULL,
  sent_at         INTEGER,          -- NULL: not yet published
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT    NOT NULL DEFAULT '',
  next_attempt_at INTEGER NOT NULL
);

-- The relay's scan: unsent rows in id order (a partial index stays as small as the backlog).
CREATE INDEX outbox_unsent ON outbox(id) WHERE sent_at IS NULL;
