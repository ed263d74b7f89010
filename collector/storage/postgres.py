"""The scale-out PostgreSQL backend: many collector processes share one database.

Writes go through the same group-commit writers as SQLite (multi-row INSERTs, answers only
after COMMIT): ingest jobs of fewer than 100 completions (single sends, JS hits, small
batches) through the ingest child process, everything else through a writer thread; uuid
idempotency is the primary key ``(portal_id, id, event_name)`` (a uuid is unique within
its event, as HubSpot says) with ``ON CONFLICT DO NOTHING``, so two collectors receiving the
same retried completion store it once. Reads run on a few reader
threads, each with its own autocommit connection. Schema migrations run under an advisory
lock, so collectors that start together apply each version exactly once.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import psycopg

from collector.errors import StoreUnavailable
from collector.storage import queries
from collector.storage.ingest_process import IngestProcess
from collector.storage.migrate import SCHEMA_MIGRATIONS, migrations
from collector.storage.pgconn import DIALECT, PgConnection, Transactor, describe, retrying
from collector.storage.sqlstore import SqlStore
from collector.storage.tx import Tx
from collector.storage.writer import GroupCommitWriter

T = TypeVar("T")
_SMALL_JOB = 100  # completions: a job of fewer goes to the ingest child
_MIGRATION_LOCK = 0x466F6F7466616C6C  # "Footfall": one advisory lock key for schema changes


class PostgresStore(SqlStore):
    dialect = DIALECT

    def __init__(self, url: str, *, commit_batch: int = 5000, readers: int = 4,
                 answer_timeout: float = 60.0) -> None:
        super().__init__()
        self.url = url
        # A server that stops answering without closing the connection (a stopped process,
        # a partition that drops packets) held every request until it came back, or until
        # the kernel gave up on the path (~15 minutes). The work goes on in its thread; the
        # request gets its 503 (a write may still commit: a 503 is "not known to be stored").
        self.answer_timeout = answer_timeout
        self._writer = GroupCommitWriter(Transactor(url), max_weight=commit_batch)
        self._ingest_process = IngestProcess(url, 0, commit_batch)
        self._reader_count = readers
        self._readers: ThreadPoolExecutor | None = None
        self._pinger: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._reader_conns: list[PgConnection] = []
        self._lock = threading.Lock()

    async def open(self) -> None:
        await asyncio.to_thread(self._migrate)
        self._readers = ThreadPoolExecutor(max_workers=self._reader_count,
                                           thread_name_prefix="footfall-pg-reader")
        self._pinger = ThreadPoolExecutor(max_workers=1, thread_name_prefix="footfall-pg-ping")
        try:
            self._writer.start()
        except StoreUnavailable:
            await self.close()
            raise

    async def warm_up(self) -> None:
        self._ingest_process.prestart()

    async def close(self) -> None:
        # Writers stuck on a server that stopped answering (their requests had their 503)
        # are waited for at most the answer timeout. A reader stuck so still holds close.
        await self._ingest_process.close(timeout=self.answer_timeout)
        await asyncio.to_thread(self._writer.stop, self.answer_timeout)
        for pool in (self._readers, self._pinger):
            if pool is not None:
                pool.shutdown(wait=True)
        self._readers = self._pinger = None
        with self._lock:
            for conn in self._reader_conns:
                conn.close()
            self._reader_conns.clear()

    def _migrate(self) -> None:
        conn = PgConnection(self.url)
        try:
            conn.execute("SELECT pg_advisory_lock(?)", (_MIGRATION_LOCK,))
            conn.execute(SCHEMA_MIGRATIONS)
            applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for number, statements in migrations("postgresql"):
                if number not in applied:  # also a lower number merged in after a higher one
                    with conn.raw.transaction():
                        for statement in statements:
                            conn.raw.execute(statement)
                        conn.execute("INSERT INTO schema_migrations VALUES (?, ?)",
                                     (number, queries.now_ms()))
        except psycopg.Error as exc:
            raise StoreUnavailable(f"Cannot migrate the PostgreSQL database at "
                                   f"{describe(self.url)}: {str(exc).strip()}") from exc
        finally:
            conn.close()  # also releases the advisory lock

    # -- plumbing -------------------------------------------------------------------------

    def _reader(self) -> PgConnection:
        conn: PgConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = PgConnection(self.url)
            self._local.conn = conn
            with self._lock:
                self._reader_conns.append(conn)
        conn.ensure()
        return conn

    def _run_read(self, fn: Callable[[Any], T]) -> T:
        # A read is safe to repeat: after a lost connection, try once more on a new one.
        for attempt in (1, 2):
            try:
                return fn(self._reader())
            except psycopg.OperationalError as exc:
                if attempt == 2:
                    raise StoreUnavailable(f"The store could not read: {type(exc).__name__}") from exc
        raise AssertionError("unreachable")

    async def _read(self, fn: Callable[[Any], T], *, ping: bool = False) -> T:
        pool = self._pinger if ping else self._readers
        if pool is None:
            raise StoreUnavailable("The store is not open")
        loop = asyncio.get_running_loop()
        return await self._answered(loop.run_in_executor(pool, self._run_read, fn), "read")

    async def _ingest(self, kind: str, portal_id: int, args: tuple[Any, ...], weight: int) -> int:
        # A group's round trips to PostgreSQL from a thread of this process each wait for
        # the GIL behind the event loop: a group of single sends took ~4 ms, and a collector
        # answered 0.20x the bare route's rate; from the child, 0.26x (bench/pg_bench.py).
        # A batch stays here: pickling 500 completions to the child costs more CPU than it
        # saves, and batch ingest is CPU-bound (59-62k/s here against 50-57k/s there).
        if weight >= _SMALL_JOB:
            return await super()._ingest(kind, portal_id, args, weight)
        return await self._answered(
            self._ingest_process.submit(kind, portal_id, args, weight), "write")

    async def _submit(self, job: Callable[[Tx[PgConnection]], T], weight: int,
                      savepoint: bool) -> T:
        # Only a job inside its own savepoint can be rerun after losing a race.
        result: T = await self._answered(self._writer.submit(
            retrying(job) if savepoint else job, weight, savepoint=savepoint), "write")
        return result

    async def _answered(self, work: Awaitable[T], what: str) -> T:
        # asyncio.timeout, not wait_for: wait_for wraps the work in a task of its own (about
        # 10 µs of the event loop's time per call against asyncio.timeout's 6, measured).
        try:
            async with asyncio.timeout(self.answer_timeout):
                return await work
        except TimeoutError:
            raise StoreUnavailable(f"The store could not {what}: PostgreSQL did not answer"
                                   f" within {self.answer_timeout:g} s") from None
