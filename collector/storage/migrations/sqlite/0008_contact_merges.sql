-- Version 8: an identify that merges an anonymous visitor's contact into an existing one
-- records the merge, so the merged-away id keeps resolving to the surviving contact (as on
-- HubSpot). into_id is always a live contact: a later merge of it rewrites these rows.
-- Additive only: the empty anonymous contacts earlier versions left behind are kept (no
-- record says whom they were merged into).
CREATE TABLE contact_merges (
    portal_id INTEGER NOT NULL,
    merged_id INTEGER NOT NULL,
    into_id INTEGER NOT NULL,
    merged_at INTEGER NOT NULL,
    PRIMARY KEY (portal_id, merged_id)
) WITHOUT ROWID;
CREATE INDEX contact_merges_into ON contact_merges (portal_id, into_id);

-- A merged-away contact's row is deleted. SQLite gives a new row the highest id + 1 unless
-- its table is AUTOINCREMENT: the id of a merged-away contact that had the highest id went
-- to the next object, and the merge record then sent that object's id to the survivor.
-- objects is rebuilt as AUTOINCREMENT, so an id is never given twice (as PostgreSQL's
-- identity column never gives one twice).
CREATE TABLE objects_v8 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    portal_id INTEGER NOT NULL REFERENCES portals (id),
    object_type TEXT NOT NULL,
    email TEXT,
    properties TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
INSERT INTO objects_v8 (id, portal_id, object_type, email, properties, created_at, updated_at)
SELECT id, portal_id, object_type, email, properties, created_at, updated_at FROM objects;
DROP TABLE objects;
ALTER TABLE objects_v8 RENAME TO objects;
CREATE INDEX objects_portal ON objects (portal_id, object_type, id);
CREATE UNIQUE INDEX objects_email ON objects (portal_id, email) WHERE email IS NOT NULL;
