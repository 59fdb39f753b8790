-- 0006_outbox_unsent_index: drop outbox_unsent (0002), a partial index on outbox(id) WHERE
-- sent_at IS NULL. Since 0005 the relay deletes a row once it is published, so every row is
-- unsent and the index only repeated the table's own rowid order. Each event and scan job paid
-- for it twice (an index entry inserted, then deleted). The relay's scan (ORDER BY id) now reads
-- the table in rowid order.
DROP INDEX outbox_unsent;
