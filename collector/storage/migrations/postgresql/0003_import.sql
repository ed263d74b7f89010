-- Spreadsheet imports, version 3: one row per import job (state, counts, progress). The rows
-- of a running import are staged in TEMPORARY tables of the writer's own connection and
-- moved into contacts and completions in ONE transaction that also marks the job committed.
-- A crash or cancel before that commit leaves nothing: the database itself discards a dead
-- connection's temporary tables.
CREATE TABLE import_jobs (
    portal_id BIGINT NOT NULL,
    id TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (portal_id, id)
);
CREATE INDEX import_jobs_state ON import_jobs (state, updated_at);
