"""SQL of per-event analytics and contact timelines, written once for every backend.

Counts per day come from the rollup ``completion_days`` (see ``rollup``). Queries that read
property values run over a *window*: the most recent ``scope.window`` completions of the
event in the period, read newest first along the ``completions_event`` index, so their
cost is bounded however many completions the period holds (see ``collector.analytics``).
"""

from __future__ import annotations

import json
from typing import Any

from collector.analytics.model import (
    Breakdown,
    BreakdownRow,
    EventDay,
    EventTotals,
    Scope,
    WindowCounts,
)
from collector.model import StoredCompletion
from collector.storage.queries import Connection, Dialect
from collector.storage.rollup import DAY_MS

_ADJUSTED = "CASE WHEN adjustments IS NULL THEN 0 ELSE 1 END"


def event_totals(conn: Connection, portal_id: int, first_day: int,
                 last_day: int) -> list[EventTotals]:
    """Per event: completions and adjusted ones in ``[first_day, last_day]``, all-time
    completions and the latest day with any."""
    rows = conn.execute(
        "SELECT event_name,"
        " sum(CASE WHEN utc_day >= ? AND utc_day <= ? THEN completions ELSE 0 END),"
        " sum(CASE WHEN utc_day >= ? AND utc_day <= ? THEN adjusted ELSE 0 END),"
        " sum(completions), max(utc_day) FROM completion_days WHERE portal_id = ?"
        " GROUP BY event_name",
        (first_day, last_day, first_day, last_day, portal_id)).fetchall()
    return [EventTotals(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]


def event_days(conn: Connection, portal_id: int, event_name: str, first_day: int,
               last_day: int) -> list[EventDay]:
    rows = conn.execute(
        "SELECT utc_day, completions, adjusted FROM completion_days WHERE portal_id = ?"
        " AND event_name = ? AND utc_day >= ? AND utc_day <= ? ORDER BY utc_day",
        (portal_id, event_name, first_day, last_day)).fetchall()
    return [EventDay(event_name, int(r[0]), int(r[1]), int(r[2])) for r in rows]


def unique_records(conn: Connection, portal_id: int, event_name: str, start_ms: int,
                   end_ms: int) -> int:
    """Distinct objects with a completion of the event in ``[start_ms, end_ms)`` (exact),
    read from the ``completions_event`` index alone (it ends with object_id)."""
    row = conn.execute(
        "SELECT count(DISTINCT object_id) FROM completions WHERE portal_id = ?"
        " AND event_name = ? AND occurred_at >= ? AND occurred_at < ?",
        (portal_id, event_name, start_ms, end_ms)).fetchone()
    return int(row[0])


def _window(portal_id: int, scope: Scope, columns: str, limit: int,
            before: tuple[int, int] | None = None) -> tuple[str, list[Any]]:
    """The scope's window as a subquery: its newest ``limit`` completions, newest first."""
    sql = (f"SELECT {columns} FROM completions WHERE portal_id = ? AND event_name = ?"
           " AND occurred_at >= ? AND occurred_at < ?")
    params: list[Any] = [portal_id, scope.event_name, scope.start_ms, scope.end_ms]
    if before is not None:
        sql += " AND (occurred_at < ? OR (occurred_at = ? AND seq < ?))"
        params += [before[0], before[0], before[1]]
    return sql + " ORDER BY occurred_at DESC, seq DESC LIMIT ?", [*params, limit]


def _matching(dialect: Dialect, scope: Scope) -> tuple[str, list[str]]:
    """``WHERE`` clause of the scope's property filters on the window alias ``w``: the value
    itself, or for an enumeration one of the options it holds (options never hold ";")."""
    clauses: list[str] = []
    values: list[str] = []
    for key, value in scope.filters:
        expr = dialect.prop("w.properties", key)
        if key in scope.several:
            # replace() finds ";option;" case-sensitively on both backends (SQLite's LIKE
            # ignores ASCII case, PostgreSQL's does not).
            joined = f"(';' || {expr} || ';')"
            clauses.append(f"({expr} = ? OR replace({joined}, ?, '') <> {joined})")
            values += [value, f";{value};"]
        else:
            clauses.append(f"{expr} = ?")
            values.append(value)
    return (" WHERE " + " AND ".join(clauses), values) if clauses else ("", [])


def window_start(conn: Connection, portal_id: int, scope: Scope) -> int | None:
    """occurredAt of the oldest completion in the window when the period holds more
    completions than the window; None when the window covers the whole period."""
    sql, params = _window(portal_id, scope, "occurred_at", 2)
    rows = conn.execute(sql + " OFFSET ?", (*params, scope.window - 1)).fetchall()
    return int(rows[0][0]) if len(rows) == 2 else None


def window_counts(conn: Connection, dialect: Dialect, portal_id: int,
                  scope: Scope) -> WindowCounts:
    inner, params = _window(portal_id, scope, "occurred_at, object_id, properties, adjustments",
                            scope.window)
    where, values = _matching(dialect, scope)
    rows = conn.execute(
        f"SELECT w.occurred_at / {DAY_MS} AS d, w.object_id, count(*),"
        f" sum(CASE WHEN w.adjustments IS NULL THEN 0 ELSE 1 END) FROM ({inner}) w{where}"
        " GROUP BY d, w.object_id", (*params, *values)).fetchall()
    days: dict[int, tuple[int, int]] = {}
    objects = set()
    for day, object_id, n, adjusted in rows:
        before = days.get(int(day), (0, 0))
        days[int(day)] = (before[0] + int(n), before[1] + int(adjusted))
        objects.add(object_id)
    return WindowCounts(days, len(objects))


def breakdown(conn: Connection, dialect: Dialect, portal_id: int, scope: Scope, prop: str,
              top: int) -> Breakdown:
    """The ``top`` most frequent values of ``prop`` (ties by value, no value last)."""
    inner, params = _window(portal_id, scope, "properties", scope.window)
    where, values = _matching(dialect, scope)
    if prop in scope.several:
        return _options_breakdown(conn, dialect, prop, inner, where, [*params, *values], top)
    rows = conn.execute(
        "SELECT v, n, sum(n) OVER (), count(*) OVER () FROM ("
        f"SELECT {dialect.prop('w.properties', prop)} AS v, count(*) AS n FROM ({inner}) w"
        f"{where} GROUP BY v) g ORDER BY n DESC, v IS NULL, v{dialect.binary_order} LIMIT ?",
        (*params, *values, top)).fetchall()
    if not rows:
        return Breakdown(prop, (), 0, 0)
    return Breakdown(prop, tuple(BreakdownRow(r[0], int(r[1])) for r in rows),
                     int(rows[0][2]), int(rows[0][3]))


def _options_breakdown(conn: Connection, dialect: Dialect, prop: str, inner: str, where: str,
                       params: list[Any], top: int) -> Breakdown:
    """An enumeration's breakdown: each option a completion holds counts for that option
    ("s;m" for s and for m). The window's distinct values are few; they are split here."""
    groups = [(value, int(n)) for value, n in conn.execute(
        f"SELECT {dialect.prop('w.properties', prop)} AS v, count(*) FROM ({inner}) w{where}"
        " GROUP BY v", params).fetchall()]
    held = [(value.split(";") if value is not None else [None], n) for value, n in groups]
    counts: dict[str | None, int] = {}
    for options, n in held:
        for option in options:
            counts[option] = counts.get(option, 0) + n
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))
    shown = {value for value, _ in ordered[:top]}
    rest = sum(n for options, n in held if shown.isdisjoint(options))
    return Breakdown(prop, tuple(BreakdownRow(v, n) for v, n in ordered[:top]),
                     sum(n for _, n in groups), len(counts), rest)


