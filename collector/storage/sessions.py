"""The touchpoint source of a visit, for the hits of its later pages.

A hit whose referrer is another page of the same site (``NewCompletion.visit_source``) says
nothing of how the visit began; per hit it would be DIRECT_TRAFFIC, and a visitor who came
from a search and read three pages would count once as the search and twice as direct.
Its ``hs_touchpoint_source`` is instead the one of the visitor's page view just before it,
if that one occurred at most ``VISIT_GAP_MS`` earlier (HubSpot's session timeout); else it
stays DIRECT_TRAFFIC. Page views only: a custom event may carry a source its page's code
sent (a chat's CONVERSATION), which is that event's, not the visit's.

The writer decides it when it flushes a transaction's rows, and before an identify merges
an anonymous visitor's completions into a contact's, so that every collector process gets
the same answer however requests were grouped: the transaction's own hits count in the
order they occurred (the tracker sends a closed tab's hits late, with the next page's), and
the stored completions are read for all of them in one statement.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from collector.model import PAGE_VIEW, NewCompletion
from collector.storage.jsontext import compact_text_json
from collector.storage.queries import OBJECT_ID, PROPERTIES, Connection, Dialect

VISIT_GAP_MS = 30 * 60_000
SOURCE = "hs_touchpoint_source"
# Hits per lookup statement (four parameters each), padded to one of a few sizes so that
# the statements stay prepared (SQLite's cache, psycopg's prepared statements).
_SIZES = (4, 16, 64, 300)


@dataclass(slots=True)
class _Hit:
    """A JS completion buffered in the transaction that has a part in a visit: a page view
    with a touchpoint source, or a hit waiting for its visit's."""

    portal_id: int
    rows: list[tuple[Any, ...]]  # the buffered row list it is in, at ``index``
    index: int
    order: int
    occurred_at: int
    source: str
    page_view: bool
    properties: dict[str, str] | None  # set while its source is the visit's, to be found


@dataclass
class Visits:
    """The transaction's JS completions that have a part in a visit (``tx.state``)."""

    hits: list[_Hit] = field(default_factory=list)
    open: bool = False  # some wait for their visit's source

    def add(self, portal_id: int, rows: list[tuple[Any, ...]], c: NewCompletion) -> str | None:
        """Note the JS completion about to be appended to ``rows``; its properties' JSON,
        or None when they are written at the flush (``settle``), once its visit's source
        is known."""
        source = c.properties.get(SOURCE)
        waits = c.visit_source
        page_view = c.event_name == PAGE_VIEW
        if source is None or not (waits or page_view):  # no part in a visit
            return compact_text_json(c.properties)
        self.hits.append(_Hit(portal_id, rows, len(rows), len(self.hits), c.occurred_at,
                              source, page_view, c.properties if waits else None))
        self.open = self.open or waits
        return None if waits else compact_text_json(c.properties)

    def settle(self, conn: Connection, dialect: Dialect) -> None:
        """Write the properties of every hit that waits, with its visit's source, as the
        contacts are now. The store runs it at the flush, and before an identify moves an
        anonymous visitor's completions to a contact: hits decided by then stay as they
        were, as if their request had been a transaction of its own."""
        if not self.open:
            return
        # By visitor: (occurredAt, order, source) of the page views that know their source.
        known: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
        for hit in self.hits:
            if hit.properties is None and hit.page_view:
                known.setdefault(_visitor(hit), []).append(
                    (hit.occurred_at, hit.order, hit.source))
        for entries in known.values():
            entries.sort()
        waiting = sorted((h for h in self.hits if h.properties is not None),
                         key=lambda h: (h.occurred_at, h.order))
        stored = _stored_sources(conn, dialect, [(*_visitor(h), h.occurred_at)
                                                 for h in waiting])
        for hit, earlier_stored in zip(waiting, stored, strict=True):
            entries = known.setdefault(_visitor(hit), [])
            source = _latest_source(hit, entries, earlier_stored)
            assert hit.properties is not None
            properties = {**hit.properties, SOURCE: source}  # the job's own stays as sent
            row = hit.rows[hit.index]
            hit.rows[hit.index] = (*row[:PROPERTIES], compact_text_json(properties),
                                   *row[PROPERTIES + 1:])
            hit.source, hit.properties = source, None  # decided: known to a later settle
            if hit.page_view:
                bisect.insort(entries, (hit.occurred_at, hit.order, source))
        self.open = False


def _latest_source(hit: _Hit, entries: list[tuple[int, int, str]],
                   stored: tuple[int, str] | None) -> str:
    """The source of the visitor's page view just before ``hit``: of the transaction's
    (``entries``) if it is as late as the stored one (it was sent after), neither if older
    than the gap (the hit's own DIRECT_TRAFFIC: a visit of its own)."""
    before = bisect.bisect_left(entries, (hit.occurred_at, hit.order))
    latest = stored
    if before:
        at, _, source = entries[before - 1]
        if stored is None or at >= stored[0]:
            latest = (at, source)
    if latest is None or latest[0] < hit.occurred_at - VISIT_GAP_MS:
        return hit.source
    return latest[1]


def _visitor(hit: _Hit) -> tuple[int, int]:
    """(portal, contact) of the hit's row as it is now (an identify moves rows)."""
    return hit.portal_id, hit.rows[hit.index][OBJECT_ID]


def _stored_sources(conn: Connection, dialect: Dialect, wanted: list[tuple[int, int, int]],
                    ) -> list[tuple[int, str] | None]:
    """For each (portal, contact, occurredAt): (occurredAt, touchpoint source) of the
    contact's latest stored page view at most ``VISIT_GAP_MS`` before, or None. One
    statement per chunk; each lookup is a short backward walk of ``completions_object``."""
    found: list[tuple[int, str] | None] = []
    source = dialect.prop("c.properties", SOURCE)
    for start in range(0, len(wanted), _SIZES[-1]):
        chunk = wanted[start:start + _SIZES[-1]]
        size = next(size for size in _SIZES if size >= len(chunk))
        padded = chunk + chunk[-1:] * (size - len(chunk))  # answers past the chunk unread
        values = ",".join(["(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT),"
                           " CAST(? AS BIGINT))"] * size)
        rows = conn.execute(
            f"WITH wanted (n, portal_id, contact, at) AS (VALUES {values})"
            f" SELECT (SELECT c.occurred_at || ' ' || {source} FROM completions c"
            f" WHERE c.portal_id = wanted.portal_id AND c.object_type = 'CONTACT'"
            f" AND c.object_id = wanted.contact"
            f" AND c.occurred_at BETWEEN wanted.at - {VISIT_GAP_MS} AND wanted.at"
            f" AND c.source = 'JS' AND c.event_name = '{PAGE_VIEW}' AND {source} IS NOT NULL"
            f" ORDER BY c.occurred_at DESC, c.seq DESC LIMIT 1) FROM wanted ORDER BY n",
            [value for n, row in enumerate(padded) for value in (n, *row)]).fetchall()
        for (text,) in rows[:len(chunk)]:
            if text is None:
                found.append(None)
            else:
                at, _, name = text.partition(" ")
                found.append((int(at), name))
    return found
