"""SQL run on the writer and reader connections, written once for every backend.

Statements use ``?`` placeholders and portable SQL (``ON CONFLICT``, ``RETURNING``); the
few dialect differences (JSON field access) go through ``Dialect``.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from collector.emails import normalize_email
from collector.errors import Conflict, FieldError
from collector.limits import PROPERTY_NAME_RE
from collector.model import CompletionQuery, CrmObject, StoredCompletion


class Connection(Protocol):
    def execute(self, sql: str, params: Any = ..., /) -> Any: ...
    def executemany(self, sql: str, params: Any, /) -> Any: ...


# A buffered completion row holds the insert's columns in this order.
ROW_COLUMNS = ("portal_id", "id", "event_name", "object_type", "object_id", "occurred_at",
               "received_at", "source", "properties", "adjustments")
EVENT_NAME, OBJECT_TYPE, OBJECT_ID, OCCURRED_AT, PROPERTIES, ADJUSTMENTS = (
    ROW_COLUMNS.index(name) for name in ("event_name", "object_type", "object_id",
                                         "occurred_at", "properties", "adjustments"))
_INSERT_COMPLETIONS = (
    f"INSERT INTO completions ({', '.join(ROW_COLUMNS)}) VALUES {{values}}"
    " ON CONFLICT (portal_id, id, event_name) DO NOTHING"
)
_ROW_MARKS = "(" + ",".join("?" * len(ROW_COLUMNS)) + ")"
# Multi-row statements of a few fixed sizes, then one of the few rows left: one statement
# step (and one trip through the driver) per chunk instead of per row, while the statement
# cache stays small (at most 12 sizes).
_CHUNKS = (1000, 100, 10)


def insert_completion_rows(conn: Connection, rows: list[tuple[Any, ...]]) -> list[tuple[str, int, Any]]:
    """Insert rows with multi-row INSERTs; a uuid already stored for its event is skipped.
    Returns the event name, occurredAt and adjusted flag of each row stored (what the rollup
    counts).

    Run in the write transaction. Rows are rarely skipped (a retried request), so the
    statements only count what they stored (``RETURNING`` costs ~15 % of a row's insert);
    when some were skipped, the rows stored are the table's last ones: each new row is
    numbered ``max(seq) + 1``, and the write lock keeps other writers out.
    """
    stored = 0
    start = 0
    for size in _CHUNKS:
        while len(rows) - start >= size:
            stored += _insert_chunk(conn, rows[start:start + size])
            start += size
    if start < len(rows):
        stored += _insert_chunk(conn, rows[start:])
    if stored == len(rows):
        return [(row[EVENT_NAME], row[OCCURRED_AT], row[ADJUSTMENTS] is not None) for row in rows]
    return [tuple(r) for r in conn.execute(
        "SELECT event_name, occurred_at, adjustments IS NOT NULL FROM completions"
        " ORDER BY seq DESC LIMIT ?", (stored,)).fetchall()]


def _insert_chunk(conn: Connection, chunk: list[tuple[Any, ...]]) -> int:
    sql = _INSERT_COMPLETIONS.format(values=",".join([_ROW_MARKS] * len(chunk)))
    return int(conn.execute(sql, [v for row in chunk for v in row]).rowcount)


@dataclass(frozen=True, slots=True)
class Dialect:
    json_text: Callable[[str, str], str]
    # Appended to a text ORDER BY term: compare code points on every backend (SQLite's
    # default; PostgreSQL's default collation follows the server's locale).
    binary_order: str = ""
    # Stores completion rows (the columns of _INSERT_COMPLETIONS), skipping stored uuids;
    # returns (event name, occurredAt, adjusted) of each row stored. The backend's fastest
    # bulk form.
    insert_completions: Callable[[Any, list[tuple[Any, ...]]], list[tuple[str, int, Any]]] = (
        insert_completion_rows)
    # Appended to a SELECT of rows a write transaction reads in order to change: concurrent
    # changers wait for each other (SQLite's write transactions are one at a time anyway).
    lock_rows: str = ""
    # Appended to a SELECT of rows a write transaction relies on staying there (not deleted,
    # key unchanged) until it commits: a concurrent delete waits for its commit, a change of
    # other columns does not (SQLite: nothing, its write transactions are one at a time).
    keep_rows: str = ""

    def prop(self, column: str, key: str) -> str:
        if not PROPERTY_NAME_RE.match(key):  # keys are embedded in SQL: only safe names
            raise ValueError(f"unsafe property name {key!r}")
        return self.json_text(column, key)


def object_match(dialect: Dialect, object_type: str, prop: str, value: str) -> tuple[str, str]:
    """The condition (one ``?``) and its value that find the objects whose ``prop`` is
    ``value``: the one rule of idProperty, objectProperty.<name> and customMatchingId. An
    email is compared as the CRM keeps it (``normalize_email``, on every object type); a
    contact's is its own column, unique in the portal (no other object's is set)."""
    if prop != "email":
        return f"{dialect.prop('properties', prop)} = ?", value
    if object_type == "CONTACT":
        return "email = ?", normalize_email(value)
    return f"{dialect.prop('properties', prop)} = ?", normalize_email(value)


def like_literal(text: str) -> str:
    """``text`` as a LIKE pattern that matches only itself (with ``ESCAPE '\\'``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@functools.lru_cache(maxsize=64)
def _month_of_hour(hour: int) -> str:
    return datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m")


def month_of(ms: int) -> str:
    """The calendar month (UTC) of an epoch-ms time, e.g. ``2026-11``."""
    return _month_of_hour(ms // 3_600_000)


def insert_object(conn: Connection, portal_id: int, object_type: str,
                  properties: dict[str, str]) -> CrmObject:
    email = properties.get("email") if object_type == "CONTACT" else None
    if email is not None:
        taken = conn.execute("SELECT id FROM objects WHERE portal_id = ? AND email = ?",
                             (portal_id, email)).fetchone()
        if taken:
            # HubSpot's words: integrations read the id from them to update instead
            raise Conflict(f"Contact already exists. Existing ID: {taken[0]}",
                           (FieldError("properties.email", "already exists", "CONFLICT"),))
    now = now_ms()
    row = conn.execute(
        "INSERT INTO objects (portal_id, object_type, email, properties, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (portal_id, object_type, email, json.dumps(properties), now, now)).fetchone()
    return CrmObject(portal_id, object_type, row[0], properties, now, now)


def object_from_row(portal_id: int, row: Any) -> CrmObject:
    return CrmObject(portal_id, row[0], row[1], json.loads(row[2]), row[3], row[4])


_OBJECT_COLUMNS = "object_type, id, properties, created_at, updated_at"


def get_object(conn: Connection, portal_id: int, object_type: str, object_id: int) -> CrmObject | None:
    row = conn.execute(f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE portal_id = ?"
                       " AND object_type = ? AND id = ?",
                       (portal_id, object_type, object_id)).fetchone()
    return object_from_row(portal_id, row) if row else None


def find_object(conn: Connection, dialect: Dialect, portal_id: int, object_type: str,
                prop: str, value: str) -> CrmObject | None:
    where, value = object_match(dialect, object_type, prop, value)
    row = conn.execute(f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE portal_id = ?"
                       f" AND object_type = ? AND {where} ORDER BY id LIMIT 1",
                       (portal_id, object_type, value)).fetchone()
    return object_from_row(portal_id, row) if row else None


_COMPLETION_COLUMNS = ("seq, id, event_name, object_type, object_id, occurred_at, received_at,"
                       " source, properties, adjustments")


def query_completions(conn: Connection, dialect: Dialect, portal_id: int,
                      q: CompletionQuery) -> list[StoredCompletion]:
    where = ["portal_id = ?"]
    params: list[Any] = [portal_id]

    def add(clause: str, *values: Any) -> None:
        where.append(clause)
        params.extend(values)

    if q.event_name is not None:
        add("event_name = ?", q.event_name)
    if q.object_type is not None:
        add("object_type = ?", q.object_type)
    if q.object_id is not None:
        add("object_id = ?", q.object_id)
    for prop, value in q.object_properties:
        object_type = q.object_type or "CONTACT"
        match, value = object_match(dialect, object_type, prop, value)
        add(f"object_id IN (SELECT id FROM objects WHERE portal_id = ? AND object_type = ?"
            f" AND {match})", portal_id, object_type, value)
    alternatives: dict[str, list[str]] = {}
    for prop, value in q.properties:
        alternatives.setdefault(prop, []).append(value)
    for prop, values in alternatives.items():
        add(f"{dialect.prop('properties', prop)} IN ({','.join('?' * len(values))})", *values)
    if q.occurred_after is not None:
        add("occurred_at > ?", q.occurred_after)
    if q.occurred_before is not None:
        add("occurred_at < ?", q.occurred_before)
    if q.completion_ids:
        add(f"id IN ({','.join('?' * len(q.completion_ids))})", *q.completion_ids)
    if q.after is not None:
        op = "<" if q.descending else ">"
        add(f"(occurred_at {op} ? OR (occurred_at = ? AND seq {op} ?))",
            q.after[0], q.after[0], q.after[1])
    order = "DESC" if q.descending else "ASC"
    sql = (f"SELECT {_COMPLETION_COLUMNS} FROM completions WHERE {' AND '.join(where)}"
           f" ORDER BY occurred_at {order}, seq {order} LIMIT ?")
    rows = conn.execute(sql, (*params, q.limit + 1)).fetchall()
    return [StoredCompletion(r[0], r[1], portal_id, r[2], r[3], r[4], r[5], r[6], r[7],
                             json.loads(r[8]), json.loads(r[9]) if r[9] else None) for r in rows]
