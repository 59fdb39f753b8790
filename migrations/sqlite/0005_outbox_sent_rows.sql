-- 0005_outbox_sent_rows: a published outbox row is deleted by the relay (OutboxStore::MarkSent)
-- from this version on; rows published before it were only marked (sent_at) and would stay
-- forever. They are copies of events and scan jobs that keep their own rows: drop them.
DELETE FROM outbox WHERE sent_at IS NOT NULL;
