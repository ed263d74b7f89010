"""The SQLite ingest writer as a child process: group commit without sharing the GIL.

Completions are the hot path. Inserting them (and resolving their contacts) in a thread of
the server process would compete with the event loop for the GIL; a child process does that
work on another core. The event loop sends it one message per group of requests (pickled
``(kind, portal_id, args)`` jobs over a pipe), the child runs them in one transaction exactly
as the thread writer would (``queries.store_completions`` / ``tracking.record_hits``),
commits, and answers one message; only then are the requests answered. While a group
commits, the next one gathers. If the child dies or cannot commit, every request of the
group gets ``StoreUnavailable`` (503) and the child is started again on the next write.

Wire format, both ways: a 4-byte big-endian length, then a pickle (parent and child are
the same program; nothing else writes to the pipe).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import operator
import pickle
import struct
import sys
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from collector.errors import ClientError, FieldError, FootfallError, StoreUnavailable
from collector.model import NewCompletion

log = logging.getLogger("footfall.ingest")
_HEADER = struct.Struct(">I")


def _subclasses(cls: type[ClientError]) -> list[type[ClientError]]:
    found: list[type[ClientError]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def error_to_wire(exc: ClientError) -> tuple[str, str, tuple[FieldError, ...]]:
    return type(exc).__name__, exc.message, exc.errors


def error_from_wire(name: str, message: str, errors: Sequence[FieldError]) -> ClientError:
    classes: dict[str, type[ClientError]] = {c.__name__: c for c in _subclasses(ClientError)}
    cls = classes.get(name, ClientError)
    exc: ClientError = cls.__new__(cls)
    FootfallError.__init__(exc, message, tuple(errors))
    return exc


Job = tuple[str, int, tuple[Any, ...]]
_COMPLETION_FIELDS = operator.attrgetter(*(f.name for f in dataclasses.fields(NewCompletion)))


def jobs_to_wire(jobs: list[Job]) -> list[Job]:
    """Completions travel as plain tuples: pickling a slotted dataclass runs Python code per
    object (five times slower for a 500-completion batch). The first argument of every job
    kind is its list of completions."""
    return [(kind, portal_id, ([_COMPLETION_FIELDS(c) for c in args[0]], *args[1:]))
            for kind, portal_id, args in jobs]


def jobs_from_wire(jobs: list[Job]) -> list[Job]:
    return [(kind, portal_id, ([NewCompletion(*c) for c in args[0]], *args[1:]))
            for kind, portal_id, args in jobs]


def encode(message: Any) -> bytes:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(payload)) + payload


@dataclass
class _Pending:
    job: Job
    future: asyncio.Future[int]
    weight: int


@dataclass
class IngestProcess:
    """Parent side: owns the child, batches jobs, settles each request after the commit."""

    path: str
    busy_timeout_ms: int
    max_weight: int = 5000
    transactions: int = 0
    _process: asyncio.subprocess.Process | None = None
    _waiting: deque[_Pending] = field(default_factory=deque)
    _weight: int = 0
    _pump: asyncio.Task[None] | None = None

    async def submit(self, kind: str, portal_id: int, args: tuple[Any, ...], weight: int) -> int:
        """Run one job in the child's next group transaction; its result once committed."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Pending((kind, portal_id, args), future, weight))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.get_running_loop().create_task(self._run())
        return await future

    async def _run(self) -> None:
        """Send groups one at a time until nothing waits (one transaction in flight)."""
        while self._waiting:
            group: list[_Pending] = []
            weight = 0
            while self._waiting and (not group or weight < self.max_weight):
                pending = self._waiting.popleft()
                group.append(pending)
                weight += pending.weight
            await self._commit(group)

    async def _commit(self, group: list[_Pending]) -> None:
        try:
            outcomes = await self._exchange([p.job for p in group])
        except (OSError, EOFError, asyncio.IncompleteReadError, pickle.PickleError) as exc:
            await self._discard()
            outcomes = ("unavailable", f"the ingest writer stopped ({type(exc).__name__})")
        if isinstance(outcomes, tuple):  # ("unavailable", reason)
            failure = StoreUnavailable(f"The store could not write: {outcomes[1]}")
            for pending in group:
                _settle(pending.future, failure)
            return
        self.transactions += 1
        for pending, (ok, value) in zip(group, outcomes, strict=True):
            _settle(pending.future, value if ok else error_from_wire(*value))

    async def _exchange(self, jobs: list[Job]) -> Any:
        process = await self._child()
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(encode(jobs_to_wire(jobs)))
        await process.stdin.drain()
        size = _HEADER.unpack(await process.stdout.readexactly(_HEADER.size))[0]
        return pickle.loads(await process.stdout.readexactly(size))  # noqa: S301 - our child

    async def _child(self) -> asyncio.subprocess.Process:
        if self._process is None or self._process.returncode is not None:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "collector.storage.ingest_worker", self.path,
                str(self.busy_timeout_ms), stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, limit=2**26)
        return self._process

    async def _discard(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()

    async def close(self) -> None:
        if self._pump is not None:
            await self._pump
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


def _settle(future: asyncio.Future[int], value: Any) -> None:
    if future.done():  # the request went away; its completions are stored all the same
        return
    if isinstance(value, BaseException):
        future.set_exception(value)
    else:
        future.set_result(value)
