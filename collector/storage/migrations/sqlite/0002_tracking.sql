-- JS tracking, version 2: per-portal tracking settings, the failed-events store (JS hits
-- for unknown or archived events, kept with the reason) and per-portal tracking counters
-- (hits dropped for a foreign origin, bot hits left out of counts).
CREATE TABLE tracking_settings (
    portal_id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE failed_events (
    seq INTEGER PRIMARY KEY,
    portal_id INTEGER NOT NULL,
    id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE UNIQUE INDEX failed_events_id ON failed_events (portal_id, id);
CREATE INDEX failed_events_time ON failed_events (portal_id, seq);

CREATE TABLE tracking_counters (
    portal_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (portal_id, name)
);
