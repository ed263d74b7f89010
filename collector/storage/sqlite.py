"""The embedded SQLite backend: one file in WAL mode, FULL sync, group-committed writes."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from collector.errors import StoreUnavailable
from collector.storage import queries
from collector.storage.ingest_process import IngestProcess
from collector.storage.migrate import SCHEMA_MIGRATIONS, migrations
from collector.storage.sqliteconn import DIALECT, SQLiteTransactor
from collector.storage.sqlstore import SqlStore
from collector.storage.tx import Tx
from collector.storage.writer import GroupCommitWriter

T = TypeVar("T")


class SQLiteStore(SqlStore):
    dialect = DIALECT

    def __init__(self, path: str, *, busy_timeout_ms: int = 5000,
                 ingest_busy_timeout_ms: int = 30_000, commit_batch: int = 5000) -> None:
        super().__init__()
        self.path = str(Path(path))
        self._transactor = SQLiteTransactor(self.path, busy_timeout_ms)
        self._writer = GroupCommitWriter(self._transactor, max_weight=commit_batch)
        # Sends and hits wait out another writer's long transaction before they get 503: an
        # import's final commit holds the write lock for about 7 s per million rows.
        self._ingest_process = IngestProcess(
            self.path, max(busy_timeout_ms, ingest_busy_timeout_ms), commit_batch)
        self._readers: ThreadPoolExecutor | None = None
        self._pinger: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []

    async def open(self) -> None:
        await asyncio.to_thread(self._migrate)
        self._readers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="footfall-reader")
        self._pinger = ThreadPoolExecutor(max_workers=1, thread_name_prefix="footfall-ping")
        self._writer.start()

    async def warm_up(self) -> None:
        self._ingest_process.prestart()  # its child imports while the server starts

    async def close(self) -> None:
        await self._ingest_process.close()
        self._writer.stop()
        for pool in (self._readers, self._pinger):
            if pool is not None:
                pool.shutdown(wait=True)
        self._readers = self._pinger = None
        for conn in self._reader_conns:
            conn.close()
        self._reader_conns.clear()

    def _migrate(self) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = self._transactor.connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(SCHEMA_MIGRATIONS)
            applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for number, statements in migrations("sqlite"):
                if number not in applied:  # also a lower number merged in after a higher one
                    for statement in statements:
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

    async def _read(self, fn: Callable[[sqlite3.Connection], T], *, ping: bool = False) -> T:
        pool = self._pinger if ping else self._readers
        if pool is None:
            raise StoreUnavailable("The store is not open")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(pool, lambda: fn(self._reader()))
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"The store could not read: {exc}") from exc

    async def _ingest(self, kind: str, portal_id: int, args: tuple[Any, ...], weight: int) -> int:
        # Completions go to the child process writer (see ingest_process for why).
        return await self._ingest_process.submit(kind, portal_id, args, weight)

    async def _submit(self, job: Callable[[Tx[sqlite3.Connection]], T], weight: int,
                      savepoint: bool) -> T:
        return await self._writer.submit(job, weight, savepoint=savepoint)
