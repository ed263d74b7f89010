"""The ingest write path's SQL: buffer a request's completions in the writer's transaction
(quota and object checks first, so a refused request writes nothing) and store them with one
multi-row insert before the commit, counting what was stored into usage and the rollup."""

from __future__ import annotations

import functools
from typing import Any

from collector.errors import FieldError, QuotaExceeded, ValidationFailed
from collector.ids import new_uuid7s
from collector.model import NewCompletion
from collector.storage import rollup, sessions
from collector.storage.identity import IdentityCache, Resolver
from collector.storage.jsontext import compact_text_json
from collector.storage.queries import Connection, Dialect, month_of
from collector.storage.tx import Tx


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
    visits: sessions.Visits | None = tx.state.get("visits")
    if visits is None:
        visits = tx.state["visits"] = sessions.Visits()
    resolver = Resolver(conn, dialect, cache, portal_id, buffered,
                        before_merge=functools.partial(visits.settle, conn, dialect))
    errors = resolver.check(completions)
    if errors:
        raise ValidationFailed(errors)
    _buffer(visits, resolver, portal_id, pending, completions)
    tx.before_commit("completions", functools.partial(_flush_completions, dialect))
    tx.after_commit(resolver.publish)
    return len(completions)


def _buffer(visits: sessions.Visits, resolver: Resolver, portal_id: int,
            pending: list[tuple[Any, ...]], completions: list[NewCompletion]) -> None:
    """Append the completions' rows, each with its object (a JS hit from an inner page gets
    its properties at the flush, with its visit's source)."""
    for c in completions:
        object_id = resolver.resolve(c)
        properties = (visits.add(portal_id, pending, c) if c.source == "JS"
                      else compact_text_json(c.properties))
        pending.append((portal_id, c.id, c.event_name, c.object_type, object_id,
                        c.occurred_at, c.received_at, c.source, properties,
                        compact_text_json(c.adjustments) if c.adjustments else None))


def _check_quota(conn: Connection, portal_id: int, completions: list[NewCompletion], used: int,
                 quota: int, month: str) -> None:
    """Near the quota, count only completions not stored yet (a retry is acknowledged again;
    a uuid is unique within its event)."""
    keys = {(c.id, c.event_name) for c in completions}
    ids = sorted({c.id for c in completions})
    stored: set[tuple[str, str]] = set()
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        marks = ",".join("?" * len(part))
        stored.update((str(r[0]), r[1]) for r in conn.execute(
            f"SELECT id, event_name FROM completions WHERE portal_id = ? AND id IN ({marks})",
            (portal_id, *part)).fetchall())
    if used + len(keys - stored) > quota:
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
    if (visits := tx.state.get("visits")) is not None:
        visits.settle(conn, dialect)  # the properties of inner pages' hits
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
