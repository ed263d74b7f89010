"""SQL of the contacts area: find contacts by email (or id), recently active contacts, and
each one's number of completions and latest completion. Portable SQL, every backend."""

from __future__ import annotations

import json
from typing import Any

from collector.analytics.model import ContactSummary
from collector.numerals import decimal
from collector.storage import merges
from collector.storage.queries import Connection, Dialect, like_literal

_RECENT_COMPLETIONS = 2000  # how far back "recently active" looks


def _like_pattern(text: str) -> str:
    return f"%{like_literal(text)}%"


def search(conn: Connection, dialect: Dialect, portal_id: int, text: str,
           limit: int) -> list[ContactSummary]:
    """Contacts whose email contains ``text`` (any case), or whose id is ``text`` (the
    contact an id was merged into, for a merged-away one); emails starting with it first,
    then by email."""
    needle = text.strip().lower()
    number = decimal(needle)
    exact_id = number if number is not None and number < 2**63 else -1
    if exact_id > 0:
        exact_id = merges.survivor(conn, portal_id, exact_id) or exact_id
    rows = conn.execute(
        "SELECT id, email, properties, created_at FROM objects WHERE portal_id = ?"
        " AND object_type = 'CONTACT' AND (id = ? OR lower(email) LIKE ? ESCAPE '\\')"
        " ORDER BY CASE WHEN id = ? THEN 0 WHEN lower(email) LIKE ? ESCAPE '\\' THEN 1"
        f" ELSE 2 END, email{dialect.binary_order}, id LIMIT ?",
        (portal_id, exact_id, _like_pattern(needle), exact_id,
         _like_pattern(needle)[1:], limit)).fetchall()
    return _with_activity(conn, portal_id, [_summary(r) for r in rows])


def recent(conn: Connection, portal_id: int, limit: int) -> list[ContactSummary]:
    """Contacts with the newest completions among the portal's latest ones, then the newest
    other contacts (created in the CRM, or whose completions are all older). An anonymous
    contact without completions is not listed: it is a visitor whose completions an identify
    moved to a known contact before schema version 8, which left the empty row behind
    (since then the row is deleted, see ``merges``)."""
    active = conn.execute(
        "SELECT object_id, max(occurred_at) AS latest FROM (SELECT object_id, occurred_at"
        " FROM completions WHERE portal_id = ? AND object_type = 'CONTACT'"
        " ORDER BY occurred_at DESC, seq DESC LIMIT ?) w GROUP BY object_id"
        " ORDER BY latest DESC, object_id DESC LIMIT ?",
        (portal_id, _RECENT_COMPLETIONS, limit)).fetchall()
    ids = [int(r[0]) for r in active]
    if len(ids) < limit:
        seen = f" AND id NOT IN ({','.join('?' * len(ids))})" if ids else ""
        ids += [int(r[0]) for r in conn.execute(
            "SELECT id FROM objects o WHERE portal_id = ? AND object_type = 'CONTACT'"
            f"{seen} AND (o.email IS NOT NULL OR EXISTS (SELECT 1 FROM completions c"
            " WHERE c.portal_id = o.portal_id AND c.object_type = 'CONTACT'"
            " AND c.object_id = o.id))"
            " ORDER BY id DESC LIMIT ?", (portal_id, *ids, limit - len(ids))).fetchall()]
    found = {c.id: c for c in load(conn, portal_id, ids)}
    return _with_activity(conn, portal_id, [found[i] for i in ids if i in found])


def load(conn: Connection, portal_id: int, ids: list[int]) -> list[ContactSummary]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        "SELECT id, email, properties, created_at FROM objects WHERE portal_id = ?"
        f" AND object_type = 'CONTACT' AND id IN ({marks})", (portal_id, *ids)).fetchall()
    return [_summary(r) for r in rows]


def _summary(row: Any) -> ContactSummary:
    return ContactSummary(int(row[0]), row[1], json.loads(row[2]), int(row[3]))


def _with_activity(conn: Connection, portal_id: int,
                   contacts: list[ContactSummary]) -> list[ContactSummary]:
    """The contacts with their completion counts and latest occurredAt filled in."""
    if not contacts:
        return []
    marks = ",".join("?" * len(contacts))
    stats = {int(r[0]): (int(r[1]), int(r[2])) for r in conn.execute(
        "SELECT object_id, count(*), max(occurred_at) FROM completions WHERE portal_id = ?"
        f" AND object_type = 'CONTACT' AND object_id IN ({marks}) GROUP BY object_id",
        (portal_id, *(c.id for c in contacts))).fetchall()}
    return [ContactSummary(c.id, c.email, c.properties, c.created_at, *stats.get(c.id, (0, None)))
            for c in contacts]


def one(conn: Connection, portal_id: int, contact_id: int) -> ContactSummary | None:
    """The contact with its completions per event, its count and latest completion, read
    from the ``completions_object`` index alone (it ends with event_name). A merged-away id
    reads as the contact it was merged into (with that contact's id)."""
    found = load(conn, portal_id, [contact_id])
    if not found and (into := merges.survivor(conn, portal_id, contact_id)) is not None:
        found = load(conn, portal_id, [into])
    if not found:
        return None
    contact_id = found[0].id
    events: dict[str, int] = {}
    latest = None
    # Summed here, not with GROUP BY: SQLite's planner (no statistics) would pick the index
    # ordered by event name and scan the whole portal.
    for name, occurred_at in conn.execute(
            "SELECT event_name, occurred_at FROM completions WHERE portal_id = ?"
            " AND object_type = 'CONTACT' AND object_id = ?", (portal_id, contact_id)):
        events[name] = events.get(name, 0) + 1
        latest = occurred_at if latest is None else max(latest, occurred_at)
    c = found[0]
    return ContactSummary(c.id, c.email, c.properties, c.created_at, sum(events.values()),
                          None if latest is None else int(latest), events)
