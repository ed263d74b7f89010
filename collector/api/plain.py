"""Plain ASGI endpoints for the ingest routes (send, send/batch and the JS collect path).

These routes carry nearly all of the traffic, and Starlette's per-request wrapping (a
``Request``, a scan of every header per lookup, a ``Response`` object, closures per request)
cost about as much as our own validation. A ``PlainEndpoint`` reads the headers it needs in
one pass over the ASGI scope, hands the body chunks straight from ``receive`` to the
handler, and answers 204 with two ASGI messages. The app calls these endpoints ahead of
Starlette's middleware (``collector.app.Collector``), so they render every error themselves,
through the handlers of ``collector.responses`` (the one place errors become responses), plus
the endpoint's fixed headers (CORS for the collect path).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from collector.errors import FootfallError
from collector.responses import footfall_error, internal_error
from collector.services import Services


class RawHeaders(Mapping[str, str]):
    """The request's headers, each decoded only when asked for (the first of repeated
    headers, as Starlette's ``Headers.get``). ASGI gives header names in lowercase."""

    __slots__ = ("_raw",)

    def __init__(self, raw: Iterable[tuple[bytes, bytes]]) -> None:
        self._raw = dict(reversed(list(raw)))

    def get(self, key: str, default: Any = None) -> Any:
        value = self._raw.get(key.encode("latin-1"))
        return default if value is None else value.decode("latin-1")

    def __getitem__(self, key: str) -> str:
        return self._raw[key.encode("latin-1")].decode("latin-1")

    def __iter__(self) -> Iterator[str]:
        return (name.decode("latin-1") for name in self._raw)

    def __len__(self) -> int:
        return len(self._raw)


class Incoming:
    """What an ingest handler needs of a request."""

    __slots__ = ("_receive", "headers", "scope")

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self.scope = scope
        self._receive = receive
        self.headers: Mapping[str, str] = RawHeaders(scope["headers"])

    @property
    def services(self) -> Services:
        found: Services = self.scope["app"].state.services
        return found

    @property
    def client_host(self) -> str:
        client = self.scope.get("client")
        return str(client[0]) if client else ""

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives (the reader enforces the byte cap)."""
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                return
            yield message.get("body", b"")
            if not message.get("more_body", False):
                return


Handler = Callable[[Incoming], Awaitable[None]]


class PlainEndpoint:
    """An ASGI endpoint answering 204 once ``handler`` returns (Starlette routes to it as to
    any ASGI app)."""

    def __init__(self, handler: Handler, headers: Mapping[str, str] | None = None) -> None:
        self.handler = handler
        self.headers = dict(headers or {})
        self._start = {"type": "http.response.start", "status": 204,
                       "headers": [(k.lower().encode("latin-1"), v.encode("latin-1"))
                                   for k, v in self.headers.items()]}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.handler(Incoming(scope, receive))
        except Exception as exc:  # past Starlette's handlers: every error is rendered here
            handler = footfall_error if isinstance(exc, FootfallError) else internal_error
            response = await handler(Request(scope), exc)
            response.headers.update(self.headers)
            await response(scope, receive, send)
            return
        await send(self._start)
        await send({"type": "http.response.body", "body": b""})
