"""The embedded SQLite backend: one file in WAL mode, FULL sync, group-committed writes."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from collector.errors import ClientError, Conflict, FieldError, StoreUnavailable
from collector.model import (
    CompletionQuery,
    CrmObject,
    EventDefinition,
    FailedHit,
    NewCompletion,
    StoredCompletion,
)
from collector.storage import queries, tracking
from collector.storage.base import Store
from collector.storage.codec import definition_from_doc, definition_to_doc
from collector.storage.writer import AfterCommit, GroupCommitWriter

T = TypeVar("T")
DIALECT = queries.Dialect(json_text=lambda column, key: f"json_extract({column}, '$.{key}')")


def migrations() -> list[tuple[int, str]]:
    """Versioned schema files, oldest first: ``(version, sql)``."""
    folder = resources.files("collector.storage").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text("utf-8")))
    return sorted(found)


class _Transactor:
    def __init__(self, path: str, busy_timeout_ms: int) -> None:
        self.path, self.busy_timeout_ms = path, busy_timeout_ms

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")  # an acknowledged commit survives power loss
        return conn

    def begin(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")

    def commit(self, conn: sqlite3.Connection) -> None:
        conn.execute("COMMIT")

    def rollback(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            conn.execute("ROLLBACK")

    def savepoint(self, conn: sqlite3.Connection) -> None:
        conn.execute("SAVEPOINT job")

    def release(self, conn: sqlite3.Connection) -> None:
        conn.execute("RELEASE job")

    def rollback_savepoint(self, conn: sqlite3.Connection) -> None:
        conn.execute("ROLLBACK TO job")
        conn.execute("RELEASE job")

    def close(self, conn: sqlite3.Connection) -> None:
        conn.close()


class SQLiteStore(Store):
    def __init__(self, path: str, *, busy_timeout_ms: int = 5000, commit_batch: int = 5000) -> None:
        self.path = str(Path(path))
        self._transactor = _Transactor(self.path, busy_timeout_ms)
        self._writer = GroupCommitWriter(self._transactor, max_weight=commit_batch)
        self._readers: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._cache = queries.IdentityCache()

    async def open(self) -> None:
        await asyncio.to_thread(self._migrate)
        self._readers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="footfall-reader")
        self._writer.start()

    async def close(self) -> None:
        self._writer.stop()
        if self._readers is not None:
            self._readers.shutdown(wait=True)
            self._readers = None
        for conn in self._reader_conns:
            conn.close()
        self._reader_conns.clear()

    def _migrate(self) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = self._transactor.connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations"
                         " (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
            current = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations")
            version = current.fetchone()[0]
            for number, sql in migrations():
                if number > version:
                    for statement in sql.split(";\n"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute("INSERT INTO schema_migrations VALUES (?, ?)",
                                 (number, queries.now_ms()))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"Cannot open the SQLite database {self.path}: {exc}") from exc
        finally:
            conn.close()

    # -- plumbing -------------------------------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._transactor.connect()
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            self._reader_conns.append(conn)
        return conn

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._readers is None:
            raise StoreUnavailable("The store is not open")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._readers, lambda: fn(self._reader()))
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"The store could not read: {exc}") from exc

    async def _write(self, fn: Callable[[sqlite3.Connection], T | AfterCommit[T]], weight: int = 1) -> T:
        return await self._writer.submit(fn, weight)

    # -- secrets, portals, tokens ---------------------------------------------------------

    async def secret(self, name: str) -> bytes:
        def run(conn: sqlite3.Connection) -> bytes:
            key = f"secret:{name}"
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
                         (key, secrets.token_hex(32)))
            return bytes.fromhex(conn.execute("SELECT value FROM meta WHERE key = ?",
                                              (key,)).fetchone()[0])
        return await self._write(run)

    async def create_portal(self, name: str, token_hash: str) -> int:
        def run(conn: sqlite3.Connection) -> int:
            portal_id: int = conn.execute(
                "INSERT INTO portals (name, created_at) VALUES (?, ?) RETURNING id",
                (name, queries.now_ms())).fetchone()[0]
            _insert_token(conn, portal_id, token_hash, "default")
            return portal_id
        return await self._write(run)

    async def add_token(self, portal_id: int, token_hash: str, name: str) -> None:
        await self._write(lambda conn: _insert_token(conn, portal_id, token_hash, name))

    async def portal_for_token(self, token_hash: str) -> int | None:
        def run(conn: sqlite3.Connection) -> int | None:
            row = conn.execute("SELECT portal_id FROM tokens WHERE token_hash = ?"
                               " AND revoked_at IS NULL", (token_hash,)).fetchone()
            return row[0] if row else None
        return await self._read(run)

    async def portal_count(self) -> int:
        return await self._read(lambda c: int(c.execute("SELECT count(*) FROM portals").fetchone()[0]))

    # -- definitions ----------------------------------------------------------------------

    async def load_definitions(self, portal_id: int) -> list[EventDefinition]:
        def run(conn: sqlite3.Connection) -> list[EventDefinition]:
            rows = conn.execute("SELECT id, name, archived, body FROM event_definitions"
                                " WHERE portal_id = ? ORDER BY id", (portal_id,)).fetchall()
            return [definition_from_doc(portal_id, r[0], r[1], bool(r[2]), r[3]) for r in rows]
        return await self._read(run)

    async def insert_definition(self, definition: EventDefinition, max_active: int) -> int:
        def run(conn: sqlite3.Connection) -> int:
            d = definition
            taken = conn.execute("SELECT archived FROM event_definitions WHERE portal_id = ?"
                                 " AND name = ?", (d.portal_id, d.name)).fetchone()
            if taken:
                state = "an archived" if taken[0] else "an"
                raise Conflict(f"{state.capitalize()} event definition named {d.name!r} exists",
                               (FieldError("name", "is already taken", "CONFLICT"),))
            active = conn.execute("SELECT count(*) FROM event_definitions WHERE portal_id = ?"
                                  " AND archived = 0", (d.portal_id,)).fetchone()[0]
            if active >= max_active:
                raise ClientError(f"A portal can have at most {max_active} event definitions",
                                  (FieldError("name", f"limit of {max_active} reached", "LIMIT"),))
            new_id: int = conn.execute(
                "INSERT INTO event_definitions (portal_id, name, archived, body) VALUES"
                " (?, ?, 0, ?) RETURNING id", (d.portal_id, d.name, definition_to_doc(d))).fetchone()[0]
            return new_id
        return await self._write(run)

    async def save_definition(self, definition: EventDefinition) -> None:
        d = definition
        await self._write(lambda conn: conn.execute(
            "UPDATE event_definitions SET archived = ?, body = ? WHERE portal_id = ? AND id = ?",
            (int(d.archived), definition_to_doc(d), d.portal_id, d.id)))

    # -- objects --------------------------------------------------------------------------

    async def create_object(self, portal_id: int, object_type: str,
                            properties: dict[str, str]) -> CrmObject:
        return await self._write(
            lambda conn: queries.insert_object(conn, portal_id, object_type, properties))

    async def get_object(self, portal_id: int, object_type: str, object_id: int) -> CrmObject | None:
        return await self._read(
            lambda conn: queries.get_object(conn, portal_id, object_type, object_id))

    async def find_object(self, portal_id: int, object_type: str, prop: str,
                          value: str) -> CrmObject | None:
        return await self._read(lambda conn: queries.find_object(
            conn, DIALECT, portal_id, object_type, prop, value))

    # -- completions ----------------------------------------------------------------------

    async def append_completions(self, portal_id: int, completions: list[NewCompletion],
                                 monthly_quota: int) -> int:
        if not completions:
            return 0
        inserted: int = await self._write(
            lambda conn: queries.store_completions(conn, DIALECT, self._cache, portal_id,
                                                   completions, monthly_quota),
            weight=len(completions))
        return inserted

    async def query_completions(self, portal_id: int,
                                query: CompletionQuery) -> list[StoredCompletion]:
        return await self._read(
            lambda conn: queries.query_completions(conn, DIALECT, portal_id, query))

    async def count_completions(self, portal_id: int) -> int:
        return await self._read(lambda conn: int(conn.execute(
            "SELECT count(*) FROM completions WHERE portal_id = ?", (portal_id,)).fetchone()[0]))


    # -- JS tracking ----------------------------------------------------------------------

    async def load_tracking_settings(self, portal_id: int) -> dict[str, Any] | None:
        return await self._read(lambda conn: tracking.load_settings(conn, portal_id))

    async def save_tracking_settings(self, portal_id: int, body: dict[str, Any]) -> None:
        await self._write(lambda conn: tracking.save_settings(conn, portal_id, body))

    async def record_js_hits(self, portal_id: int, completions: list[NewCompletion],
                             failed: list[FailedHit], counters: dict[str, int],
                             monthly_quota: int) -> int:
        inserted: int = await self._write(
            lambda conn: tracking.record_hits(conn, DIALECT, self._cache, portal_id, completions,
                                              failed, counters, monthly_quota),
            weight=max(1, len(completions)))
        return inserted

    async def list_failed_events(self, portal_id: int, limit: int,
                                 before: int | None = None) -> list[dict[str, Any]]:
        return await self._read(lambda conn: tracking.list_failed(conn, portal_id, limit, before))

    async def tracking_counters(self, portal_id: int) -> dict[str, int]:
        return await self._read(lambda conn: tracking.load_counters(conn, portal_id))


def _insert_token(conn: sqlite3.Connection, portal_id: int, token_hash: str, name: str) -> None:
    conn.execute("INSERT INTO tokens (token_hash, portal_id, name, created_at) VALUES (?, ?, ?, ?)",
                 (token_hash, portal_id, name, queries.now_ms()))
