"""SQL of spreadsheet imports: stage into temporary tables, then commit everything in one.

Rows are staged, batch by batch, in TEMPORARY tables of the group-commit writer's own
connection (``start`` creates them); ``commit`` then upserts the contacts, inserts the
completions, counts usage, drops the staging tables and marks the job committed in one
transaction, so all of it becomes visible together or not at all, on either backend. If
the process dies first, the database discards the temporary tables with the connection;
if the connection was replaced mid-import (PostgreSQL reconnect), ``commit`` sees fewer
staged rows than were sent and refuses. A job left ``running`` by a dead process is marked
``abandoned`` by the next import.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

from collector.errors import FieldError, QuotaExceeded, StoreUnavailable
from collector.storage import rollup
from collector.storage.jsontext import compact_json
from collector.storage.pgconn import PgConnection
from collector.storage.queries import Connection, month_of, now_ms

_JOB_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def _tables(job_id: str) -> tuple[str, str]:
    if not _JOB_ID.match(job_id):  # embedded in SQL: only a canonical uuid
        raise ValueError(f"bad import job id {job_id!r}")
    key = job_id.replace("-", "")
    return f"import_rows_{key}", f"import_contacts_{key}"


def _sqlite(conn: Connection) -> bool:
    return isinstance(conn, sqlite3.Connection)


def _merge(conn: Connection, old: str, new: str) -> tuple[str, str]:
    """(merged JSON text, "merged differs from old" condition) in the backend's dialect."""
    if _sqlite(conn):
        merged = f"json_patch({old}, {new})"
        return merged, f"{merged} <> json({old})"  # json(): the same document, minified
    merged = f"({old}::jsonb || {new}::jsonb)"
    return merged + "::text", f"{merged} IS DISTINCT FROM {old}::jsonb"


def start(conn: Connection, portal_id: int, job_id: str, body: dict[str, Any],
          stale_before: int) -> None:
    """Mark jobs of dead processes abandoned, record this one, create its staging tables."""
    conn.execute("UPDATE import_jobs SET state = 'abandoned' WHERE state = 'running' AND"
                 " updated_at < ?", (stale_before,))
    now = now_ms()
    conn.execute("INSERT INTO import_jobs (portal_id, id, state, created_at, updated_at, body)"
                 " VALUES (?, ?, 'running', ?, ?, ?)",
                 (portal_id, job_id, now, now, json.dumps(body)))
    rows, contacts = _tables(job_id)
    # SQLite: INTEGER PRIMARY KEY is the rowid itself, so staging keeps no extra index.
    row_no, uuid_type = ("INTEGER", "TEXT") if _sqlite(conn) else ("BIGINT", "UUID")
    conn.execute(f"CREATE TEMPORARY TABLE {rows} (row_no {row_no} PRIMARY KEY, id {uuid_type}"
                 " NOT NULL, email TEXT NOT NULL, occurred_at BIGINT NOT NULL,"
                 " properties TEXT NOT NULL)")
    conn.execute(f"CREATE TEMPORARY TABLE {contacts} (email TEXT PRIMARY KEY,"
                 " properties TEXT NOT NULL)")


def stage(conn: Connection, portal_id: int, job_id: str, rows: list[tuple[Any, ...]],
          contacts: dict[str, dict[str, str]], body: dict[str, Any]) -> None:
    """Stage rows (in row order) and every email they name; ``contacts`` holds the contact
    properties of those emails that have some, merged over earlier batches'."""
    rows_table, contacts_table = _tables(job_id)
    columns = ("row_no", "id", "email", "occurred_at", "properties")
    if isinstance(conn, PgConnection):
        conn.copy_rows(rows_table, columns, rows)
    else:
        conn.executemany(f"INSERT INTO {rows_table} ({', '.join(columns)}) VALUES (?,?,?,?,?)",
                         rows)
    if rows:
        email_only = "json_object('email', email)" if _sqlite(conn) else \
            "jsonb_build_object('email', email)::text"
        conn.execute(f"INSERT INTO {contacts_table} (email, properties) SELECT email,"
                     f" {email_only} FROM {rows_table} WHERE row_no >= ?"
                     " ON CONFLICT (email) DO NOTHING", (rows[0][0],))
    if contacts:
        merged, _ = _merge(conn, f"{contacts_table}.properties", "excluded.properties")
        conn.executemany(
            f"INSERT INTO {contacts_table} (email, properties) VALUES (?,?)"
            f" ON CONFLICT (email) DO UPDATE SET properties = {merged}",
            [(email, compact_json({"email": email, **props})) for email, props in contacts.items()])
    save(conn, portal_id, job_id, "running", body)


