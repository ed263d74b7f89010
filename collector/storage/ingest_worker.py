"""Child process of ``ingest_process``: read a group of jobs, run them in one transaction,
commit, answer. ``python -m collector.storage.ingest_worker PATH BUSY_TIMEOUT_MS``."""

from __future__ import annotations

import logging
import signal
import sys
from typing import Any

from collector.errors import ClientError
from collector.storage import tracking
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
from collector.storage.sqliteconn import DIALECT, SQLiteTransactor
from collector.storage.tx import Isolation, Tx

log = logging.getLogger("footfall.ingest")


Jobs = list[tuple[str, int, tuple[Any, ...]]]
Outcomes = list[tuple[bool, Any]]
Unavailable = tuple[str, str]


def run_group(transactor: SQLiteTransactor, conn: Any, cache: IdentityCache,
              jobs: Jobs, isolation: Isolation | None = None) -> Outcomes | Unavailable:
    """One transaction for the whole group; per job ``(True, result)`` or ``(False, error)``,
    or ``("unavailable", reason)`` when nothing of it was written.

    A group that failed, unless the store itself did (``transient``), may have failed for
    one job's sake (a value the database refuses, a bug): its halves run as transactions of
    their own, down to that job alone, so it fails by itself and the others are stored
    (within the ``Isolation`` allowance, after which what still fails fails together).
    """
    try:
        outcomes, tx = _transaction(transactor, conn, cache, jobs)
    except Exception as exc:  # the disk, a lock, a broken database, or one job's values
        transactor.rollback(conn)
        reason = f"{type(exc).__name__}: {exc}"
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
            run_group(transactor, conn, cache, part, isolation), len(part))]
    tx.run_after_commit()  # committed: nothing after this may undo or repeat it
    return outcomes


def _transaction(transactor: SQLiteTransactor, conn: Any, cache: IdentityCache,
                 jobs: Jobs) -> tuple[Outcomes, Tx[Any]]:
    """Run and commit ``jobs``; their outcomes, and the transaction whose after-commit
    hooks are still to run."""
    tx: Tx[Any] = Tx(conn)
    outcomes: Outcomes = []
    transactor.begin(conn)
    for kind, portal_id, args in jobs:
        try:
            if kind == "completions":
                result = store_completions(tx, DIALECT, cache, portal_id, *args)
            else:
                result = tracking.record_hits(tx, DIALECT, cache, portal_id, *args)
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


def main(path: str, busy_timeout_ms: int) -> None:
    # It ends when its input ends (the server closed it, or died); a stop signal sent to
    # every process of the service at once (systemd's default) must not cut a group short
    # while the server still waits for its answer.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    transactor = SQLiteTransactor(path, busy_timeout_ms)
    conn = transactor.connect()
    # Its statement journals stay in memory (small: one group's rows), not in a temporary
    # file opened and unlinked per group. Imports, which stage large temporary tables,
    # write through the server's own writer and keep files.
    conn.execute("PRAGMA temp_store = MEMORY")
    cache = IdentityCache()
    checkpointer = Checkpointer(transactor.connect)  # commits never wait for the copy back
    checkpointer.start()
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    try:
        while (jobs := read(source)) is not None:
            sink.write(encode(run_group(transactor, conn, cache, jobs_from_wire(jobs))))
            sink.flush()
            checkpointer.committed()
    finally:
        checkpointer.stop()
        conn.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
