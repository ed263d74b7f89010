"""How a failed group transaction is taken apart, on a real SQLite file: the writer thread's
(``GroupCommitWriter``) and the ingest child's (``ingest_worker.run_group``); and the jobs a
group leaves out."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from collector.errors import StoreUnavailable
from collector.model import NewCompletion
from collector.storage import ingest_worker
from collector.storage.identity import IdentityCache
from collector.storage.sqliteconn import DIALECT, SQLiteTransactor
from collector.storage.tx import Isolation, Tx
from collector.storage.writer import GroupCommitWriter
from tests.conftest import make_portals

Job = Callable[[Tx[sqlite3.Connection]], int]


class Poisoned(Exception):
    """A job's own failure (as a value the database refuses, or a bug, would be)."""


@contextlib.asynccontextmanager
async def busy_writer(
        path: Path) -> AsyncIterator[tuple[GroupCommitWriter[sqlite3.Connection], threading.Event]]:
    """A writer on ``path``, held busy by a first job until the event it yields is set: jobs
    submitted meanwhile wait and go out as the next group."""
    writer: GroupCommitWriter[sqlite3.Connection] = GroupCommitWriter(
        SQLiteTransactor(str(path), 5000))
    writer.start()
    busy, release = threading.Event(), threading.Event()

    def hold(tx: Tx[sqlite3.Connection]) -> None:
        busy.set()
        release.wait(10)

    try:
        held = asyncio.ensure_future(writer.submit(hold))
        await asyncio.get_running_loop().run_in_executor(None, busy.wait, 10)
        yield writer, release
        release.set()
        await held
    finally:
        release.set()
        writer.stop()


def run_one_group(path: Path, jobs: list[Job]) -> list[int | BaseException]:
    """Submit ``jobs`` (callables of a ``Tx``) so that they go out as one group: the writer
    is held busy until all of them are queued. Their results, or exceptions."""

    async def main() -> list[int | BaseException]:
        async with busy_writer(path) as (writer, release):
            waiting = [asyncio.ensure_future(writer.submit(job)) for job in jobs]
            await asyncio.sleep(0)  # every submit has queued its job
            release.set()
            return await asyncio.wait_for(
                asyncio.gather(*waiting, return_exceptions=True), timeout=20)

    return asyncio.run(main())


def table(tmp_path: Path) -> Path:
    path = tmp_path / "jobs.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE rows (n INTEGER PRIMARY KEY)")
    return path


def stored(path: Path) -> set[int]:
    with sqlite3.connect(path) as conn:
        return {n for (n,) in conn.execute("SELECT n FROM rows")}


def insert(number: int, poisoned: set[int], runs: list[int]) -> Job:
    def run(tx: Tx[sqlite3.Connection]) -> int:
        runs.append(number)
        tx.conn.execute("INSERT INTO rows (n) VALUES (?)", (number,))
        if number in poisoned:
            raise Poisoned(f"job {number}")
        return number
    return run


def test_the_writer_singles_out_the_few_jobs_at_fault(tmp_path: Path) -> None:
    path, poisoned = table(tmp_path), {3, 40, 41}
    runs: list[int] = []
    outcomes = run_one_group(path, [insert(n, poisoned, runs) for n in range(64)])
    assert {n for n, o in enumerate(outcomes) if isinstance(o, StoreUnavailable)} == poisoned
    assert [o for n, o in enumerate(outcomes) if n not in poisoned] == [
        n for n in range(64) if n not in poisoned]
    assert stored(path) == set(range(64)) - poisoned


def test_the_writer_stops_searching_when_every_job_fails(tmp_path: Path) -> None:
    """A fault common to all (a bug, a store broken in a way it does not report as such)
    must not cost a transaction per job and then some: the search has an allowance."""
    path = table(tmp_path)
    runs: list[int] = []
    outcomes = run_one_group(path, [insert(n, set(range(64)), runs) for n in range(64)])
    assert all(isinstance(o, StoreUnavailable) for o in outcomes)
    # Each failed transaction stops at its first job. The allowance for 64 jobs is 4·6 + 4
    # splits; taking every part apart down to single jobs would be 127 transactions.
    assert len(runs) == 2 * Isolation.for_group(64).splits + 1 == 57
    assert stored(path) == set()


def test_the_writer_keeps_a_commit_whose_after_commit_hook_fails(tmp_path: Path) -> None:
    path = table(tmp_path)
    runs: list[int] = []

    def hooked(tx: Tx[sqlite3.Connection]) -> int:
        def publish() -> None:
            raise RuntimeError("a bug in a cache")
        tx.after_commit(publish)
        return insert(99, set(), runs)(tx)

    assert run_one_group(path, [insert(1, set(), runs), hooked]) == [1, 99]
    assert run_one_group(path, [insert(2, set(), runs)]) == [2]  # and it still writes
    assert runs == [1, 99, 2]  # nothing ran twice
    assert stored(path) == {1, 2, 99}


class FlakyCache(IdentityCache):
    """An identity cache whose first publication fails."""

    failures = 1

    def clear_if_large(self, limit: int = 500_000) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("a bug in a cache")
        super().clear_if_large(limit)


def test_the_ingest_child_answers_a_committed_group_once(tmp_path: Path) -> None:
    """A failure after the commit is not the group's: it is answered as stored, and no
    part of it runs again (the view counters would count twice)."""
    path = str(tmp_path / "x.db")
    portal = make_portals(path, "p")[0].portal_id
    transactor = SQLiteTransactor(path, 5000)
    conn = transactor.connect()

    def hit(email: str) -> tuple[str, int, tuple[Any, ...]]:
        completion = NewCompletion(id=str(uuid.uuid4()), event_name="pageview",
                                   object_type="CONTACT", occurred_at=10**12,
                                   received_at=10**12, properties={}, source="JS",
                                   email=email)
        return ("hits", portal, ([completion], [], {"views": 1}, 10**9))

    try:
        cache = FlakyCache()
        outcomes = ingest_worker.run_group(transactor, DIALECT, conn, cache,
                                           [hit("a@example.com"), hit("b@example.com")])
        assert outcomes == [(True, 1), (True, 1)]
        (views,) = conn.execute("SELECT count FROM tracking_counters WHERE portal_id = ?"
                                " AND name = 'views'", (portal,)).fetchone()
        assert views == 2
        assert conn.execute("SELECT COUNT(*) FROM completions").fetchone() == (2,)
    finally:
        conn.close()


def test_a_job_whose_caller_went_away_while_it_waited_is_not_run(tmp_path: Path) -> None:
    """A request that had its answer (a timeout's 503) while its job waited behind a busy
    group is not written later, behind its client's back."""
    path = table(tmp_path)
    runs: list[int] = []

    async def main() -> list[Any]:
        async with busy_writer(path) as (writer, release):
            gone = asyncio.ensure_future(writer.submit(insert(1, set(), runs)))
            await asyncio.sleep(0)  # queued behind the job holding the writer
            gone.cancel()
            await asyncio.gather(gone, return_exceptions=True)
            release.set()
            return [await writer.submit(insert(2, set(), runs)), gone.cancelled()]

    assert asyncio.run(main()) == [2, True]
    assert runs == [2]
    assert stored(path) == {2}
