"""The background checkpointer copies SQLite's log into the database file off the commit path."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from collector.model import NewCompletion
from collector.portals import create_portal
from collector.storage.checkpoint import Checkpointer, checkpoint
from collector.storage.sqlite import SQLiteStore


def _connect(path: Path) -> Callable[[], sqlite3.Connection]:
    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA wal_autocheckpoint = 0")  # only the checkpointer copies
        return conn
    return connect


@contextlib.contextmanager
def _writer(path: Path) -> Iterator[sqlite3.Connection]:
    conn = _connect(path)()
    conn.execute("CREATE TABLE IF NOT EXISTS t (v TEXT)")
    try:
        yield conn
    finally:
        conn.close()


def _copied_back(path: Path, reader: sqlite3.Connection) -> bool:
    """True when the database file itself holds every page (the log is fully copied)."""
    pages, size = (int(reader.execute(f"PRAGMA {p}").fetchone()[0])
                   for p in ("page_count", "page_size"))
    return os.path.getsize(path) == pages * size


def _wait(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)  # polling a file size; nothing to wait on
    return condition()


def test_checkpoint_copies_the_whole_log(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with _writer(path) as conn:
        conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,) for _ in range(200)])
        assert not _copied_back(path, conn)
        with contextlib.closing(_connect(path)()) as other:
            busy, frames, copied = checkpoint(other)
        assert (busy, copied) == (0, frames)
        assert frames > 20
        assert _copied_back(path, conn)


def test_the_thread_copies_after_a_commit_and_sleeps_while_idle(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    checkpointer = Checkpointer(_connect(path), interval=0.01)
    with _writer(path) as conn:
        checkpointer.start()
        try:
            time.sleep(0.1)
            assert checkpointer.passes == 0  # no commit told it: it never woke
            for round_ in range(3):
                conn.executemany("INSERT INTO t VALUES (?)", [("y" * 500,) for _ in range(100)])
                assert not _copied_back(path, conn)
                checkpointer.committed()
                assert _wait(lambda: _copied_back(path, conn)), f"round {round_}"
        finally:
            checkpointer.stop()
    assert checkpointer.passes >= 3
    assert checkpointer._thread is None


def test_the_ingest_writer_copies_its_commits_back(tmp_path: Path) -> None:
    """Far below the connections' automatic threshold, the database file still fills."""
    path = tmp_path / "f.db"

    async def ingest() -> None:
        store = SQLiteStore(str(path))
        await store.open()
        try:
            portal = (await create_portal(store, "p")).portal_id
            completions = [NewCompletion(
                id=str(uuid.uuid4()), event_name="e", object_type="CONTACT",
                occurred_at=1_700_000_000_000, received_at=1_700_000_000_000,
                properties={"text": "z" * 300}, source="HTTP", email=f"u{i}@example.com")
                for i in range(300)]
            assert await store.append_completions(portal, completions, 10**9) == 300
            with contextlib.closing(sqlite3.connect(path, check_same_thread=False)) as reader:
                assert await asyncio.to_thread(_wait, lambda: _copied_back(path, reader))
        finally:
            await store.close()

    asyncio.run(ingest())