_COLUMNS = ("seq, id, event_name, object_type, object_id, occurred_at, received_at, source,"
            " properties, adjustments")


def latest(conn: Connection, dialect: Dialect, portal_id: int, scope: Scope, limit: int,
           before: tuple[int, int] | None) -> list[StoredCompletion]:
    """The newest matching completions of the window (older than ``before`` when given).

    Read newest first straight from the table so that a common value stops the scan early;
    with filters, the scan stops at the window's oldest completion (ties included).
    """
    sql = (f"SELECT {_COLUMNS} FROM completions w WHERE portal_id = ? AND event_name = ?"
           " AND occurred_at >= ? AND occurred_at < ?")
    start = scope.start_ms
    if scope.filters:
        bounded = Scope(scope.event_name, scope.start_ms, scope.end_ms, (), scope.window)
        start = max(start, window_oldest(conn, portal_id, bounded, before) or start)
    params: list[Any] = [portal_id, scope.event_name, start, scope.end_ms]
    if before is not None:
        sql += " AND (occurred_at < ? OR (occurred_at = ? AND seq < ?))"
        params += [before[0], before[0], before[1]]
    where, values = _matching(dialect, scope)
    sql += where.replace(" WHERE ", " AND ", 1)
    rows = conn.execute(sql + " ORDER BY occurred_at DESC, seq DESC LIMIT ?",
                        (*params, *values, limit)).fetchall()
    return [completion_from_row(portal_id, r) for r in rows]


def window_oldest(conn: Connection, portal_id: int, scope: Scope,
                  before: tuple[int, int] | None = None) -> int | None:
    """occurredAt of the oldest completion in the window (None: the period has none)."""
    sql, params = _window(portal_id, scope, "occurred_at", scope.window, before)
    row = conn.execute(f"SELECT min(occurred_at) FROM ({sql}) w", params).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def completion_from_row(portal_id: int, r: Any) -> StoredCompletion:
    return StoredCompletion(int(r[0]), r[1], portal_id, r[2], r[3], int(r[4]), int(r[5]),
                            int(r[6]), r[7], json.loads(r[8]),
                            json.loads(r[9]) if r[9] else None)


def failed_counts(conn: Connection, portal_id: int, since_ms: int,
                  until_ms: int) -> dict[str, int]:
    """Failed hits received in ``[since_ms, until_ms)``, by the event name the hit carried."""
    rows = conn.execute("SELECT event_name, count(*) FROM failed_events WHERE portal_id = ?"
                        " AND received_at >= ? AND received_at < ? GROUP BY event_name",
                        (portal_id, since_ms, until_ms)).fetchall()
    return {r[0]: int(r[1]) for r in rows}

