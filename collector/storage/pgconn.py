"""psycopg 3 behind the sqlite3-style calls that ``queries`` and ``records`` make.

``PgConnection`` is the one place where the shared SQL meets PostgreSQL: ``?`` placeholders
become ``%s``, ``executemany`` of an ``INSERT … VALUES (?, …)`` becomes multi-row INSERTs
(one round trip per few thousand rows instead of one per row), uuid columns read back as
text like SQLite's, and a connection lost to a server restart is replaced on next use.
The server's writer and readers use it, and so does the ingest writer's child process, with
the transaction steps (``Transactor``) and the SQL ``DIALECT`` defined here.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from psycopg.adapt import Loader
from psycopg.conninfo import conninfo_to_dict

from collector.errors import StoreUnavailable
from collector.storage import queries

_MAX_PARAMS = 30_000  # PostgreSQL allows 65,535 bind parameters per statement
_VALUES = re.compile(r"VALUES\s*(\((?:\s*\?\s*,)*\s*\?\s*\))", re.IGNORECASE)


# Completion rows reach PostgreSQL as one JSON array of arrays: json's C encoder writes it,
# PostgreSQL parses it in C. A multi-row VALUES costs psycopg about 20 µs of Python per row
# to parse the statement and adapt each value; this costs about 1.5 µs (groups of 500).
#
# Rows go in key order (uuid, then event: a uuid is unique within its event), so collectors
# inserting the same retried completions (a retry storm after an outage reaches them in any
# order) take their locks in one order and never deadlock, also when one uuid names several
# events; seq, which orders completions of one occurredAt, is numbered in the order they were
# sent (and of a completion sent twice, the first is kept).
_INSERT_COMPLETIONS = (
    "INSERT INTO completions (seq, portal_id, id, event_name, object_type, object_id,"
    " occurred_at, received_at, source, properties, adjustments) SELECT seq,"
    " (r->>0)::bigint, (r->>1)::uuid, r->>2, r->>3, (r->>4)::bigint, (r->>5)::bigint,"
    " (r->>6)::bigint, r->>7, r->>8, r->>9 FROM (SELECT nextval('completions_seq_seq') AS seq,"
    " r, n FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS sent(r, n) ORDER BY n)"
    " AS rows ORDER BY (r->>1)::uuid, r->>2, n ON CONFLICT (portal_id, id, event_name) DO NOTHING"
    " RETURNING event_name, occurred_at, adjustments IS NOT NULL"
)
# Text as UTF-8, not \u escapes, which PostgreSQL refuses outside UTF-8 databases.
_ROWS_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",", ":"))


def rows_json(rows: list[tuple[Any, ...]]) -> str:
    """The rows as one JSON array: by orjson (UTF-8 text too, five times faster), or by json
    for what orjson refuses (an integer past 64 bits; unpaired surrogates never get here)."""
    try:
        return orjson.dumps(rows).decode("utf-8")
    except TypeError:
        return _ROWS_JSON.encode(rows)


class _TextLoader(Loader):
    """Load a value as the text PostgreSQL sends (uuid columns come back as ``str``)."""

    def load(self, data: Any) -> str:
        return bytes(data).decode("utf-8")


@functools.lru_cache(maxsize=512)
def to_pg(sql: str) -> str:
    """``?`` placeholders to psycopg's ``%s`` (literal ``%`` doubled first)."""
    return sql.replace("%", "%%").replace("?", "%s")


@functools.lru_cache(maxsize=64)
def _multi_row(sql: str, rows: int) -> str | None:
    match = _VALUES.search(sql)
    if match is None:
        return None
    group = match.group(1)
    return to_pg(sql[:match.start(1)] + ",".join([group] * rows) + sql[match.end(1):])


@dataclass(frozen=True, slots=True)
class RowCount:
    rowcount: int


