"""The SQLite ingest writer child process: how jobs become groups; it dies, requests get 503, the
next write restarts it."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import sqlite3
import threading
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from collector.app import create_app
from collector.errors import StoreUnavailable
from collector.model import NewCompletion
from collector.portals import create_portal
from collector.settings import Settings
from collector.storage.ingest_process import IngestProcess
from collector.storage.sqlite import SQLiteStore

OVERLAP = IngestProcess.overlap_weight


def _completion() -> NewCompletion:
    return NewCompletion(id=str(uuid.uuid4()), event_name="e", object_type="CONTACT",
                         occurred_at=1_700_000_000_000, received_at=1_700_000_000_000,
                         properties={}, source="HTTP", email="ann@example.com")


@contextlib.asynccontextmanager
async def _writing(path: str, **options: int) -> AsyncIterator[tuple[SQLiteStore, int]]:
    """A store on ``path`` with a portal, its ingest child started by a first write."""
    store = SQLiteStore(path, **options)
    await store.open()
    try:
        portal = (await create_portal(store, "p")).portal_id
        assert await store.append_completions(portal, [_completion()], 10**9) == 1
        assert store._ingest_process._child is not None
        yield store, portal
    finally:
        await store.close()


def test_a_killed_writer_fails_its_group_and_is_restarted(tmp_path: Path) -> None:
    path = str(tmp_path / "f.db")

    async def scenario() -> tuple[int, int]:
        store = SQLiteStore(path, busy_timeout_ms=60_000)
        await store.open()
        try:
            portal = (await create_portal(store, "p")).portal_id
            assert await store.append_completions(portal, [_completion()], 10**9) == 1
            assert store._ingest_process._child is not None
            child = store._ingest_process._child.process
            # Hold the write lock so the child's next transaction waits inside BEGIN ...
            with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as blocker:
                blocker.execute("BEGIN IMMEDIATE")
                # Two groups reach its pipe (one in BEGIN, one waiting, each heavy enough
                # to go out beside the other); a third waits here.
                stuck = [asyncio.ensure_future(store.append_completions(
                    portal, [_completion() for _ in range(OVERLAP)], 10**9)) for _ in range(3)]
                await asyncio.sleep(0.2)
                assert len(store._ingest_process._child.in_flight) == 2
                child.kill()  # ... and die there, mid-transaction
                outcomes = await asyncio.gather(*stuck[:2], return_exceptions=True)
                blocker.execute("ROLLBACK")
            # The groups sent to the dead child fail; the one that waited went to a new child.
            assert [type(o) for o in outcomes] == [StoreUnavailable, StoreUnavailable]
            assert await stuck[2] == OVERLAP
            # Later writes, many at once, all go to the new child and commit.
            assert await asyncio.gather(*(store.append_completions(
                portal, [_completion()], 10**9) for _ in range(20))) == [1] * 20
            assert store._ingest_process._child is not None
            assert store._ingest_process._child.process is not child
            return portal, await store.count_completions(portal)
        finally:
            await store.close()

    _, stored = asyncio.run(scenario())
    assert stored == 21 + OVERLAP  # the acknowledged ones; nothing of the failed groups


def test_a_server_starts_the_writer_before_the_first_write(tmp_path: Path) -> None:
    """``create_app(warm=True)`` (what ``collector.asgi`` builds) starts the child at startup."""
    settings = dataclasses.replace(Settings(), database=str(tmp_path / "f.db"))
    for warm in (False, True):
        app = create_app(settings, warm=warm)
        with TestClient(app):
            ingest = app.state.services.store._ingest_process
            deadline = time.monotonic() + 10
            while warm and ingest._child is None and time.monotonic() < deadline:
                time.sleep(0.01)  # the spawn runs on the app's loop, in the client's thread
            if warm:
                assert ingest._child is not None
                assert ingest._child.process.returncode is None
            else:
                assert (ingest._starting, ingest._child) == (None, None)


def test_small_jobs_wait_to_leave_together_and_heavy_ones_go_out_beside(tmp_path: Path) -> None:
    """While a group is in flight, single completions gather into the next group; a group of
    ``overlap_weight`` completions goes out at once (the child starts it right after)."""
    path = str(tmp_path / "f.db")

    async def scenario() -> list[int]:
        async with _writing(path, busy_timeout_ms=60_000) as (store, portal):
            ingest = store._ingest_process
            assert ingest._child is not None
            in_flight = []
            with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as blocker:
                blocker.execute("BEGIN IMMEDIATE")  # the first group waits inside BEGIN
                jobs = [asyncio.ensure_future(store.append_completions(
                    portal, [_completion()], 10**9)) for _ in range(4)]
                await asyncio.sleep(0.1)
                in_flight.append(len(ingest._child.in_flight))  # the first one only
                jobs.append(asyncio.ensure_future(store.append_completions(
                    portal, [_completion() for _ in range(OVERLAP)], 10**9)))  # heavy
                await asyncio.sleep(0.1)
                in_flight.append(len(ingest._child.in_flight))  # the rest, with the heavy one
                blocker.execute("ROLLBACK")
            assert await asyncio.gather(*jobs) == [1, 1, 1, 1, OVERLAP]
            return [*in_flight, ingest.transactions, await store.count_completions(portal)]

    first, second, transactions, stored = asyncio.run(scenario())
    assert (first, second) == (1, 2)
    assert transactions == 3  # the warm-up; the first single; the other three with the heavy one
    assert stored == 5 + OVERLAP


def test_live_ingest_waits_out_another_writers_long_transaction(tmp_path: Path) -> None:
    """An import's final commit holds the write lock for seconds; sends wait, then commit.
    Only past the ingest writer's own (longer) busy timeout do they get 503."""
    path = str(tmp_path / "f.db")

    async def scenario(ingest_timeout_ms: int) -> tuple[bool, object]:
        async with _writing(path, busy_timeout_ms=100,
                            ingest_busy_timeout_ms=ingest_timeout_ms) as (store, portal):
            with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as blocker:
                blocker.execute("BEGIN IMMEDIATE")
                job = asyncio.ensure_future(store.append_completions(portal, [_completion()],
                                                                     10**9))
                await asyncio.sleep(1.0)  # ten times the store's general busy timeout
                waited = not job.done()
                blocker.execute("ROLLBACK")
            outcome = await asyncio.gather(job, return_exceptions=True)
            return waited, outcome[0]

    assert asyncio.run(scenario(10_000)) == (True, 1)
    waited, outcome = asyncio.run(scenario(100))
    assert not waited
    assert isinstance(outcome, StoreUnavailable)


