"""Byte caps for request bodies read through Starlette (forms and uploads).

The JSON endpoints enforce ``max_body_bytes`` themselves (``collector.jsonbody``). Form
bodies are parsed by Starlette, which reads whatever arrives; ``limit_receive`` wraps an ASGI
``receive`` so that a body whose ``Content-Length`` is over the cap is refused before any of
it is read, and a body without one is refused as soon as it passes the cap. Either way the
parse raises ``jsonbody.too_large``'s 413 ``ClientError``, which the API renders as JSON and
the UI as a page.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from collector.jsonbody import too_large
from collector.numerals import decimal
from collector.services import Services


def declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return decimal(value.decode("latin-1"))  # None: unreadable, the stream is capped
    return None


def limit_receive(scope: Scope, receive: Receive, limit: int) -> Receive:
    """``receive``, refusing bodies over ``limit`` bytes (see the module docstring)."""
    seen = 0

    async def limited() -> Message:
        nonlocal seen
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            raise too_large(limit)
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise too_large(limit)
        return message

    return limited


def upload_limit(scope: Scope) -> int:
    services: Services = scope["app"].state.services
    return services.settings.max_upload_bytes


def form_limit(scope: Scope) -> int:
    services: Services = scope["app"].state.services
    return services.settings.max_body_bytes


class FormLimitMiddleware:
    """For the management UI: every unsafe request's body is capped, the spreadsheet upload
    (``POST …/import``) at ``max_upload_bytes`` and every other form at ``max_body_bytes``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            upload = scope["method"] == "POST" and scope["path"].rstrip("/").endswith("/import")
            limit = upload_limit(scope) if upload else form_limit(scope)
            receive = limit_receive(scope, receive, limit)
        await self.app(scope, receive, send)