def describe(url: str) -> str:
    """The URL's host, port and database, without a password, for error messages."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(an invalid PostgreSQL URL)"
    host = info.get("host") or "localhost"
    return f"{host}:{info.get('port') or 5432}/{info.get('dbname') or ''}"


def connect(url: str, timeout: int = 5) -> psycopg.Connection[Any]:
    """An autocommit connection (transactions are explicit), or StoreUnavailable."""
    try:
        raw = psycopg.connect(url, autocommit=True, connect_timeout=timeout)
    except psycopg.Error as exc:
        raise StoreUnavailable(f"Cannot connect to PostgreSQL at {describe(url)}: "
                               f"{str(exc).strip()}") from exc
    raw.adapters.register_loader("uuid", _TextLoader)
    return raw


class PgConnection:
    def __init__(self, url: str) -> None:
        self.url = url
        self.raw = connect(url)

    def ensure(self) -> None:
        """Reconnect if the server dropped us (e.g. it restarted); raises StoreUnavailable."""
        if self.raw.closed or self.raw.broken:
            self.reconnect()

    def reconnect(self) -> None:
        self.raw.close()
        self.raw = connect(self.url)

    def execute(self, sql: str, params: Sequence[Any] | None = None, /) -> psycopg.Cursor[Any]:
        return self.raw.execute(to_pg(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]], /) -> RowCount:
        if not rows:
            return RowCount(0)
        width = len(rows[0])
        chunk = max(1, _MAX_PARAMS // max(width, 1))
        if _multi_row(sql, 1) is None:
            with self.raw.cursor() as cur:
                cur.executemany(to_pg(sql), rows)
                return RowCount(cur.rowcount)
        total = 0
        for start in range(0, len(rows), chunk):
            part = rows[start:start + chunk]
            statement = _multi_row(sql, len(part))
            assert statement is not None
            params = [value for row in part for value in row]
            total += self.raw.execute(statement, params).rowcount
        return RowCount(total)

    def insert_completions(self, rows: list[tuple[Any, ...]]) -> list[tuple[str, int, bool]]:
        """Completion rows (the columns of ``_INSERT_COMPLETIONS``), a stored uuid skipped:
        one short statement, prepared once, whatever the number of rows. Returns the event
        name, occurredAt and adjusted flag of each row stored."""
        if not rows:
            return []
        return self.raw.execute(_INSERT_COMPLETIONS, (rows_json(rows),),
                                prepare=True).fetchall()

    def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """``COPY table (columns) FROM STDIN``: bulk rows in one stream (imports' staging)."""
        with self.raw.cursor() as cur, cur.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def close(self) -> None:
        self.raw.close()


class Transactor:
    """The group-commit writer's view of PostgreSQL (see ``collector.storage.writer``)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def connect(self) -> PgConnection:
        return PgConnection(self.url)

    def begin(self, conn: PgConnection) -> None:
        conn.ensure()
        try:
            conn.raw.execute("BEGIN")
        except psycopg.OperationalError:  # dropped while idle (a restart, a proxy's timeout)
            conn.reconnect()  # nothing was sent yet: safe to start over once
            conn.raw.execute("BEGIN")

    def commit(self, conn: PgConnection) -> None:
        conn.raw.execute("COMMIT")

    def rollback(self, conn: PgConnection) -> None:
        if not (conn.raw.closed or conn.raw.broken):
            conn.raw.execute("ROLLBACK")

    def savepoint(self, conn: PgConnection) -> None:
        conn.raw.execute("SAVEPOINT job")

    def release(self, conn: PgConnection) -> None:
        conn.raw.execute("RELEASE SAVEPOINT job")

    def rollback_savepoint(self, conn: PgConnection) -> None:
        conn.raw.execute("ROLLBACK TO SAVEPOINT job")
        conn.raw.execute("RELEASE SAVEPOINT job")

    def close(self, conn: PgConnection) -> None:
        conn.close()

    def retryable(self, exc: Exception) -> bool:
        return isinstance(exc, _RACES)

    def transient(self, exc: Exception) -> bool:
        # StoreUnavailable: connect() or reconnect() found the server down. Splitting the
        # group would only try again, and log a traceback per part, during an outage.
        return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError
                          | StoreUnavailable)


DIALECT = queries.Dialect(json_text=lambda column, key: f"({column}::jsonb ->> '{key}')",
                          binary_order=' COLLATE "C"', lock_rows=" FOR NO KEY UPDATE",
                          keep_rows=" FOR KEY SHARE",
                          insert_completions=PgConnection.insert_completions)

_RACES = (psycopg.errors.UniqueViolation, psycopg.errors.DeadlockDetected,
          psycopg.errors.SerializationFailure)


def retrying(fn: Any, attempts: int = 3) -> Any:
    """Wrap a writer job so a race with another collector reruns it instead of failing.

    Two collectors creating the same contact, or locking the same usage rows in opposite
    orders, make one statement fail; the job's own savepoint (opened by the writer) undoes
    just that job and it runs again, now seeing the other collector's committed rows.
    """

    def run(tx: Any) -> Any:
        for attempt in range(attempts):
            try:
                return fn(tx)
            except _RACES:
                if attempt == attempts - 1:
                    raise
                tx.conn.raw.execute("ROLLBACK TO SAVEPOINT job")
        raise AssertionError("unreachable")

    return run
