"""The touchpoint source of a visit, for the hits of its later pages.

A hit whose referrer is another page of the same site (``NewCompletion.visit_source``) says
nothing of how the visit began; per hit it would be DIRECT_TRAFFIC, and a visitor who came
from a search and read three pages would count once as the search and twice as direct.
Its ``hs_touchpoint_source`` is instead the visitor's latest JS completion's, if that one
occurred at most ``VISIT_GAP_MS`` before (HubSpot's session timeout); else it stays
DIRECT_TRAFFIC. The writer decides it once the contact is known, from the rows stored and
those buffered in its transaction, so every collector process gets the same answer.
"""

from __future__ import annotations

from typing import Any

from collector.storage.queries import Connection, Dialect

VISIT_GAP_MS = 30 * 60_000
SOURCE = "hs_touchpoint_source"
# (portal, contact) -> (occurredAt, source) of the latest JS completion buffered
Buffered = dict[tuple[int, int], tuple[int, str]]


def visit_source(conn: Connection, dialect: Dialect, buffered: Buffered, portal_id: int,
                 contact: int, occurred_at: int) -> str | None:
    """The source of the visit a hit at ``occurred_at`` belongs to, or None (a new visit)."""
    earlier = buffered.get((portal_id, contact))
    if earlier is not None and occurred_at - VISIT_GAP_MS <= earlier[0] <= occurred_at:
        return earlier[1]
    source = dialect.prop("properties", SOURCE)
    row = conn.execute(
        f"SELECT {source} FROM completions WHERE portal_id = ? AND object_type = 'CONTACT'"
        f" AND object_id = ? AND occurred_at BETWEEN ? AND ? AND source = 'JS'"
        f" AND {source} IS NOT NULL ORDER BY occurred_at DESC, seq DESC LIMIT 1",
        (portal_id, contact, occurred_at - VISIT_GAP_MS, occurred_at)).fetchone()
    return row[0] if row else None


def remember(buffered: Buffered, portal_id: int, contact: int, occurred_at: int,
             properties: dict[str, Any]) -> None:
    """Note a JS completion buffered in this transaction, for the hits after it."""
    source = properties.get(SOURCE)
    if source is None:
        return
    key = (portal_id, contact)
    earlier = buffered.get(key)
    if earlier is None or earlier[0] <= occurred_at:
        buffered[key] = (occurred_at, source)
