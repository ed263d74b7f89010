"""SQL of the contacts area: find contacts by email (or id), recently active contacts, and
each one's number of completions and latest completion. Portable SQL, every backend."""

from __future__ import annotations

import json
from typing import Any

from collector.analytics.model import ContactSummary
from collector.model import is_decimal
from collector.storage.queries import Connection, Dialect

_RECENT_COMPLETIONS = 2000  # how far back "recently active" looks


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(conn: Connection, dialect: Dialect, portal_id: int, text: str,
           limit: int) -> list[ContactSummary]:
    """Contacts whose email contains ``text`` (any case), or whose id is ``text``;
    emails starting with it first, then by email."""
    needle = text.strip().lower()
    exact_id = int(needle) if is_decimal(needle) and len(needle) < 19 else -1
    rows = conn.execute(
        "SELECT id, email, properties, created_at FROM objects WHERE portal_id = ?"
        " AND object_type = 'CONTACT' AND (id = ? OR lower(email) LIKE ? ESCAPE '\\')"
        " ORDER BY CASE WHEN id = ? THEN 0 WHEN lower(email) LIKE ? ESCAPE '\\' THEN 1"
        f" ELSE 2 END, email{dialect.binary_order}, id LIMIT ?",
        (portal_id, exact_id, _like_pattern(needle), exact_id,
         _like_pattern(needle)[1:], limit)).fetchall()
    return _with_activity(conn, portal_id, [_summary(r) for r in rows])


def recent(conn: Connection, portal_id: int, limit: int) -> list[ContactSummary]:
    """Contacts with the newest completions, then the newest contacts without one."""
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
            "SELECT id FROM objects WHERE portal_id = ? AND object_type = 'CONTACT'"
            f"{seen} ORDER BY id DESC LIMIT ?", (portal_id, *ids, limit - len(ids))).fetchall()]
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
    """The contact with its completions per event, its count and latest completion.

    One index seek per event name the portal has data for (``completions_event_object``),
    so a contact with a hundred thousand completions costs no more than one with ten.
    Object ids are unique across object types, so the id alone picks the contact's rows.
    """
    found = load(conn, portal_id, [contact_id])
    if not found:
        return None
    names = [r[0] for r in conn.execute("SELECT DISTINCT event_name FROM completion_days"
                                        " WHERE portal_id = ?", (portal_id,)).fetchall()]
    rows = []
    for start in range(0, len(names), 500):
        part = names[start:start + 500]
        rows += conn.execute(
            "SELECT event_name, count(*), max(occurred_at) FROM completions WHERE portal_id = ?"
            f" AND event_name IN ({','.join('?' * len(part))}) AND object_id = ?"
            " GROUP BY event_name", (portal_id, *part, contact_id)).fetchall()
    c = found[0]
    return ContactSummary(c.id, c.email, c.properties, c.created_at,
                          sum(int(r[1]) for r in rows),
                          max((int(r[2]) for r in rows), default=None),
                          {r[0]: int(r[1]) for r in rows})