def test_a_job_whose_request_went_away_before_it_was_sent_is_not_written(tmp_path: Path) -> None:
    """A request that had its answer while its job still waited for the group in flight (on
    PostgreSQL: its 503 after the store timeout) is not written later: nothing waits for it,
    and its client was told it was not stored."""
    path = str(tmp_path / "f.db")
    sent = [_completion() for _ in range(3)]

    async def scenario() -> None:
        async with _writing(path, ingest_busy_timeout_ms=10_000) as (store, portal):
            with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as blocker:
                blocker.execute("BEGIN IMMEDIATE")
                first = asyncio.ensure_future(store.append_completions(portal, [sent[0]], 10**9))
                await asyncio.sleep(0.3)  # in flight: the child waits for the write lock
                second = asyncio.ensure_future(store.append_completions(portal, [sent[1]], 10**9))
                await asyncio.sleep(0.1)  # waits for the next group
                second.cancel()
                blocker.execute("ROLLBACK")
            assert await first == 1
            assert second.cancelled()
            assert await store.append_completions(portal, [sent[2]], 10**9) == 1

    asyncio.run(scenario())
    with contextlib.closing(sqlite3.connect(path)) as conn:
        stored = {row[0] for row in conn.execute("SELECT id FROM completions")}
    assert sent[1].id not in stored
    assert {sent[0].id, sent[2].id} <= stored


