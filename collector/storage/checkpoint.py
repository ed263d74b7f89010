"""Copy SQLite's write-ahead log back into the database file from a thread of its own.

SQLite checkpoints automatically inside the commit that makes the log long enough, so the
requests waiting on that commit also wait for thousands of pages to be copied and synced
(a p99 of 10 ms at a quarter of peak load). The ingest writer runs this thread beside it
and tells it after each commit; at most every ``interval`` seconds it copies what the log
holds with a PASSIVE checkpoint, which never blocks a writer or a reader. Small, frequent
copies disturb the commits' own syncs least. When the log is fully copied between two
commits, the next commit starts it over from the beginning. The connections' own automatic
checkpoint stays as the bound on the log under sustained full load, and then finds little
left to copy.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

log = logging.getLogger("footfall.checkpoint")


class Checkpointer:
    def __init__(self, connect: Callable[[], sqlite3.Connection], interval: float = 0.01) -> None:
        self._connect, self.interval = connect, interval
        self._committed = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.passes = 0  # completed checkpoints (for tests and diagnostics)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="footfall-checkpoint", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """A commit added to the log (cheap: call it after every commit)."""
        self._committed.set()

    def stop(self) -> None:
        self._stop.set()
        self._committed.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        try:
            conn = self._connect()
        except sqlite3.Error as exc:  # the commits' own checkpoints still bound the log
            log.warning("No background checkpoints: %s", exc)
            return
        failing = False
        try:
            while self._committed.wait() and not self._stop.is_set():
                self._committed.clear()
                try:
                    checkpoint(conn)
                    self.passes += 1
                    failing = False
                except sqlite3.Error as exc:  # say so once; the commits' own checkpoint stays
                    if not failing:
                        log.warning("Background checkpoint failed: %s", exc)
                    failing = True
                self._stop.wait(self.interval)  # commits meanwhile wait for the next copy
        finally:
            conn.close()


def checkpoint(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """One PASSIVE checkpoint: (busy, frames in the log, frames copied to the database)."""
    busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(busy), int(frames), int(copied)
