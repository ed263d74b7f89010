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
