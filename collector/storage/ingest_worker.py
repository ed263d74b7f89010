"""Child process of ``ingest_process``: read a group of jobs, run them in one transaction,
commit, answer. ``python -m collector.storage.ingest_worker``; its first message names the
database (a SQLite path or a PostgreSQL URL, read from the pipe so that a password never
shows in the process list) and SQLite's busy timeout."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from typing import Any, BinaryIO

from collector.errors import ClientError
from collector.storage import is_postgres_url, tracking
from collector.storage.checkpoint import Checkpointer
from collector.storage.identity import IdentityCache
from collector.storage.ingest_sql import store_completions
from collector.storage.ingest_wire import (
    encode,
    error_to_wire,
    jobs_from_wire,
    read,
    unavailable_to_wire,
)
from collector.storage.queries import Dialect
from collector.storage.sqliteconn import DIALECT as SQLITE
from collector.storage.sqliteconn import SQLiteTransactor
from collector.storage.tx import Isolation, Transactor, Tx, failure_reason

log = logging.getLogger("footfall.ingest")


Jobs = list[tuple[str, int, tuple[Any, ...]]]
Outcomes = list[tuple[bool, Any]]
Unavailable = tuple[str, str]
_ATTEMPTS = 3  # runs of a group that lost a race with another collector (PostgreSQL)


def run_group(transactor: Transactor[Any], dialect: Dialect, conn: Any, cache: IdentityCache,
              jobs: Jobs, isolation: Isolation | None = None) -> Outcomes | Unavailable:
    """One transaction for the whole group; per job ``(True, result)`` or ``(False, error)``,
    or ``("unavailable", reason)`` when nothing of it was written.

    A group that lost a race with another writer of the database (``retryable``: two
    collectors creating one contact) is rolled back and run again, whole. One that failed
    otherwise, unless the store itself did (``transient``), may have failed for one job's
    sake (a value the database refuses, a bug): its halves run as transactions of their
    own, down to that job alone, so it fails by itself and the others are stored (within the
    ``Isolation`` allowance, after which what still fails fails together).
    """
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            outcomes, tx = _transaction(transactor, dialect, conn, cache, jobs)
        except Exception as exc:  # the disk, a lock, a broken database, or one job's values
            _roll_back(transactor, conn)
            if attempt < _ATTEMPTS and transactor.retryable(exc):
                log.info("a group of %d ingest jobs lost a race (%s); running it again",
                         len(jobs), type(exc).__name__)
                continue
            return _failed(transactor, dialect, conn, cache, jobs, exc, isolation)
        tx.run_after_commit()  # committed: nothing after this may undo or repeat it
        return outcomes
    raise AssertionError("unreachable")


def _roll_back(transactor: Transactor[Any], conn: Any) -> None:
    try:
        transactor.rollback(conn)
    except Exception:  # the group's own failure is what its answer reports
        log.exception("rollback failed")


def _failed(transactor: Transactor[Any], dialect: Dialect, conn: Any, cache: IdentityCache,
            jobs: Jobs, exc: Exception, isolation: Isolation | None) -> Outcomes | Unavailable:
    """``jobs``' transaction failed: its halves' outcomes, or the whole group unavailable."""
    reason = failure_reason(exc)
    if transactor.transient(exc):
        return ("unavailable", reason)
    if len(jobs) == 1:
        log.error("an ingest job failed alone: %s", reason, exc_info=exc)
        return ("unavailable", reason)
    if isolation is None:
        isolation = Isolation.for_group(len(jobs))
        log.warning("a group of %d ingest jobs failed (%s); running its parts apart",
                    len(jobs), reason)
    if not isolation.split():
        return ("unavailable", reason)
    half = len(jobs) // 2
    return [outcome for part in (jobs[:half], jobs[half:]) for outcome in _outcomes(
        run_group(transactor, dialect, conn, cache, part, isolation), len(part))]


def _transaction(transactor: Transactor[Any], dialect: Dialect, conn: Any, cache: IdentityCache,
                 jobs: Jobs) -> tuple[Outcomes, Tx[Any]]:
    """Run and commit ``jobs``; their outcomes, and the transaction whose after-commit
    hooks are still to run."""
    tx: Tx[Any] = Tx(conn)
    outcomes: Outcomes = []
    transactor.begin(conn)
    for kind, portal_id, args in jobs:
        try:
            if kind == "completions":
                result = store_completions(tx, dialect, cache, portal_id, *args)
            else:
                result = tracking.record_hits(tx, dialect, cache, portal_id, *args)
            outcomes.append((True, result))
        except ClientError as exc:  # raised before the job wrote or buffered anything
            outcomes.append((False, error_to_wire(exc)))
    tx.run_before_commit()
    transactor.commit(conn)
    return outcomes, tx


def _outcomes(answer: Outcomes | Unavailable, jobs: int) -> Outcomes:
    """A part's answer as one outcome per job (a failed part fails each of its jobs)."""
    if isinstance(answer, tuple):
        return [(False, unavailable_to_wire(answer[1]))] * jobs
    return answer


def serve(source: BinaryIO, sink: BinaryIO, transactor: Transactor[Any], dialect: Dialect,
          committed: Callable[[], None] = lambda: None) -> None:
    """Answer each group ``source`` sends until it ends. The connection is opened for the
    first group: while the store cannot be reached, each group is answered unavailable at
    once and the next one tries again (the child neither dies nor is started again for
    every write). A connection lost later is the transactor's to replace (``begin``)."""
    cache = IdentityCache()
    conn: Any = None
    try:
        while (jobs := read(source)) is not None:
            answer: Outcomes | Unavailable
            if conn is None:
                try:
                    conn = transactor.connect()
                except Exception as exc:
                    if not transactor.transient(exc):
                        raise
                    answer = ("unavailable", failure_reason(exc))
            if conn is not None:
                answer = run_group(transactor, dialect, conn, cache, jobs_from_wire(jobs))
            sink.write(encode(answer))
            sink.flush()
            committed()
    finally:
        if conn is not None:
            transactor.close(conn)


class _SQLiteIngest(SQLiteTransactor):
    def connect(self) -> Any:
        conn = super().connect()
        # Its statement journals stay in memory (small: one group's rows), not in a
        # temporary file opened and unlinked per group. Imports, which stage large
        # temporary tables, write through the server's own writer and keep files.
        conn.execute("PRAGMA temp_store = MEMORY")
        return conn


def main() -> None:
    # It ends when its input ends (the server closed it, or died); a stop signal sent to
    # every process of the service at once (systemd's default) must not cut a group short
    # while the server still waits for its answer.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    opening = read(source)
    if opening is None:
        return
    database, busy_timeout_ms = opening
    if is_postgres_url(database):
        from collector.storage import pgconn  # psycopg: imported only where it is used

        serve(source, sink, pgconn.Transactor(database), pgconn.DIALECT)
        return
    transactor = _SQLiteIngest(database, busy_timeout_ms)
    checkpointer = Checkpointer(transactor.connect)  # commits never wait for the copy back
    checkpointer.start()
    try:
        serve(source, sink, transactor, SQLITE, checkpointer.committed)
    finally:
        checkpointer.stop()


if __name__ == "__main__":
    main()