def test_a_job_the_wire_cannot_carry_fails_alone(tmp_path: Path) -> None:
    """A job that cannot be pickled (a bug upstream) fails with its own error; the other jobs
    of its group are stored and the writer child lives on."""
    path = str(tmp_path / "f.db")

    async def scenario() -> tuple[list[int | BaseException], bool, int]:
        async with _writing(path, busy_timeout_ms=60_000) as (store, portal):
            ingest = store._ingest_process
            assert ingest._child is not None
            child = ingest._child.process
            unpicklable = _completion()
            # Deliberately not a property value: what a bug upstream could hand the wire.
            unpicklable.properties["x"] = lambda: 0  # type: ignore[assignment]
            with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as blocker:
                blocker.execute("BEGIN IMMEDIATE")  # one group waits in BEGIN; the rest gather
                first = asyncio.ensure_future(store.append_completions(portal, [_completion()],
                                                                       10**9))
                await asyncio.sleep(0.1)
                jobs = [asyncio.ensure_future(ingest.submit("completions", portal,
                                                            ([unpicklable], 10**9), 1)),
                        asyncio.ensure_future(store.append_completions(portal, [_completion()],
                                                                       10**9))]
                await asyncio.sleep(0.1)
                blocker.execute("ROLLBACK")
            outcomes = await asyncio.gather(first, *jobs, return_exceptions=True)
            alive = ingest._child is not None and ingest._child.process is child
            return outcomes, alive, await store.count_completions(portal)

    outcomes, alive, stored = asyncio.run(scenario())
    assert outcomes[0] == 1
    assert not isinstance(outcomes[1], StoreUnavailable)
    assert isinstance(outcomes[1], Exception)
    assert outcomes[2] == 1
    assert alive
    assert stored == 3


def test_the_writer_child_outlives_a_stop_signal_to_the_service(tmp_path: Path) -> None:
    """Ctrl-C or systemd's SIGTERM reaches every process of the service; the server then
    answers what is in flight and closes the child's input. The child must not die first
    (its group would be answered 503, a committed one too): it has a session of its own and
    ignores both signals, ending when its input ends."""
    path = str(tmp_path / "f.db")

    async def scenario() -> tuple[int, int | None, int]:
        async with _writing(path) as (store, portal):
            child = store._ingest_process._child
            assert child is not None
            for signal_number in (signal.SIGINT, signal.SIGTERM):
                os.kill(child.process.pid, signal_number)
            await asyncio.sleep(0.3)
            stored = await store.append_completions(portal, [_completion()], 10**9)
            assert store._ingest_process._child is child
            session = os.getsid(child.process.pid)
            return stored, child.process.returncode, session

    stored, returncode, session = asyncio.run(scenario())
    assert (stored, returncode) == (1, None)
    assert session != os.getsid(0)


def test_a_child_dropped_twice_reports_its_kill(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing kills a stuck child, and its reader, at the pipe's end, drops it again. The
    second kill went through asyncio's Process.kill, whose Popen.poll (before Python 3.13:
    CPython gh-87744) collected the dead child's status before asyncio's own watcher thread
    did; the watcher then reported 255 ('Unknown child process pid') for a killed child
    (test_postgres_faults' closing test on a busy machine). The watcher thread gets the CPU
    late here, as it may on a busy machine."""
    watcher = getattr(asyncio.unix_events, "ThreadedChildWatcher", None)
    if watcher is None:
        pytest.skip("no ThreadedChildWatcher (Python 3.14+ waits for children otherwise)")
    release = threading.Event()
    waitpid = watcher._do_waitpid

    def late(self: Any, *args: Any) -> None:
        release.wait(10)
        waitpid(self, *args)

    monkeypatch.setattr(watcher, "_do_waitpid", late)

    async def scenario() -> int:
        async with _writing(str(tmp_path / "f.db")) as (store, _):
            ingest = store._ingest_process
            child = ingest._child
            assert child is not None
            ingest._drop(child)  # close()'s kill
            for _ in range(500):  # until the kernel has made it (all its threads) a zombie
                with open(f"/proc/{child.process.pid}/stat") as stat:
                    state = stat.read().rsplit(")", 1)[1].split()[0]
                if state == "Z" and len(os.listdir(f"/proc/{child.process.pid}/task")) == 1:
                    break
                await asyncio.sleep(0.01)
            ingest._drop(child)  # the reader's, at the end of the child's output
            release.set()
            return await child.process.wait()

    assert asyncio.run(scenario()) == -signal.SIGKILL
