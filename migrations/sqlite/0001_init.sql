-- 0001_init: SecPlat's first SQLite schema.
--
-- Conventions: timestamps are INTEGER unix milliseconds (UTC); enums are stored by their wire
-- names (core/model/names.cc); JSON columns hold JSON text. Applied by
-- adapters/sqlite/migrations.cc inside one transaction and recorded in schema_migrations.
-- A migration must not contain BEGIN/COMMIT or PRAGMAs that cannot run inside a transaction.

CREATE TABLE assets (
  id          INTEGER PRIMARY KEY,
  asset_key   TEXT    NOT NULL UNIQUE,
  name        TEXT    NOT NULL,
  kind        TEXT    NOT NULL,
  url         TEXT    NOT NULL DEFAULT '',
  host        TEXT    NOT NULL DEFAULT '',
  port        INTEGER NOT NULL DEFAULT 0,
  owner       TEXT    NOT NULL DEFAULT '',
  criticality TEXT    NOT NULL,
  environment TEXT    NOT NULL DEFAULT '',
  enabled     INTEGER NOT NULL DEFAULT 1,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  deleted_at  INTEGER,
  version     INTEGER NOT NULL
);

CREATE TABLE asset_labels (
  asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  key      TEXT    NOT NULL,
  value    TEXT    NOT NULL,
  PRIMARY KEY (asset_id, key)
) WITHOUT ROWID;
CREATE INDEX asset_labels_key_value ON asset_labels(key, value);

CREATE TABLE asset_scan_settings (
  asset_id         INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  scan_type        TEXT    NOT NULL,
  enabled          INTEGER NOT NULL,
  interval_seconds INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (asset_id, scan_type)
) WITHOUT ROWID;

CREATE TABLE scan_jobs (
  id              INTEGER PRIMARY KEY,
  idempotency_key TEXT    NOT NULL UNIQUE,
  scan_type       TEXT    NOT NULL,
  asset_key       TEXT    NOT NULL REFERENCES assets(asset_key),
  status          TEXT    NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  requested_by    TEXT    NOT NULL DEFAULT '',
  request_id      TEXT    NOT NULL DEFAULT '',
  log_output      TEXT    NOT NULL DEFAULT '',
  last_error      TEXT    NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  started_at      INTEGER,
  finished_at     INTEGER
);
CREATE INDEX scan_jobs_asset_key ON scan_jobs(asset_key);
CREATE INDEX scan_jobs_status ON scan_jobs(status);

CREATE TABLE findings (
  id             INTEGER PRIMARY KEY,
  finding_key    TEXT    NOT NULL UNIQUE,
  asset_key      TEXT    NOT NULL REFERENCES assets(asset_key),
  source         TEXT    NOT NULL DEFAULT '',
  check_id       TEXT    NOT NULL DEFAULT '',
  location       TEXT    NOT NULL DEFAULT '',
  category       TEXT    NOT NULL DEFAULT '',
  title          TEXT    NOT NULL DEFAULT '',
  severity       TEXT    NOT NULL,
  status         TEXT    NOT NULL,
  evidence       TEXT    NOT NULL DEFAULT '{}',  -- JSON object
  first_seen     INTEGER NOT NULL,
  last_seen      INTEGER NOT NULL,
  occurrences    INTEGER NOT NULL,
  resolved_at    INTEGER,
  accepted_until INTEGER,
  accepted_by    TEXT    NOT NULL DEFAULT '',
  status_reason  TEXT    NOT NULL DEFAULT '',
  updated_at     INTEGER NOT NULL
);
CREATE INDEX findings_asset_key ON findings(asset_key);
CREATE INDEX findings_last_seen ON findings(last_seen);

-- The append-only event log. seq is the arrival order (and the API's cursor).
CREATE TABLE events (
  seq         INTEGER PRIMARY KEY,
  event_id    TEXT    NOT NULL UNIQUE,
  event_type  TEXT    NOT NULL,
  ts          INTEGER NOT NULL,
  org_id      TEXT    NOT NULL,
  request_id  TEXT,             -- NULL: absent
  asset_key   TEXT,             -- NULL: absent
  severity    TEXT,             -- NULL: absent
  payload     TEXT,             -- NULL: absent; else a JSON object
  received_at INTEGER NOT NULL
);
CREATE INDEX events_asset_key_ts ON events(asset_key, ts);
CREATE INDEX events_ts ON events(ts);

-- One row per asset, written by the deriver.
CREATE TABLE asset_status (
  asset_key  TEXT    PRIMARY KEY REFERENCES assets(asset_key),
  status     TEXT    NOT NULL,
  status_num INTEGER NOT NULL,
  since      INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  details    TEXT    NOT NULL DEFAULT '{}'  -- JSON object
);

CREATE TABLE api_tokens (
  id          TEXT    PRIMARY KEY,
  name        TEXT    NOT NULL,
  role        TEXT    NOT NULL,
  secret_hash TEXT    NOT NULL,
  created_by  TEXT    NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);

CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY,
  ts          INTEGER NOT NULL,
  actor       TEXT    NOT NULL,
  action      TEXT    NOT NULL,
  target      TEXT    NOT NULL,
  before_json TEXT,             -- NULL: nothing before (create)
  after_json  TEXT,             -- NULL: nothing after
  request_id  TEXT    NOT NULL DEFAULT ''
);

-- events and audit_log are append-only, enforced by the database itself.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'events is append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'events is append-only');
END;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
