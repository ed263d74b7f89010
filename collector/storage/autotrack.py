"""SQL of selector health: pages where a clicked-element selector matched nothing, and how
often and when each definition last fired (read from the completions themselves)."""

from __future__ import annotations

from typing import Any

from collector.storage.queries import Connection


def record_misses(conn: Connection, portal_id: int, names: list[str], url: str, now: int) -> None:
    rows = [(portal_id, name, url, now, now) for name in sorted(set(names))]
    if rows:
        conn.executemany(
            "INSERT INTO selector_misses (portal_id, event_name, url, count, first_seen_at,"
            " last_seen_at) VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (portal_id, event_name, url)"
            " DO UPDATE SET count = selector_misses.count + 1,"
            " last_seen_at = excluded.last_seen_at", rows)


def load_misses(conn: Connection, portal_id: int) -> dict[str, list[dict[str, Any]]]:
    """``{event name: [{url, count, firstSeenAt, lastSeenAt}, newest first]}``."""
    found: dict[str, list[dict[str, Any]]] = {}
    for name, url, count, first, last in conn.execute(
            "SELECT event_name, url, count, first_seen_at, last_seen_at FROM selector_misses"
            " WHERE portal_id = ? ORDER BY event_name, last_seen_at DESC, url",
            (portal_id,)).fetchall():
        found.setdefault(name, []).append({"url": url, "count": int(count),
                                           "firstSeenAt": int(first), "lastSeenAt": int(last)})
    return found


def load_fires(conn: Connection, portal_id: int, names: list[str]) -> dict[str, tuple[int, int]]:
    """``{event name: (completions, last occurredAt)}`` for the named events that fired:
    the count from the daily rollup (exact, a few rows per day), the latest time from the
    top of the event's index."""
    if not names:
        return {}
    marks = ", ".join("?" for _ in names)
    counts = conn.execute(
        f"SELECT event_name, sum(completions) FROM completion_days"
        f" WHERE portal_id = ? AND event_name IN ({marks}) GROUP BY event_name",
        (portal_id, *names)).fetchall()
    fires = {}
    for name, count in counts:
        row = conn.execute("SELECT max(occurred_at) FROM completions WHERE portal_id = ?"
                           " AND event_name = ?", (portal_id, name)).fetchone()
        if count and row and row[0] is not None:
            fires[name] = (int(count), int(row[0]))
    return fires
