"""Response headers of every UI response: a strict Content-Security-Policy and friends.

The policy allows only the UI's own scripts, styles and images (no inline script, no inline
style, no ``eval``), forms that post back to the collector, and no framing. Pages are
``no-store`` (they show private data); fingerprinted static files are cached for a year.

One exception: ``syntax-check.js``, the worker that compiles an owner's event code to
report syntax errors before it is saved, needs ``Function(code)``. A worker's policy comes
with its own script, so that file alone gets ``'unsafe-eval'`` (and may load or fetch
nothing); the pages that start it keep the strict policy.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
       " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
WORKER_CSP = "default-src 'none'; script-src 'unsafe-eval'"
EVAL_WORKERS = frozenset({"/app/static/syntax-check.js"})
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
STATIC_PREFIX = "/app/static/"
PAGE_CACHE = "no-store"
STATIC_CACHE = "public, max-age=31536000, immutable"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(STATIC_PREFIX)
        fingerprinted = static and b"v=" in scope.get("query_string", b"")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
                if scope["path"] in EVAL_WORKERS:
                    headers["Content-Security-Policy"] = WORKER_CSP
                if fingerprinted and message["status"] == 200:
                    headers["Cache-Control"] = STATIC_CACHE
                elif not static:
                    headers["Cache-Control"] = PAGE_CACHE
            await send(message)

        await self.app(scope, receive, send_with_headers)
