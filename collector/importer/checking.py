"""Read and check a file's rows batch by batch, here or in a child process.

A large file is read and checked in a child process so that the writer (staging rows into
the database) has the other core. The child gets one ``CheckJob`` (picklable: the table,
the plan, the date format, the limits, the clock) and sends back ``(rows read, checked
batch)`` messages, then ``None``; an error it meets (such as a malformed row further down
the file) is sent back and raised here. The child starts as soon as the header is read, so it
checks while this process counts the rows; it runs at most a few batches ahead, so a slow
writer slows the reader and memory stays bounded. If this process dies, the child's next write
fails and it exits; if the child dies, this side raises.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from collector.errors import FootfallError
from collector.importer.batches import BatchChecker, CheckedBatch
from collector.importer.dates import date_parser
from collector.importer.mapping import Plan
from collector.importer.rows import RowChecker, rows_key
from collector.importer.table import Table
from collector.limits import Limits

Checked = tuple[int, CheckedBatch]  # (rows read, what came of them)


@dataclass(frozen=True, slots=True)
class CheckJob:
    table: Table
    plan: Plan
    date_format: str
    limits: Limits
    now_ms: int
    latest_ms: int
    batch_rows: int
    event_name: str  # the internal name of the event the rows complete


def check_batches(job: CheckJob) -> Iterator[Checked]:
    table = job.table
    checker = BatchChecker(RowChecker(table.headers, job.plan, date_parser(job.date_format),
                                      job.limits, rows_key(table.content_hash, job.event_name),
                                      job.now_ms, job.latest_ms))
    rows = table.open_rows()
    while batch := list(islice(rows, job.batch_rows)):
        yield len(batch), checker.check(batch)


async def checked_here(job: CheckJob) -> AsyncGenerator[Checked, None]:
    for item in check_batches(job):
        yield item
        await asyncio.sleep(0)  # let the writer take the previous batch before the next one


@contextlib.asynccontextmanager
async def checked_batches(job: CheckJob, in_child: bool
                          ) -> AsyncIterator[AsyncGenerator[Checked, None]]:
    """The checked batches of ``job``. In a child process checking starts at once and runs
    up to ``_AHEAD`` batches ahead of the caller; leaving the block stops it."""
    if not in_child:
        here = checked_here(job)
        async with contextlib.aclosing(here):
            yield here
        return
    child = _Child(job)
    try:
        batches = child.batches()
        async with contextlib.aclosing(batches):
            yield batches
    finally:
        await asyncio.to_thread(child.close)


_AHEAD = 8  # batches the child may check before they are taken (about 20 MB here)


class _Child:
    """The checker process, and a thread that takes its results off the pipe."""

    def __init__(self, job: CheckJob) -> None:
        # A fresh interpreter rather than multiprocessing: nothing of this process (its
        # threads, its __main__ module) is forked or re-run; the job goes in on stdin,
        # results come back on a pipe of their own, pickled (both ends are this module).
        read_end, write_end = os.pipe()
        try:
            self._process = subprocess.Popen(  # noqa: S603  # this interpreter, a fixed command
                [sys.executable, "-c", _CHILD, str(write_end)], stdin=subprocess.PIPE,
                pass_fds=(write_end,), env=_child_environment())
        finally:
            os.close(write_end)
        self._results = os.fdopen(read_end, "rb")
        self._queue: queue.Queue[Checked | BaseException | None] = queue.Queue(_AHEAD)
        assert self._process.stdin is not None
        with self._process.stdin:
            pickle.dump(job, self._process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self._reader = threading.Thread(target=self._read, name="footfall-import-results",
                                        daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            while (message := _receive(self._results)) is not None:
                self._queue.put(message)
            self._queue.put(None)
        except BaseException as exc:  # the child's error, or its death: raised by batches()
            self._queue.put(exc)

    async def batches(self) -> AsyncGenerator[Checked, None]:
        while (message := await asyncio.to_thread(self._queue.get)) is not None:
            if isinstance(message, BaseException):
                raise message
            yield message

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
        while self._reader.is_alive():  # it stops at the end of the pipe; make room for it
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.05)
        self._results.close()
        self._process.wait()


_COLLECT_EVERY = 20
_CHILD = "import sys; from collector.importer.checking import child_main; child_main(int(sys.argv[1]))"


def _child_environment() -> dict[str, str]:
    """This environment, with the folder this ``collector`` was imported from first on the
    child's path: it runs the same code, however this process found it."""
    root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}


def _receive(results: BinaryIO) -> Checked | None:
    try:
        message = pickle.load(results)  # noqa: S301  # written by our own child process
    except EOFError:
        raise FootfallError("The import's checking process stopped unexpectedly; nothing of"
                            " the import was stored") from None
    if isinstance(message, BaseException):
        raise message
    result: Checked | None = message
    return result


def child_main(fd: int) -> None:
    """The checker process: a ``CheckJob`` from stdin, results to ``fd``."""
    job = pickle.load(sys.stdin.buffer)  # noqa: S301  # written by the importing process
    # Checking makes no reference cycles, yet the collector would keep scanning the young
    # rows of every batch: collect once per _COLLECT_EVERY batches instead (10 % faster).
    gc.disable()
    with os.fdopen(fd, "wb") as results:
        try:
            for count, item in enumerate(check_batches(job), start=1):
                _send(results, item)
                if count % _COLLECT_EVERY == 0:
                    gc.collect()
            _send(results, None)
        except (BrokenPipeError, ConnectionResetError):
            return  # the importing process is gone
        except BaseException as exc:
            _send_error(results, exc)


def _send(results: BinaryIO, message: object) -> None:
    pickle.dump(message, results, protocol=pickle.HIGHEST_PROTOCOL)
    results.flush()


def _send_error(results: BinaryIO, exc: BaseException) -> None:
    try:
        data = pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        data = pickle.dumps(FootfallError(f"Checking the rows failed: {type(exc).__name__}:"
                                          f" {exc}"))
    try:
        results.write(data)
        results.flush()
    except (BrokenPipeError, ConnectionResetError):
        pass
