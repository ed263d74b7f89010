"""The daily rollup ``completion_days``: completions per portal, event and UTC day.

Exact by construction. It changes only inside the transaction that inserts completions and
only by what that transaction stored:

- The ingest flush (HTTP sends, JS hits) counts the rows its insert returns as stored, so
  a skipped row (a uuid stored before, or sent twice in one group) is never counted and
  no day needs counting again (a retry storm after an outage costs no scans).
- The import commit counts the staged rows that are not stored yet, per day, before it
  inserts them; should the insert store a different number (a uuid repeated inside the
  file), it counts those days again the same way.

Counting a day again first locks its rollup row (an upsert that changes nothing), then
counts: a concurrent transaction's completions are either committed and counted, or still
waiting for that lock to add their own count. Completions are never deleted, and the one
update they get (an anonymous visitor's completions moving to the identified contact)
changes neither event, day nor adjustments.

A day is ``occurred_at // DAY_MS``: days start at midnight UTC.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # queries imports this module
    from collector.storage.queries import Connection

DAY_MS = 86_400_000

# (event name, UTC day) -> [completions, adjusted]
DayCounts = dict[tuple[str, int], list[int]]

_UPSERT = ("INSERT INTO completion_days (portal_id, event_name, utc_day, completions, adjusted)"
           " VALUES (?, ?, ?, ?, ?) ON CONFLICT (portal_id, event_name, utc_day) DO UPDATE SET"
           " completions = completion_days.completions + excluded.completions,"
           " adjusted = completion_days.adjusted + excluded.adjusted")


def count(days: DayCounts, event_name: str, occurred_at: int, adjusted: bool) -> None:
    """Count one completion into ``days``."""
    key = (event_name, occurred_at // DAY_MS)
    entry = days.get(key)
    if entry is None:
        days[key] = [1, 1 if adjusted else 0]
    else:
        entry[0] += 1
        if adjusted:
            entry[1] += 1


@dataclass
class Changes:
    """What one transaction does to a portal's rollup: counts to add, days to recount."""

    add: DayCounts = field(default_factory=dict)
    recount: set[tuple[str, int]] = field(default_factory=set)

    def merge(self, days: DayCounts, *, exact: bool) -> None:
        if not exact:
            self.recount.update(days)
            return
        for key, (n, adjusted) in days.items():
            entry = self.add.setdefault(key, [0, 0])
            entry[0] += n
            entry[1] += adjusted


def apply(conn: Connection, portal_id: int, changes: Changes) -> None:
    """Apply ``changes`` after the completions are inserted, in key order (one lock order).
    A recounted day reads every row of this transaction, so nothing is added for it."""
    adds = [(portal_id, event, day, n, adjusted)
            for (event, day), (n, adjusted) in sorted(changes.add.items())
            if n and (event, day) not in changes.recount]
    for key in sorted(changes.recount | {(row[1], row[2]) for row in adds}):
        if key in changes.recount:
            recount(conn, portal_id, *key)
        else:
            conn.execute(_UPSERT, (portal_id, key[0], key[1], *changes.add[key]))


def new_import_days(conn: Connection, portal_id: int, event_name: str,
                    staged: str) -> Counter[int]:
    """Staged import rows of ``event_name`` not stored yet, per UTC day of their
    occurred_at."""
    found: Counter[int] = Counter()
    for day, n in conn.execute(
            f"SELECT r.occurred_at / {DAY_MS}, count(*) FROM {staged} r WHERE NOT EXISTS"
            " (SELECT 1 FROM completions c WHERE c.portal_id = ? AND c.id = r.id"
            f" AND c.event_name = ?) GROUP BY r.occurred_at / {DAY_MS}",
            (portal_id, event_name)).fetchall():
        found[int(day)] = int(n)
    return found


def add_import(conn: Connection, portal_id: int, event_name: str, expected: Mapping[int, int],
               inserted: int) -> None:
    """Count an import's inserted rows; recount its days when the insert stored fewer."""
    exact = inserted == sum(expected.values())
    changes = Changes()
    changes.merge({(event_name, day): [n, 0] for day, n in expected.items()}, exact=exact)
    apply(conn, portal_id, changes)


def recount(conn: Connection, portal_id: int, event_name: str, day: int) -> None:
    """Set one rollup row from the completions themselves (lock the row, then count)."""
    conn.execute(_UPSERT, (portal_id, event_name, day, 0, 0))
    n, adjusted = conn.execute(
        "SELECT count(*), coalesce(sum(CASE WHEN adjustments IS NULL THEN 0 ELSE 1 END), 0)"
        " FROM completions WHERE portal_id = ? AND event_name = ? AND occurred_at >= ?"
        " AND occurred_at < ?", (portal_id, event_name, day * DAY_MS, (day + 1) * DAY_MS),
    ).fetchone()
    key = (portal_id, event_name, day)
    if int(n) == 0:  # only skipped rows fell on this day
        conn.execute("DELETE FROM completion_days WHERE portal_id = ? AND event_name = ?"
                     " AND utc_day = ?", key)
        return
    conn.execute("UPDATE completion_days SET completions = ?, adjusted = ? WHERE portal_id = ?"
                 " AND event_name = ? AND utc_day = ?", (int(n), int(adjusted), *key))