def save(conn: Connection, portal_id: int, job_id: str, state: str,
         body: dict[str, Any] | None) -> None:
    if body is None:
        conn.execute("UPDATE import_jobs SET state = ?, updated_at = ? WHERE portal_id = ?"
                     " AND id = ?", (state, now_ms(), portal_id, job_id))
        return
    conn.execute("UPDATE import_jobs SET state = ?, updated_at = ?, body = ? WHERE portal_id = ?"
                 " AND id = ?", (state, now_ms(), json.dumps(body), portal_id, job_id))


def finish(conn: Connection, portal_id: int, job_id: str, state: str,
           body: dict[str, Any] | None) -> None:
    """Drop the job's staging tables and record its final state."""
    for table in _tables(job_id):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    save(conn, portal_id, job_id, state, body)


def commit(conn: Connection, portal_id: int, job_id: str, event_name: str, received_at: int,
           quota: int, body: dict[str, Any]) -> dict[str, int]:
    """Contacts upserted by email, completions inserted once per uuid, usage counted.

    (The writer's 64 MB page cache serves: 128 MB made a 1M-row commit no faster.)
    """
    rows, contacts = _tables(job_id)
    _check_staged(conn, rows, int(body.get("validRows", 0)))
    new_days = rollup.new_import_days(conn, portal_id, event_name, rows)
    new_rows = sum(new_days.values())
    month = month_of(received_at)
    used = _scalar(conn, "SELECT coalesce(max(count), 0) FROM usage WHERE portal_id = ?"
                   " AND month = ?", (portal_id, month))
    if used + new_rows > quota:
        raise QuotaExceeded(f"Importing {new_rows} completions would pass the monthly quota of"
                            f" {quota} ({used} stored in {month})",
                            (FieldError("portal", f"at most {quota} completions per month", "QUOTA"),))
    created = _scalar(conn, f"SELECT count(*) FROM {contacts} i WHERE NOT EXISTS (SELECT 1 FROM"
                      " objects o WHERE o.portal_id = ? AND o.email = i.email)", (portal_id,))
    touched = _upsert_contacts(conn, portal_id, contacts)
    inserted = conn.execute(
        "INSERT INTO completions (portal_id, id, event_name, object_type, object_id, occurred_at,"
        " received_at, source, properties, adjustments) SELECT o.portal_id, r.id, ?, 'CONTACT',"
        f" o.id, r.occurred_at, ?, 'IMPORT', r.properties, NULL FROM {rows} r JOIN objects o"
        " ON o.portal_id = ? AND o.email = r.email ORDER BY r.row_no"
        " ON CONFLICT (portal_id, id, event_name) DO NOTHING",
        (event_name, received_at, portal_id)).rowcount
    if inserted:  # the usage row before rollup rows, the lock order of the ingest flush
        conn.execute("INSERT INTO usage (portal_id, month, count) VALUES (?, ?, ?) ON CONFLICT"
                     " (portal_id, month) DO UPDATE SET count = usage.count + excluded.count",
                     (portal_id, month, inserted))
    rollup.add_import(conn, portal_id, event_name, new_days, inserted)
    counts = {"completionsInserted": inserted, "contactsCreated": created,
              "contactsUpdated": max(0, touched - created)}
    finish(conn, portal_id, job_id, "committed", {**body, **counts})
    return counts


def _check_staged(conn: Connection, rows: str, expected: int) -> None:
    try:
        staged = _scalar(conn, f"SELECT count(*) FROM {rows}", ())
    except Exception as exc:  # the table vanished with a replaced connection
        raise StoreUnavailable("The import's staged rows were lost (the database connection"
                               " was reset); nothing was stored: run the import again") from exc
    if staged != expected:
        raise StoreUnavailable(f"Only {staged} of {expected} staged rows are there (the database"
                               " connection was reset); nothing was stored: run it again")


def _upsert_contacts(conn: Connection, portal_id: int, contacts: str) -> int:
    merged, changed = _merge(conn, "objects.properties", "excluded.properties")
    now = now_ms()
    cursor = conn.execute(
        "INSERT INTO objects (portal_id, object_type, email, properties, created_at, updated_at)"
        f" SELECT ?, 'CONTACT', email, properties, ?, ? FROM {contacts} WHERE true"
        " ON CONFLICT (portal_id, email) WHERE email IS NOT NULL"
        f" DO UPDATE SET properties = {merged}, updated_at = excluded.updated_at WHERE {changed}",
        (portal_id, now, now))
    return max(0, int(cursor.rowcount))


def load(conn: Connection, portal_id: int, job_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT state, created_at, updated_at, body FROM import_jobs WHERE"
                       " portal_id = ? AND id = ?", (portal_id, job_id)).fetchone()
    if row is None:
        return None
    return {**json.loads(row[3]), "id": job_id, "state": row[0], "createdAt": row[1],
            "updatedAt": row[2]}


def _scalar(conn: Connection, sql: str, params: tuple[Any, ...]) -> int:
    row = conn.execute(sql, params).fetchone()
    return int(row[0]) if row and row[0] is not None else 0
