"""The daily rollup ``completion_days``: completions per portal, event and UTC day.

Exact by construction. It changes only inside the transaction that inserts completions and
only by the rows that insert really stored: the ingest flush reads them back with
``RETURNING`` (a repeated uuid returns nothing), the import commit counts the staged rows
that are not stored yet and, should the insert store a different number (a uuid repeated
inside the file), counts the touched days again from the completions themselves.
Completions are never deleted, and the one update they get (an anonymous visitor's
completions moving to the identified contact) changes neither event, day nor adjustments.

A day is ``occurred_at // DAY_MS``: days start at midnight UTC.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # queries imports this module
    from collector.storage.queries import Connection

DAY_MS = 86_400_000

# (event name, UTC day) -> [completions, adjusted]
DayCounts = dict[tuple[str, int], list[int]]


def tally(counts: DayCounts, rows: Iterable[tuple[str, int, object]]) -> None:
    """Add ``(event name, occurred_at, has adjustments)`` rows to ``counts``."""
    for event_name, occurred_at, adjusted in rows:
        entry = counts.get((event_name, occurred_at // DAY_MS))
        if entry is None:
            counts[(event_name, occurred_at // DAY_MS)] = [1, 1 if adjusted else 0]
        else:
            entry[0] += 1
            if adjusted:
                entry[1] += 1


def add(conn: Connection, portal_id: int, counts: DayCounts) -> None:
    """Add ``counts`` to the portal's rollup rows, in key order (a fixed lock order)."""
    rows = [(portal_id, event, day, n, adjusted)
            for (event, day), (n, adjusted) in sorted(counts.items()) if n]
    if rows:
        conn.executemany(
            "INSERT INTO completion_days (portal_id, event_name, utc_day, completions, adjusted)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (portal_id, event_name, utc_day) DO UPDATE SET"
            " completions = completion_days.completions + excluded.completions,"
            " adjusted = completion_days.adjusted + excluded.adjusted", rows)


def new_import_days(conn: Connection, portal_id: int, staged: str) -> Counter[int]:
    """Staged import rows not stored yet, per UTC day of their occurred_at."""
    found: Counter[int] = Counter()
    for day, n in conn.execute(
            f"SELECT r.occurred_at / {DAY_MS}, count(*) FROM {staged} r WHERE NOT EXISTS"
            " (SELECT 1 FROM completions c WHERE c.portal_id = ? AND c.id = r.id)"
            f" GROUP BY r.occurred_at / {DAY_MS}", (portal_id,)).fetchall():
        found[int(day)] = int(n)
    return found


def add_import(conn: Connection, portal_id: int, event_name: str, expected: Mapping[int, int],
               inserted: int) -> None:
    """Count an import's inserted rows; recount its days when the insert stored fewer."""
    if inserted == sum(expected.values()):
        add(conn, portal_id, {(event_name, day): [n, 0] for day, n in expected.items()})
        return
    for day in sorted(expected):
        recount(conn, portal_id, event_name, day)


def recount(conn: Connection, portal_id: int, event_name: str, day: int) -> None:
    """Set one rollup row from the completions themselves."""
    n, adjusted = conn.execute(
        "SELECT count(*), coalesce(sum(CASE WHEN adjustments IS NULL THEN 0 ELSE 1 END), 0)"
        " FROM completions WHERE portal_id = ? AND event_name = ? AND occurred_at >= ?"
        " AND occurred_at < ?", (portal_id, event_name, day * DAY_MS, (day + 1) * DAY_MS),
    ).fetchone()
    conn.execute(
        "INSERT INTO completion_days (portal_id, event_name, utc_day, completions, adjusted)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (portal_id, event_name, utc_day) DO UPDATE SET"
        " completions = excluded.completions, adjusted = excluded.adjusted",
        (portal_id, event_name, day, int(n), int(adjusted)))
