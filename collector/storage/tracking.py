"""SQL of the JS tracking path: tracking settings, failed events and counters.

Portable SQL with ``?`` placeholders, run on any backend's connection (see ``queries``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from collector.errors import NotFound
from collector.model import FailedHit, NewCompletion
from collector.storage.identity import IdentityCache
from collector.storage.ingest_sql import store_completions
from collector.storage.queries import Connection, Dialect, now_ms
from collector.storage.tx import Tx


def load_settings(conn: Connection, portal_id: int) -> dict[str, Any] | None:
    """The portal's tracking settings document ({} if never set); None if no such portal."""
    row = conn.execute("SELECT t.body FROM portals p LEFT JOIN tracking_settings t"
                       " ON t.portal_id = p.id WHERE p.id = ?", (portal_id,)).fetchone()
    if row is None:
        return None
    return json.loads(row[0]) if row[0] else {}


def change_settings(conn: Connection, dialect: Dialect, portal_id: int,
                    change: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """Read, change and save the portal's tracking settings in the caller's write
    transaction, with the portal's row locked meanwhile: changes made at the same moment
    (other processes' too) apply one after the other, none lost."""
    if conn.execute(f"SELECT 1 FROM portals WHERE id = ?{dialect.lock_rows}",
                    (portal_id,)).fetchone() is None:
        raise NotFound(f"No portal {portal_id}")
    updated = change(load_settings(conn, portal_id) or {})
    save_settings(conn, portal_id, updated)
    return updated


def save_settings(conn: Connection, portal_id: int, body: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO tracking_settings (portal_id, body, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (portal_id) DO UPDATE SET body = excluded.body,"
        " updated_at = excluded.updated_at",
        (portal_id, json.dumps(body, separators=(",", ":")), now_ms()))


def insert_failed(conn: Connection, portal_id: int, failed: list[FailedHit]) -> None:
    if failed:
        conn.executemany(
            "INSERT INTO failed_events (portal_id, id, event_name, reason, received_at, body)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (portal_id, id) DO NOTHING",
            [(portal_id, f.id, f.event_name, f.reason, f.received_at,
              json.dumps(f.body, separators=(",", ":"))) for f in failed])


def bump_counters(conn: Connection, portal_id: int, counters: dict[str, int]) -> None:
    rows = [(portal_id, name, count) for name, count in sorted(counters.items()) if count]
    if rows:
        conn.executemany(
            "INSERT INTO tracking_counters (portal_id, name, count) VALUES (?, ?, ?)"
            " ON CONFLICT (portal_id, name) DO UPDATE SET"
            " count = tracking_counters.count + excluded.count", rows)


def record_hits(tx: Tx[Any], dialect: Dialect, cache: IdentityCache, portal_id: int,
                completions: list[NewCompletion], failed: list[FailedHit],
                counters: dict[str, int], quota: int) -> int:
    """One writer job for a JS request: completions, failed events and counters together.

    Like ``store_completions`` it raises only before writing anything (no savepoint needed).
    """
    count = store_completions(tx, dialect, cache, portal_id, completions, quota) if completions else 0
    insert_failed(tx.conn, portal_id, failed)
    bump_counters(tx.conn, portal_id, counters)
    return count


def list_failed(conn: Connection, portal_id: int, limit: int,
                before: int | None) -> list[dict[str, Any]]:
    params: list[Any] = [portal_id]
    where = "portal_id = ?"
    if before is not None:
        where += " AND seq < ?"
        params.append(before)
    rows = conn.execute(
        f"SELECT seq, id, event_name, reason, received_at, body FROM failed_events"
        f" WHERE {where} ORDER BY seq DESC LIMIT ?", (*params, limit)).fetchall()
    return [{"seq": r[0], "id": r[1], "eventName": r[2], "reason": r[3], "receivedAt": r[4],
             "hit": json.loads(r[5])} for r in rows]


def load_counters(conn: Connection, portal_id: int) -> dict[str, int]:
    rows = conn.execute("SELECT name, count FROM tracking_counters WHERE portal_id = ?"
                        " ORDER BY name", (portal_id,)).fetchall()
    return {r[0]: int(r[1]) for r in rows}
