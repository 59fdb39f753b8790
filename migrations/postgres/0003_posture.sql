-- 0003_posture: the derived posture of each asset (issue 5); the same logical schema as
-- migrations/sqlite/0003_posture.sql.
--
-- asset_status (0001) was never written: it is replaced by a table with what the posture list
-- filters and sorts on, plus the documents the deriver continues from. One row per asset,
-- written only through PUT /api/v1/posture/{asset_key} (the deriver) with a compare-and-set on
-- `version`. Timestamps are BIGINT unix milliseconds (UTC); state is the wire name
-- (core/posture/names.cc) and status_num its dashboard value (model::StatusNum). The JSON
-- columns are TEXT, not jsonb, so the documents of adapters/json/posture_codec.h come back byte
-- for byte:
--   status_json      the full PostureStatus (facts, ring of inputs, confidence components)
--   score_json       the PostureScore with its reasons
--   transitions_json the recent transitions, newest last (at most 50)
-- Rows of soft-deleted assets stay (the assets row stays too) and are hidden by the store.

DROP TABLE asset_status;

CREATE TABLE asset_status (
  asset_key        TEXT    PRIMARY KEY REFERENCES assets(asset_key),
  state            TEXT    NOT NULL,
  status_num       INTEGER NOT NULL,
  since            BIGINT,           -- NULL: never changed state (unknown)
  last_result_at   BIGINT,           -- NULL: no up/down result yet
  score            INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
  grade            TEXT    NOT NULL,
  confidence       INTEGER NOT NULL CHECK (confidence BETWEEN 0 AND 100),
  check_by         BIGINT,           -- NULL: nothing pending for the sweep
  version          BIGINT  NOT NULL CHECK (version >= 1),
  updated_at       BIGINT  NOT NULL,
  status_json      TEXT    NOT NULL,  -- JSON object
  score_json       TEXT    NOT NULL,  -- JSON object
  transitions_json TEXT    NOT NULL   -- JSON array
);
CREATE INDEX asset_status_state ON asset_status(state);
CREATE INDEX asset_status_grade ON asset_status(grade);
CREATE INDEX asset_status_check_by ON asset_status(check_by, asset_key) WHERE check_by IS NOT NULL;
