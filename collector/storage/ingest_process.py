"""The ingest writer as a child process: group commit without sharing the GIL.

Completions are the hot path. Inserting them (and resolving their contacts) in a thread of
the server process would compete with the event loop for the GIL; a child process does that
work on another core. The SQLite store sends it every completion; the PostgreSQL store the
jobs of fewer than 100 completions (single sends, JS hits), whose group's round trips to the
server each waited for the GIL behind the event loop in a thread (see ``postgres``). The
event loop sends it one message per group of requests (pickled ``(kind, portal_id, args)``
jobs over a pipe; the first message names the database), the child runs them in one
transaction exactly as the thread writer would (``ingest_sql.store_completions`` /
``tracking.record_hits``), commits, and answers one message; only then are the requests
answered. While a group commits, the next one gathers. If the child dies or cannot commit,
every request of the group gets ``StoreUnavailable`` (503) and the child is started again on
the next write.

The wire format is in ``ingest_wire`` (parent and child are the same program; nothing else
writes to the pipe).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import sys
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from collector.errors import StoreUnavailable
from collector.storage.ingest_wire import HEADER, Job, encode, error_from_wire, jobs_to_wire

log = logging.getLogger("footfall.ingest")


@dataclass(slots=True)
class _Pending:
    job: Job
    future: asyncio.Future[int]
    weight: int


@dataclass
class _Child:
    """One writer process and the groups it has been sent, oldest first."""

    process: asyncio.subprocess.Process
    in_flight: deque[list[_Pending]] = field(default_factory=deque)
    reader: asyncio.Task[None] | None = None
    killed: bool = False


@dataclass
class IngestProcess:
    """Parent side: owns the child, batches jobs, settles each request after the commit.

    Up to ``depth`` groups are in the child's pipe at once, so the child starts the next
    transaction as soon as it has answered one, even while the event loop is busy (say,
    validating a batch of 500) and has not read that answer yet. Each group is still its own
    transaction, committed and answered in order. Jobs that arrive while ``depth`` groups are
    out wait and leave together as the next group when an answer comes back.

    A group goes out beside one in flight only when it carries ``overlap_weight``
    completions or more: small jobs (single sends, JS hits) are cheaper merged into one
    larger group than committed as two (the child's CPU per single send 31 → 24 µs).
    """

    database: str = field(repr=False)  # a SQLite path or a PostgreSQL URL (a password)
    busy_timeout_ms: int  # SQLite's
    max_weight: int = 5000
    depth: int = 2
    overlap_weight: int = 100
    transactions: int = 0
    _child: _Child | None = None
    _waiting: deque[_Pending] = field(default_factory=deque)
    _waiting_weight: int = 0
    _starting: asyncio.Task[None] | None = None

    async def submit(self, kind: str, portal_id: int, args: tuple[Any, ...], weight: int) -> int:
        """Run one job in one of the child's next group transactions; its result once
        committed."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Pending((kind, portal_id, args), future, weight))
        self._waiting_weight += weight
        self._send_waiting()
        return await future

    def prestart(self) -> None:
        """Start the child now rather than on the first write (which would wait for it)."""
        if self._child is None:
            self._start_child()

    def _start_child(self) -> None:
        if self._starting is None or self._starting.done():
            self._starting = asyncio.get_running_loop().create_task(self._start())

    def _send_waiting(self) -> None:
        """Write waiting jobs to the child, one group per write, until ``depth`` are out."""
        child = self._child
        if not self._waiting or (child is not None and len(child.in_flight) >= self.depth):
            return
        if child is None or child.process.returncode is not None:
            self._start_child()
            return
        stdin = child.process.stdin
        assert stdin is not None
        while self._waiting and len(child.in_flight) < self.depth:
            if child.in_flight and self._waiting_weight < self.overlap_weight:
                break  # joins the group that leaves when the answer comes back
            group: list[_Pending] = []
            weight = taken = 0
            while self._waiting and (not group or weight < self.max_weight):
                pending = self._waiting.popleft()
                taken += pending.weight
                if pending.future.done():  # its request has had its 503 (a timeout)
                    continue
                group.append(pending)
                weight += pending.weight
            self._waiting_weight -= taken
            if not group:
                continue
            message, group = _encode(group)
            if not group:
                continue
            try:
                stdin.write(message)
            except (OSError, RuntimeError) as exc:  # the pipe closed: the child is gone
                _fail(group, exc)
                self._drop(child)  # its reader fails what it had been sent
                return
            child.in_flight.append(group)
        if child.reader is None or child.reader.done():
            child.reader = asyncio.get_running_loop().create_task(self._read(child))

    async def _start(self) -> None:
        try:
            # A session of its own: Ctrl-C at the terminal stops the server, which answers
            # what is in flight and then closes the child's input; the child never sees it.
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "collector.storage.ingest_worker",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**26,
                start_new_session=True)
            assert process.stdin is not None
            # The database goes through the pipe: a URL's password never shows in `ps`.
            process.stdin.write(encode((self.database, self.busy_timeout_ms)))
        except OSError as exc:
            failed = list(self._waiting)
            self._waiting.clear()
            self._waiting_weight = 0
            _fail(failed, exc)
            return
        self._child = _Child(process)
        self._send_waiting()

    async def _read(self, child: _Child) -> None:
        """Settle the child's groups, oldest first, as it answers; send what waits."""
        stdout = child.process.stdout
        assert stdout is not None
        while child.in_flight:
            try:
                size = HEADER.unpack(await stdout.readexactly(HEADER.size))[0]
                outcomes = pickle.loads(await stdout.readexactly(size))  # noqa: S301 - our child
            except (OSError, EOFError, asyncio.IncompleteReadError, pickle.PickleError) as exc:
                self._drop(child)
                while child.in_flight:  # none of them is known to have committed
                    _fail(child.in_flight.popleft(), exc)
                self._send_waiting()  # to a new child
                return
            group = child.in_flight.popleft()
            if isinstance(outcomes, tuple):  # ("unavailable", reason): rolled back
                failure = StoreUnavailable(f"The store could not write: {outcomes[1]}")
                for pending in group:
                    _settle(pending.future, failure)
            else:
                self.transactions += 1
                for pending, (ok, value) in zip(group, outcomes, strict=True):
                    _settle(pending.future, value if ok else error_from_wire(*value))
            self._send_waiting()

    def _drop(self, child: _Child) -> None:
        """Stop using ``child`` (killed if it still runs); the next write starts another."""
        if self._child is child:
            self._child = None
        if child.process.returncode is None and not child.killed:
            child.killed = True
            # Signalled directly, once: asyncio's Process.kill() (before Python 3.13, CPython
            # gh-87744) polls the child with waitpid first, which may collect a dead child's
            # status before asyncio's watcher does; that then reports 255, not -SIGKILL.
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.process.pid, signal.SIGKILL)

    async def close(self, timeout: float | None = None) -> None:
        """Wait for every job submitted to be settled, then stop the child. After
        ``timeout`` seconds (a store that stopped answering) the child is killed and what
        it has not answered fails."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            reader = self._child.reader if self._child is not None else None
            busy = [t for t in (self._starting, reader) if t is not None and not t.done()]
            if not busy:
                break
            left = None if deadline is None else max(0.0, deadline - loop.time())
            _, pending = await asyncio.wait(busy, timeout=left)
            if not pending:
                continue
            if self._child is None:  # only its start is left: then it is killed
                await asyncio.gather(*pending, return_exceptions=True)
                continue
            waiting = list(self._waiting)
            self._waiting.clear()
            self._waiting_weight = 0
            _fail(waiting, TimeoutError())
            stuck = self._child
            self._drop(stuck)  # killed: its reader fails the groups it had been sent
            await asyncio.gather(*pending, return_exceptions=True)
            await stuck.process.wait()
        child, self._child = self._child, None
        if child is not None and child.process.returncode is None:
            process = child.process
            assert process.stdin is not None
            process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


def _encode(group: list[_Pending]) -> tuple[bytes, list[_Pending]]:
    """The group's message, and the jobs it carries. A job the wire cannot carry (a bug:
    request values are bounded before they get here) fails alone, with its error logged;
    the rest of its group goes on."""
    try:
        return encode(jobs_to_wire([p.job for p in group])), group
    except Exception:  # find the job at fault
        carried: list[_Pending] = []
        for pending in group:
            try:
                encode(jobs_to_wire([pending.job]))
            except Exception as exc:
                log.exception("an ingest job could not be sent to the writer")
                _settle(pending.future, exc)
            else:
                carried.append(pending)
        return encode(jobs_to_wire([p.job for p in carried])), carried


def _fail(group: list[_Pending], exc: BaseException) -> None:
    failure = StoreUnavailable(
        f"The store could not write: the ingest writer stopped ({type(exc).__name__})")
    for pending in group:
        _settle(pending.future, failure)


def _settle(future: asyncio.Future[int], value: Any) -> None:
    if future.done():  # the request went away; its completions are stored all the same
        return
    if isinstance(value, BaseException):
        future.set_exception(value)
    else:
        future.set_result(value)
