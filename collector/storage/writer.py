"""Group commit: one writer thread, many requests per transaction, answers after COMMIT.

Callers ``await writer.submit(job, weight)``. The writer thread takes every job waiting
(up to ``max_weight``), runs each as ``job(tx)`` in one transaction, runs the transaction's
``before_commit`` steps (e.g. one multi-row insert for every buffered completion), commits,
and only then resolves the callers' futures on their event loops.

A job that raises a ``ClientError`` is undone alone: by default each job runs inside a
savepoint; a job submitted with ``savepoint=False`` promises to raise only before it writes
or buffers anything. If the transaction fails otherwise, nothing of it is acknowledged: when
the store itself failed, every job gets ``StoreUnavailable``; else its halves are run apart
until the job at fault fails alone (see ``_run``).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from collector.errors import ClientError, StoreUnavailable
from collector.logthrottle import Throttled
from collector.storage.tx import Isolation, Transactor, Tx, failure_reason

log = logging.getLogger("footfall.writer")
_outages = Throttled(log)
T = TypeVar("T")
Conn = TypeVar("Conn")


@dataclass(slots=True)
class _Job(Generic[Conn]):
    run: Callable[[Tx[Conn]], Any]
    weight: int
    savepoint: bool
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    outcome: tuple[bool, Any] = field(default=(False, None))


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
            self._thread = None
            raise error

    def stop(self, timeout: float | None = None) -> None:
        """Stop once the jobs queued so far are done, waiting at most ``timeout`` seconds:
        a thread stuck on a store that stopped answering is left behind (a daemon)."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("the writer did not stop within %g s: the store does not answer",
                            timeout)
            self._thread = None

    async def submit(self, run: Callable[[Tx[Conn]], T], weight: int = 1, *,
                     savepoint: bool = True) -> T:
        """Run ``run(tx)`` inside a group transaction; return its result once committed."""
        if self._thread is None:
            raise StoreUnavailable("The store is not open")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Job(run, weight, savepoint, loop, future))
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
        """The next group, and whether the writer is to stop after it. A job whose caller
        has gone (its request had its 503 from a timeout while the job waited) is left out:
        nothing waits for it, and its client was told it was not stored."""
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch: list[_Job[Conn]] = [first]
        weight = first.weight
        stop = False
        while weight < self._max_weight:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is _STOP:
                stop = True
                break
            batch.append(job)
            weight += job.weight
        # done() is read off the loop's thread: a flag the loop sets. A job whose caller goes
        # away just after is run, as before; none is left out that still has a caller.
        return [job for job in batch if not job.future.done()], stop

    def _run_batch(self, conn: Conn, batch: list[_Job[Conn]]) -> None:
        self._run(conn, batch)
        _resolve_all(batch)

    def _run(self, conn: Conn, batch: list[_Job[Conn]], isolation: Isolation | None = None,
             attempts: int = 3) -> None:
        """One transaction for ``batch``, each job's outcome set. One that lost a race with
        another writer of the same database (``Transactor.retryable``: a deadlock, say) is
        rolled back and run again, whole: jobs change nothing outside it until the commit.
        One that failed otherwise, unless the store itself did (``Transactor.transient``),
        may have failed for one job's sake (a value the database refuses, a bug): its halves
        run as transactions of their own, down to that job alone, so it fails by itself
        (within the ``Isolation`` allowance, after which what still fails fails together)."""
        for attempt in range(1, attempts + 1):
            tx: Tx[Conn] = Tx(conn)
            try:
                self._transaction(tx, batch)
            except Exception as exc:
                self._roll_back(conn)
                if attempt < attempts and self._transactor.retryable(exc):
                    log.info("group commit of %d jobs lost a race (%s); running it again",
                             len(batch), type(exc).__name__)
                    continue
                self._failed(conn, batch, exc, isolation)
            else:
                self.transactions += 1
                tx.run_after_commit()
            return

    def _transaction(self, tx: Tx[Conn], batch: list[_Job[Conn]]) -> None:
        self._transactor.begin(tx.conn)
        for job in batch:
            job.outcome = self._run_job(tx, job)
        tx.run_before_commit()
        self._transactor.commit(tx.conn)

    def _failed(self, conn: Conn, batch: list[_Job[Conn]], exc: Exception,
                isolation: Isolation | None) -> None:
        """``batch``'s transaction failed: its halves run apart (see ``_run``), or each of
        its jobs fails with ``StoreUnavailable``."""
        transient = self._transactor.transient(exc)
        if len(batch) > 1 and not transient:
            if isolation is None:
                isolation = Isolation.for_group(len(batch))
                log.warning("group commit of %d jobs failed (%s); running its parts apart",
                            len(batch), type(exc).__name__)
            if isolation.split():
                half = len(batch) // 2
                self._run(conn, batch[:half], isolation)
                self._run(conn, batch[half:], isolation)
                return
        reason = failure_reason(exc)
        if transient:  # the store is down: every group says so
            _outages.warn("group commit of %d jobs failed: %s", len(batch), reason)
        else:
            log.error("group commit of %d jobs failed", len(batch), exc_info=exc)
        failure = StoreUnavailable(f"The store could not write: {reason}")
        for job in batch:
            job.outcome = (False, failure)

    def _roll_back(self, conn: Conn) -> None:
        try:
            self._transactor.rollback(conn)
        except Exception:
            log.exception("rollback failed")

    def _run_job(self, tx: Tx[Conn], job: _Job[Conn]) -> tuple[bool, Any]:
        if job.savepoint:
            self._transactor.savepoint(tx.conn)
        try:
            result = job.run(tx)
        except ClientError as exc:
            if job.savepoint:
                self._transactor.rollback_savepoint(tx.conn)
            return False, exc
        if job.savepoint:
            self._transactor.release(tx.conn)
        return True, result


def _resolve_all(batch: list[_Job[Any]]) -> None:
    """Settle futures with one wake-up per event loop rather than one per job."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Job[Any]]] = {}
    for job in batch:
        by_loop.setdefault(job.loop, []).append(job)
    for loop, jobs in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, jobs)
        except RuntimeError:  # that loop has closed; its callers are gone
            log.warning("event loop closed before %d results were delivered", len(jobs))


def _settle(jobs: list[_Job[Any]]) -> None:
    for job in jobs:
        if job.future.done():  # the caller went away (e.g. client disconnected)
            continue
        ok, value = job.outcome
        if ok:
            job.future.set_result(value)
        else:
            job.future.set_exception(value)
