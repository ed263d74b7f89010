-- Analytics, version 5. completion_days is a daily rollup: per portal, event and UTC day
-- (occurred_at / 86400000), how many completions were stored and how many of them carry
-- adjustments (JS-path truncation notices). collector.storage.rollup keeps it exact inside
-- the transaction that inserts the completions (ingest, JS hits and imports alike); the
-- INSERT below fills it from the completions stored before this version. Keyed by
-- portal_id first, like every other table (Citus).
CREATE TABLE completion_days (
    portal_id BIGINT NOT NULL,
    event_name TEXT NOT NULL,
    utc_day BIGINT NOT NULL,
    completions BIGINT NOT NULL,
    adjusted BIGINT NOT NULL,
    PRIMARY KEY (portal_id, event_name, utc_day)
);

INSERT INTO completion_days (portal_id, event_name, utc_day, completions, adjusted)
SELECT portal_id, event_name, occurred_at / 86400000, count(*),
       sum(CASE WHEN adjustments IS NULL THEN 0 ELSE 1 END)
FROM completions GROUP BY portal_id, event_name, occurred_at / 86400000;

-- Two indexes gain a trailing column, so analytics read them without touching the table:
-- object_id (unique records of an event in a period) and event_name (a contact's
-- completions per event). seq is named explicitly to keep their order (occurredAt, seq).
DROP INDEX completions_event;
CREATE INDEX completions_event ON completions (portal_id, event_name, occurred_at, seq, object_id);
DROP INDEX completions_object;
CREATE INDEX completions_object ON completions (portal_id, object_type, object_id, occurred_at, seq, event_name);

-- Failed hits of the last days, per event.
CREATE INDEX failed_events_received ON failed_events (portal_id, received_at);
