"""The baselines, served by uvicorn like the collector.

- A bare Starlette route that parses the same JSON body and answers 204: the ratio targets
  compare against it.
- The same route behind ``/durable``, which also writes the body to a log file and answers
  only after an ``fdatasync`` that began after the write (one sync at a time; requests that
  arrive meanwhile share the next one; each worker process keeps a log of its own). Nothing
  else is stored and nothing is validated: about the least any durable acknowledgement
  costs on this machine, a reference for the latency the benches measure for the collector
  at a fixed load.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def bare(request: Request) -> Response:
    await request.json()
    return Response(status_code=204)


class DurableLog:
    """A log file written in place; ``append`` returns once what it appended is on the disk.

    The file is written out in full when the app starts and then overwritten in a cycle, so
    a sync carries the data alone: appending would also journal the file's growth, which
    SQLite's log, reused in place, mostly does not pay either.
    """

    SIZE = 64 << 20

    def __init__(self) -> None:
        self.fd, self.path = tempfile.mkstemp(prefix="footfall-bench-", suffix=".log")
        for _ in range(self.SIZE >> 20):
            os.write(self.fd, bytes(1 << 20))
        os.fsync(self.fd)
        self._offset = 0
        self._waiting: list[tuple[bytes, asyncio.Future[None]]] = []
        self._syncing: asyncio.Task[None] | None = None

    def close(self) -> None:
        os.close(self.fd)
        os.unlink(self.path)

    async def append(self, data: bytes) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((data, done))
        if self._syncing is None or self._syncing.done():
            self._syncing = asyncio.get_running_loop().create_task(self._sync())
        await done

    async def _sync(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                await asyncio.to_thread(self._write, b"".join(data for data, _ in group))
            except OSError as exc:  # every request of the group fails (a 500), none hangs
                for _, done in group:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for _, done in group:
                if not done.done():
                    done.set_result(None)

    def _write(self, data: bytes) -> None:
        if self._offset + len(data) > self.SIZE:
            self._offset = 0
        os.pwrite(self.fd, data, self._offset)
        self._offset += len(data)
        os.fdatasync(self.fd)


async def durable(request: Request) -> Response:
    body = await request.body()
    await request.json()
    await request.app.state.log.append(body + b"\n")
    return Response(status_code=204)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.log = DurableLog()
    try:
        yield
    finally:  # uvicorn ends on the stop signal itself after this: no atexit
        app.state.log.close()


_PATHS = ("/events/v3/send", "/events/v3/send/batch", "/collect")
app = Starlette(routes=[*(Route(path, bare, methods=["POST"]) for path in _PATHS),
                        *(Route("/durable" + path, durable, methods=["POST"]) for path in _PATHS)],
                lifespan=lifespan)
