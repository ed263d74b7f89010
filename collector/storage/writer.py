"""Group commit: one writer thread, many requests per transaction, answers after COMMIT.

Callers ``await writer.submit(job, weight)``. The writer thread takes every job waiting
(up to ``max_weight``), runs them in one transaction with a savepoint per job, commits,
and only then resolves the callers' futures on their event loops. A job that raises a
``ClientError`` is rolled back to its savepoint alone; if BEGIN or COMMIT fails, every job
of that transaction gets ``StoreUnavailable`` and nothing of it is acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from collector.errors import ClientError, StoreUnavailable

log = logging.getLogger("footfall.writer")
T = TypeVar("T")
Conn = TypeVar("Conn")


class Transactor(Protocol[Conn]):
    """What a backend gives the writer: a connection and its transaction verbs."""

    def connect(self) -> Conn: ...
    def begin(self, conn: Conn) -> None: ...
    def commit(self, conn: Conn) -> None: ...
    def rollback(self, conn: Conn) -> None: ...
    def savepoint(self, conn: Conn) -> None: ...
    def release(self, conn: Conn) -> None: ...
    def rollback_savepoint(self, conn: Conn) -> None: ...
    def close(self, conn: Conn) -> None: ...


@dataclass(slots=True)
class _Job(Generic[Conn]):
    run: Callable[[Conn], Any]
    weight: int
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    after_commit: list[Callable[[], None]] = field(default_factory=list)


_STOP = object()


class GroupCommitWriter(Generic[Conn]):
    def __init__(self, transactor: Transactor[Conn], max_weight: int = 5000) -> None:
        self._transactor = transactor
        self._max_weight = max_weight
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.transactions = 0

    def start(self) -> None:
        ready: queue.SimpleQueue[BaseException | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._main, args=(ready,), name="footfall-writer",
                                        daemon=True)
        self._thread.start()
        error = ready.get()
        if error is not None:
            raise error

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    async def submit(self, run: Callable[[Conn], T | AfterCommit[T]], weight: int = 1) -> T:
        """Run ``run(conn)`` inside a group transaction; return its result once committed."""
        if self._thread is None:
            raise StoreUnavailable("The store is not open")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Job(run, weight, loop, future))
        return await future

    def _main(self, ready: queue.SimpleQueue[BaseException | None]) -> None:
        try:
            conn = self._transactor.connect()
        except BaseException as exc:  # reported to start()
            ready.put(exc)
            return
        ready.put(None)
        try:
            while True:
                batch, stop = self._take()
                if batch:
                    self._run_batch(conn, batch)
                if stop:
                    return
        finally:
            self._transactor.close(conn)

    def _take(self) -> tuple[list[_Job[Conn]], bool]:
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch: list[_Job[Conn]] = [first]
        weight = first.weight
        while weight < self._max_weight:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is _STOP:
                return batch, True
            batch.append(job)
            weight += job.weight
        return batch, False

    def _run_batch(self, conn: Conn, batch: list[_Job[Conn]]) -> None:
        tx = self._transactor
        outcomes: list[tuple[bool, Any]] = []
        try:
            tx.begin(conn)
            for job in batch:
                outcomes.append(self._run_job(conn, job))
            tx.commit(conn)
            self.transactions += 1
        except Exception as exc:
            log.exception("group commit of %d jobs failed", len(batch))
            try:
                tx.rollback(conn)
            except Exception:
                log.exception("rollback failed")
            failure = StoreUnavailable(f"The store could not write: {type(exc).__name__}")
            _resolve_all([(job, False, failure) for job in batch])
            return
        for job, (ok, _) in zip(batch, outcomes, strict=True):
            if ok:
                for hook in job.after_commit:
                    hook()
        _resolve_all([(job, ok, value) for job, (ok, value) in zip(batch, outcomes, strict=True)])

    def _run_job(self, conn: Conn, job: _Job[Conn]) -> tuple[bool, Any]:
        tx = self._transactor
        tx.savepoint(conn)
        try:
            result = job.run(conn)
        except ClientError as exc:
            tx.rollback_savepoint(conn)
            return False, exc
        tx.release(conn)
        if isinstance(result, AfterCommit):
            job.after_commit.append(result.hook)
            result = result.value
        return True, result


@dataclass(frozen=True, slots=True)
class AfterCommit(Generic[T]):
    """A job result with a hook to run only if the transaction commits (e.g. cache fills)."""

    value: T
    hook: Callable[[], None]


def _resolve_all(settled: list[tuple[_Job[Any], bool, Any]]) -> None:
    """Settle futures with one wake-up per event loop rather than one per job."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Job[Any], bool, Any]]] = {}
    for item in settled:
        by_loop.setdefault(item[0].loop, []).append(item)
    for loop, items in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, items)
        except RuntimeError:  # that loop has closed; its callers are gone
            log.warning("event loop closed before %d results were delivered", len(items))


def _settle(items: list[tuple[_Job[Any], bool, Any]]) -> None:
    for job, ok, value in items:
        if job.future.done():  # the caller went away (e.g. client disconnected)
            continue
        if ok:
            job.future.set_result(value)
        else:
            job.future.set_exception(value)
