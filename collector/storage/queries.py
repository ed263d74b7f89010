"""SQL run on the writer and reader connections, written once for every backend.

Statements use ``?`` placeholders and portable SQL (``ON CONFLICT``, ``RETURNING``); the
few dialect differences (JSON field access) go through ``Dialect``.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from collector.errors import Conflict, FieldError, QuotaExceeded, ValidationFailed
from collector.ids import new_uuid7s
from collector.limits import PROPERTY_NAME_RE
from collector.model import CompletionQuery, CrmObject, NewCompletion, StoredCompletion
from collector.storage import rollup
from collector.storage.jsontext import compact_json
from collector.storage.tx import Tx


class Connection(Protocol):
    def execute(self, sql: str, params: Any = ..., /) -> Any: ...
    def executemany(self, sql: str, params: Any, /) -> Any: ...


_INSERT_COMPLETIONS = (
    "INSERT INTO completions (portal_id, id, event_name, object_type, object_id, occurred_at,"
    " received_at, source, properties, adjustments) VALUES {values}"
    " ON CONFLICT (portal_id, id) DO NOTHING"
    " RETURNING event_name, occurred_at, adjustments IS NOT NULL"
)
_ROW_MARKS = "(?,?,?,?,?,?,?,?,?,?)"
# Multi-row statements of a few fixed sizes: one statement step (and one trip through the
# driver) per chunk instead of per row, while the statement cache stays small.
_CHUNKS = (1000, 100, 10, 1)


def insert_completion_rows(conn: Connection, rows: list[tuple[Any, ...]]) -> list[tuple[str, int, Any]]:
    """Insert rows with multi-row INSERTs; a uuid already stored is skipped. Returns the
    event name, occurredAt and adjusted flag of each row stored (what the rollup counts)."""
    stored: list[tuple[str, int, Any]] = []
    start = 0
    for size in _CHUNKS:
        while len(rows) - start >= size:
            chunk = rows[start:start + size]
            sql = _INSERT_COMPLETIONS.format(values=",".join([_ROW_MARKS] * size))
            stored += conn.execute(sql, [v for row in chunk for v in row]).fetchall()
            start += size
    return stored


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

    def prop(self, column: str, key: str) -> str:
        if not PROPERTY_NAME_RE.match(key):  # keys are embedded in SQL: only safe names
            raise ValueError(f"unsafe property name {key!r}")
        return self.json_text(column, key)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@functools.lru_cache(maxsize=64)
def _month_of_hour(hour: int) -> str:
    return datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m")


def month_of(ms: int) -> str:
    """The calendar month (UTC) of an epoch-ms time, e.g. ``2026-11``."""
    return _month_of_hour(ms // 3_600_000)


@dataclass
class IdentityCache:
    """Writer-thread cache of rows that are committed and never deleted."""

    emails: dict[tuple[int, str], int] = field(default_factory=dict)
    objects: set[tuple[int, str, int]] = field(default_factory=set)

    def clear_if_large(self, limit: int = 500_000) -> None:
        if len(self.emails) > limit or len(self.objects) > limit:
            self.emails.clear()
            self.objects.clear()


def store_completions(tx: Tx[Any], dialect: Dialect, cache: IdentityCache, portal_id: int,
                      completions: list[NewCompletion], quota: int) -> int:
    """Resolve objects and buffer rows; one multi-row insert per transaction stores them.

    Every check that can refuse the request (quota, objects that must exist) runs before
    anything is written or buffered, so the job needs no savepoint of its own.
    Returns how many completions the request carried.
    """
    unnamed = [c for c in completions if not c.id]  # sent without a uuid: ids made here
    if unnamed:
        made = new_uuid7s(completions[0].received_at, len(unnamed))
        for c, made_id in zip(unnamed, made, strict=True):
            c.id = made_id
    conn: Connection = tx.conn
    month = month_of(completions[0].received_at)
    key = (portal_id, month)
    buffered: dict[tuple[int, str], list[tuple[Any, ...]]] = tx.state.setdefault("completions", {})
    used: dict[tuple[int, str], int] = tx.state.setdefault("usage", {})
    if key not in used:
        row = conn.execute("SELECT count FROM usage WHERE portal_id = ? AND month = ?",
                           key).fetchone()
        used[key] = row[0] if row else 0
    pending = buffered.setdefault(key, [])
    if used[key] + len(pending) + len(completions) > quota:
        _check_quota(conn, portal_id, completions, used[key] + len(pending), quota, month)
    resolver = _Resolver(conn, dialect, cache, portal_id, buffered)
    errors = [e for c in completions if (e := resolver.check(c)) is not None]
    if errors:
        raise ValidationFailed(errors)
    for c in completions:
        pending.append((portal_id, c.id, c.event_name, c.object_type, resolver.resolve(c),
                        c.occurred_at, c.received_at, c.source,
                        compact_json(c.properties),
                        compact_json(c.adjustments) if c.adjustments else None))
    tx.before_commit("completions", functools.partial(_flush_completions, dialect))
    tx.after_commit(resolver.publish)
    return len(completions)


def _check_quota(conn: Connection, portal_id: int, completions: list[NewCompletion], used: int,
                 quota: int, month: str) -> None:
    """Near the quota, count only completions not stored yet (a retry is acknowledged again)."""
    ids = list({c.id for c in completions})
    stored: set[str] = set()
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        marks = ",".join("?" * len(part))
        stored.update(r[0] for r in conn.execute(
            f"SELECT id FROM completions WHERE portal_id = ? AND id IN ({marks})",
            (portal_id, *part)).fetchall())
    if used + len(set(ids) - stored) > quota:
        raise QuotaExceeded(
            f"Monthly quota of {quota} completions reached ({used} stored in {month})",
            (FieldError("portal", f"at most {quota} completions per calendar month", "QUOTA"),),
        )


def _flush_completions(dialect: Dialect, tx: Tx[Any]) -> None:
    """Store the buffered rows and count what was stored (a uuid stored before, or twice in
    this transaction, is skipped and not counted) into the monthly usage and the daily
    rollup. Lock order, kept by every writer of these rows: usage rows, then rollup rows."""
    conn: Connection = tx.conn
    buffered: dict[tuple[int, str], list[tuple[Any, ...]]] = tx.state["completions"]
    days: dict[int, rollup.DayCounts] = {}
    for (portal_id, month), rows in sorted(buffered.items()):
        stored = dialect.insert_completions(conn, rows)
        if stored:
            conn.execute(
                "INSERT INTO usage (portal_id, month, count) VALUES (?, ?, ?) ON CONFLICT"
                " (portal_id, month) DO UPDATE SET count = usage.count + excluded.count",
                (portal_id, month, len(stored)))
        counts = days.setdefault(portal_id, {})
        for event_name, occurred_at, adjusted in stored:
            rollup.count(counts, event_name, occurred_at, bool(adjusted))
    for portal_id, counts in sorted(days.items()):
        rollup.apply(conn, portal_id, rollup.Changes(add=counts))


class _Resolver:
    """Finds (or creates) the object of each completion inside the writer's transaction."""

    def __init__(self, conn: Connection, dialect: Dialect, cache: IdentityCache,
                 portal_id: int, buffered: dict[tuple[int, str], list[tuple[Any, ...]]]) -> None:
        self.conn, self.dialect, self.cache, self.portal_id = conn, dialect, cache, portal_id
        self.buffered = buffered  # this transaction's rows, inserted at the flush
        self.new_emails: dict[tuple[int, str], int] = {}
        self.seen_objects: set[tuple[int, str, int]] = set()
        self.matched: dict[tuple[str, str, str], int] = {}

    def publish(self) -> None:
        """After commit: what this transaction created or confirmed is safe to cache."""
        self.cache.clear_if_large()
        self.cache.emails.update(self.new_emails)
        self.cache.objects.update(self.seen_objects)

    def check(self, c: NewCompletion) -> FieldError | None:
        """Reads only: is the object this completion names there?"""
        if c.object_id is not None and not self._exists(c.object_type, c.object_id):
            return FieldError(f"{c.where}objectId", f"no {c.object_type.lower()} with id"
                              f" {c.object_id}", "NOT_FOUND")
        if c.match is not None and c.object_id is None:
            target, value, event_property = c.match
            found = self._match(c.object_type, target, value)
            if found is None:
                return FieldError(f"{c.where}properties.{event_property}",
                                  f"no {c.object_type.lower()} has {target} = {value!r}",
                                  "NOT_FOUND")
            self.matched[c.match] = found
        return None

    def resolve(self, c: NewCompletion) -> int:
        """The object id, creating the contact (and tying the utk) where needed."""
        if c.object_id is not None:
            return c.object_id
        if c.match is not None:
            return self.matched[c.match]
        if c.email is not None:
            contact = self._contact_for_email(c.email, c.utk)
            if c.utk is not None:
                self._tie(c.utk, contact)
            return contact
        assert c.utk is not None, "validation guarantees an identifier"
        return self._contact_for_utk(c.utk)

    def _exists(self, object_type: str, object_id: int) -> bool:
        key = (self.portal_id, object_type, object_id)
        if key in self.cache.objects or key in self.seen_objects:
            return True
        row = self.conn.execute(
            "SELECT 1 FROM objects WHERE portal_id = ? AND object_type = ? AND id = ?",
            (self.portal_id, object_type, object_id)).fetchone()
        if row:
            self.seen_objects.add(key)
        return row is not None

    def _match(self, object_type: str, prop: str, value: str) -> int | None:
        expr = self.dialect.prop("properties", prop)
        row = self.conn.execute(
            f"SELECT id FROM objects WHERE portal_id = ? AND object_type = ? AND {expr} = ?"
            " ORDER BY id LIMIT 1", (self.portal_id, object_type, value)).fetchone()
        return row[0] if row else None

    def _email_contact(self, email: str) -> int | None:
        key = (self.portal_id, email)
        cached = self.cache.emails.get(key) or self.new_emails.get(key)
        if cached:
            return cached
        row = self.conn.execute("SELECT id FROM objects WHERE portal_id = ? AND email = ?",
                                (self.portal_id, email)).fetchone()
        if row:
            self.new_emails[key] = row[0]
        return row[0] if row else None

    def _contact_for_email(self, email: str, utk: str | None) -> int:
        found = self._email_contact(email)
        if found is not None:
            return found
        anonymous = self._visitor(utk) if utk else None
        # The visitor identifies for the first time: the anonymous contact becomes theirs,
        # unless another collector gave it an email meanwhile (then it is someone else's).
        if anonymous is not None and self.conn.execute(
                "UPDATE objects SET email = ?, properties = ?, updated_at = ? WHERE portal_id = ?"
                " AND id = ? AND email IS NULL RETURNING id",
                (email, json.dumps({"email": email}), now_ms(), self.portal_id,
                 anonymous)).fetchone() is not None:
            contact = anonymous
        else:
            contact = self._insert_email_contact(email)
        self.new_emails[(self.portal_id, email)] = contact
        self.seen_objects.add((self.portal_id, "CONTACT", contact))
        return contact

    def _insert_email_contact(self, email: str) -> int:
        """Race-free: another collector may create the same contact at the same moment."""
        now = now_ms()
        row = self.conn.execute(
            "INSERT INTO objects (portal_id, object_type, email, properties, created_at, updated_at)"
            " VALUES (?, 'CONTACT', ?, ?, ?, ?) ON CONFLICT (portal_id, email)"
            " WHERE email IS NOT NULL DO NOTHING RETURNING id",
            (self.portal_id, email, json.dumps({"email": email}), now, now)).fetchone()
        if row is None:  # the other collector's contact committed first
            row = self.conn.execute("SELECT id FROM objects WHERE portal_id = ? AND email = ?",
                                    (self.portal_id, email)).fetchone()
        contact: int = row[0]
        return contact

    def _contact_for_utk(self, utk: str) -> int:
        contact = self._visitor(utk)
        if contact is None:
            contact = insert_object(self.conn, self.portal_id, "CONTACT", {}).id
            self.conn.execute("INSERT INTO visitors (portal_id, utk, contact_id) VALUES (?, ?, ?)"
                              " ON CONFLICT (portal_id, utk) DO NOTHING",
                              (self.portal_id, utk, contact))
            # Another collector may have tied this utk first: its contact wins.
            contact = self._visitor(utk) or contact
        return contact

    def _visitor(self, utk: str) -> int | None:
        row = self.conn.execute("SELECT contact_id FROM visitors WHERE portal_id = ? AND utk = ?",
                                (self.portal_id, utk)).fetchone()
        return row[0] if row else None

    def _is_anonymous(self, contact: int) -> bool:
        row = self.conn.execute("SELECT email FROM objects WHERE portal_id = ? AND id = ?",
                                (self.portal_id, contact)).fetchone()
        return row is not None and row[0] is None

    def _tie(self, utk: str, contact: int) -> None:
        """Identify: the utk belongs to ``contact`` from now on; its anonymous past moves too."""
        current = self._visitor(utk)
        if current == contact:
            return
        if current is None:
            self.conn.execute("INSERT INTO visitors (portal_id, utk, contact_id) VALUES (?, ?, ?)"
                              " ON CONFLICT (portal_id, utk) DO UPDATE SET contact_id ="
                              " excluded.contact_id", (self.portal_id, utk, contact))
            return
        if self._is_anonymous(current):
            self.conn.execute("UPDATE completions SET object_id = ? WHERE portal_id = ?"
                              " AND object_type = 'CONTACT' AND object_id = ?",
                              (contact, self.portal_id, current))
            self._move_buffered(current, contact)
            self.conn.execute("UPDATE visitors SET contact_id = ? WHERE portal_id = ?"
                              " AND contact_id = ?", (contact, self.portal_id, current))
        else:  # a shared device: earlier completions stay with the earlier contact
            self.conn.execute("UPDATE visitors SET contact_id = ? WHERE portal_id = ? AND utk = ?",
                              (contact, self.portal_id, utk))


    def _move_buffered(self, old: int, new: int) -> None:
        """The anonymous past not inserted yet (earlier in this group) moves too."""
        for (portal_id, _), rows in self.buffered.items():
            if portal_id == self.portal_id:
                rows[:] = [(*row[:4], new, *row[5:]) if row[4] == old and row[3] == "CONTACT"
                           else row for row in rows]


def insert_object(conn: Connection, portal_id: int, object_type: str,
                  properties: dict[str, str]) -> CrmObject:
    email = properties.get("email") if object_type == "CONTACT" else None
    if email is not None:
        taken = conn.execute("SELECT id FROM objects WHERE portal_id = ? AND email = ?",
                             (portal_id, email)).fetchone()
        if taken:
            raise Conflict(f"A contact with email {email!r} already exists (id {taken[0]})",
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
    where = "email = ?" if prop == "email" else f"{dialect.prop('properties', prop)} = ?"
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
        match = "email = ?" if prop == "email" else f"{dialect.prop('properties', prop)} = ?"
        add(f"object_id IN (SELECT id FROM objects WHERE portal_id = ? AND object_type = ?"
            f" AND {match})", portal_id, q.object_type or "CONTACT", value)
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
