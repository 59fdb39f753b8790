-- 0003_posture: the derived posture of each asset (issue 5).
--
-- asset_status (0001) was never written: it is replaced by a table with what the posture list
-- filters and sorts on, plus the documents the deriver continues from. One row per asset,
-- written only through PUT /api/v1/posture/{asset_key} (the deriver) with a compare-and-set on
-- `version`. Timestamps are INTEGER unix milliseconds (UTC); state is the wire name
-- (core/posture/names.cc) and status_num its dashboard value (model::StatusNum). The JSON
-- columns hold the text of adapters/json/posture_codec.h verbatim:
--   status_json      the full PostureStatus (facts, ring of inputs, confidence components)
--   score_json       the PostureScore with its reasons
--   transitions_json the recent transitions, newest last (at most 50)
-- Rows of soft-deleted assets stay (the assets row stays too) and are hidden by the store.

DROP TABLE asset_status;

CREATE TABLE asset_status (
  asset_key        TEXT    PRIMARY KEY REFERENCES assets(asset_key),
  state            TEXT    NOT NULL,
  status_num       INTEGER NOT NULL,
  since            INTEGER,          -- NULL: never changed state (unknown)
  last_result_at   INTEGER,          -- NULL: no up/down result yet
  score            INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
  grade            TEXT    NOT NULL,
  confidence       INTEGER NOT NULL CHECK (confidence BETWEEN 0 AND 100),
  check_by         INTEGER,          -- NULL: nothing pending for the sweep
  version          INTEGER NOT NULL CHECK (version >= 1),
  updated_at       INTEGER NOT NULL,
  status_json      TEXT    NOT NULL,  -- JSON object
  score_json       TEXT    NOT NULL,  -- JSON object
  transitions_json TEXT    NOT NULL   -- JSON array
) WITHOUT ROWID;
CREATE INDEX asset_status_state ON asset_status(state);
CREATE INDEX asset_status_grade ON asset_status(grade);
CREATE INDEX asset_status_check_by ON asset_status(check_by, asset_key) WHERE check_by IS NOT NULL;
