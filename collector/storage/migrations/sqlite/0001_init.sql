-- Footfall schema, version 1. Every table is keyed by portal_id first so the schema can be
-- distributed by portal (Citus) when it moves to PostgreSQL.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE portals (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    portal_id INTEGER NOT NULL REFERENCES portals (id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE event_definitions (
    id INTEGER PRIMARY KEY,
    portal_id INTEGER NOT NULL REFERENCES portals (id),
    name TEXT NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL
);
CREATE UNIQUE INDEX event_definitions_name ON event_definitions (portal_id, name);

CREATE TABLE objects (
    id INTEGER PRIMARY KEY,
    portal_id INTEGER NOT NULL REFERENCES portals (id),
    object_type TEXT NOT NULL,
    email TEXT,
    properties TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX objects_portal ON objects (portal_id, object_type, id);
CREATE UNIQUE INDEX objects_email ON objects (portal_id, email) WHERE email IS NOT NULL;

CREATE TABLE visitors (
    portal_id INTEGER NOT NULL,
    utk TEXT NOT NULL,
    contact_id INTEGER NOT NULL,
    PRIMARY KEY (portal_id, utk)
) WITHOUT ROWID;
CREATE INDEX visitors_contact ON visitors (portal_id, contact_id);

CREATE TABLE completions (
    seq INTEGER PRIMARY KEY,
    portal_id INTEGER NOT NULL,
    id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id INTEGER NOT NULL,
    occurred_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    properties TEXT NOT NULL,
    adjustments TEXT
);
CREATE UNIQUE INDEX completions_id ON completions (portal_id, id);
CREATE INDEX completions_object ON completions (portal_id, object_type, object_id, occurred_at);
CREATE INDEX completions_event ON completions (portal_id, event_name, occurred_at);
CREATE INDEX completions_time ON completions (portal_id, occurred_at);

CREATE TABLE usage (
    portal_id INTEGER NOT NULL,
    month TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (portal_id, month)
) WITHOUT ROWID;
