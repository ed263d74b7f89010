-- Visualizer, version 4: selector health. One row per clicked-element definition and page
-- URL on which the tracker found no element matching the definition's selector.
CREATE TABLE selector_misses (
    portal_id INTEGER NOT NULL,
    event_name TEXT NOT NULL,
    url TEXT NOT NULL,
    count INTEGER NOT NULL,
    first_seen_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (portal_id, event_name, url)
);
