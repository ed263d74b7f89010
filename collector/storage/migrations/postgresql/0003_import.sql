-- Spreadsheet imports, version 3. An import stages its rows here in many short writes and
-- then moves them into contacts and completions in ONE transaction that also deletes the
-- staging rows and marks the job committed: a crash or cancel before that commit leaves
-- only staging rows, which nothing else reads and a later import purges.
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

CREATE TABLE import_rows (
    portal_id BIGINT NOT NULL,
    job_id TEXT NOT NULL,
    row_no BIGINT NOT NULL,
    id UUID NOT NULL,
    email TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    properties TEXT NOT NULL,
    PRIMARY KEY (portal_id, job_id, row_no)
);

CREATE TABLE import_contacts (
    portal_id BIGINT NOT NULL,
    job_id TEXT NOT NULL,
    email TEXT NOT NULL,
    properties TEXT NOT NULL,
    PRIMARY KEY (portal_id, job_id, email)
);
