"""SQL of spreadsheet imports: stage in short writes, then commit everything in one.

``stage`` runs once per batch of rows (its own short group-commit job); ``commit`` runs as
one job, so contacts, completions, usage, the deletion of the staging rows and the job's
``committed`` state become visible together or not at all, on either backend. A job whose
process died stays ``running`` with its staging rows until ``start`` purges it as stale.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from collector.errors import FieldError, QuotaExceeded
from collector.storage.queries import Connection, month_of, now_ms

_INSERT_ROW = ("INSERT INTO import_rows (portal_id, job_id, row_no, id, email, occurred_at,"
               " properties) VALUES (?,?,?,?,?,?,?)")


def _merge(conn: Connection, old: str, new: str) -> tuple[str, str]:
    """(merged JSON text, "merged differs from old" condition) in the backend's dialect."""
    if isinstance(conn, sqlite3.Connection):
        merged = f"json_patch({old}, {new})"
        return merged, f"{merged} <> {old}"
    merged = f"({old}::jsonb || {new}::jsonb)"
    return merged + "::text", f"{merged} IS DISTINCT FROM {old}::jsonb"


def start(conn: Connection, portal_id: int, job_id: str, body: dict[str, Any],
          stale_before: int) -> None:
    """Purge jobs whose process stopped heartbeating, then record this one as running."""
    for stale_id, stale_portal in conn.execute(
            "SELECT id, portal_id FROM import_jobs WHERE state = 'running' AND updated_at < ?",
            (stale_before,)).fetchall():
        finish(conn, stale_portal, stale_id, "abandoned", None)
    now = now_ms()
    conn.execute("INSERT INTO import_jobs (portal_id, id, state, created_at, updated_at, body)"
                 " VALUES (?, ?, 'running', ?, ?, ?)",
                 (portal_id, job_id, now, now, json.dumps(body)))


def stage(conn: Connection, portal_id: int, job_id: str, rows: list[tuple[Any, ...]],
          contacts: dict[str, dict[str, str]], body: dict[str, Any]) -> None:
    conn.executemany(_INSERT_ROW, [(portal_id, job_id, *row) for row in rows])
    if contacts:
        merged, _ = _merge(conn, "import_contacts.properties", "excluded.properties")
        conn.executemany(
            "INSERT INTO import_contacts (portal_id, job_id, email, properties) VALUES (?,?,?,?)"
            f" ON CONFLICT (portal_id, job_id, email) DO UPDATE SET properties = {merged}",
            [(portal_id, job_id, email, json.dumps(props)) for email, props in contacts.items()])
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
    """Drop the job's staging rows and record its final state."""
    for table in ("import_rows", "import_contacts"):
        conn.execute(f"DELETE FROM {table} WHERE portal_id = ? AND job_id = ?", (portal_id, job_id))
    save(conn, portal_id, job_id, state, body)


def commit(conn: Connection, portal_id: int, job_id: str, event_name: str, received_at: int,
           quota: int, body: dict[str, Any]) -> dict[str, int]:
    """Contacts upserted by email, completions inserted once per uuid, usage counted."""
    key = (portal_id, job_id)
    new_rows = _scalar(conn, "SELECT count(*) FROM import_rows r WHERE r.portal_id = ? AND"
                       " r.job_id = ? AND NOT EXISTS (SELECT 1 FROM completions c WHERE"
                       " c.portal_id = r.portal_id AND c.id = r.id)", key)
    month = month_of(received_at)
    used = _scalar(conn, "SELECT coalesce(max(count), 0) FROM usage WHERE portal_id = ?"
                   " AND month = ?", (portal_id, month))
    if used + new_rows > quota:
        raise QuotaExceeded(f"Importing {new_rows} completions would pass the monthly quota of"
                            f" {quota} ({used} stored in {month})",
                            (FieldError("portal", f"at most {quota} completions per month", "QUOTA"),))
    created = _scalar(conn, "SELECT count(*) FROM import_contacts i WHERE i.portal_id = ? AND"
                      " i.job_id = ? AND NOT EXISTS (SELECT 1 FROM objects o WHERE"
                      " o.portal_id = i.portal_id AND o.email = i.email)", key)
    touched = _upsert_contacts(conn, portal_id, job_id)
    inserted = conn.execute(
        "INSERT INTO completions (portal_id, id, event_name, object_type, object_id, occurred_at,"
        " received_at, source, properties, adjustments) SELECT r.portal_id, r.id, ?, 'CONTACT',"
        " o.id, r.occurred_at, ?, 'IMPORT', r.properties, NULL FROM import_rows r JOIN objects o"
        " ON o.portal_id = r.portal_id AND o.email = r.email WHERE r.portal_id = ? AND"
        " r.job_id = ? ORDER BY r.row_no ON CONFLICT (portal_id, id) DO NOTHING",
        (event_name, received_at, portal_id, job_id)).rowcount
    if inserted:
        conn.execute("INSERT INTO usage (portal_id, month, count) VALUES (?, ?, ?) ON CONFLICT"
                     " (portal_id, month) DO UPDATE SET count = usage.count + excluded.count",
                     (portal_id, month, inserted))
    counts = {"completionsInserted": inserted, "contactsCreated": created,
              "contactsUpdated": max(0, touched - created)}
    finish(conn, portal_id, job_id, "committed", {**body, **counts})
    return counts


def _upsert_contacts(conn: Connection, portal_id: int, job_id: str) -> int:
    merged, changed = _merge(conn, "objects.properties", "excluded.properties")
    now = now_ms()
    cursor = conn.execute(
        "INSERT INTO objects (portal_id, object_type, email, properties, created_at, updated_at)"
        " SELECT portal_id, 'CONTACT', email, properties, ?, ? FROM import_contacts WHERE"
        " portal_id = ? AND job_id = ? ON CONFLICT (portal_id, email) WHERE email IS NOT NULL"
        f" DO UPDATE SET properties = {merged}, updated_at = excluded.updated_at WHERE {changed}",
        (now, now, portal_id, job_id))
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
