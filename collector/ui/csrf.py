"""Cross-site request forgery protection for every unsafe UI request.

Each session has a random CSRF token; every UI form carries it in a hidden field
(``{{ csrf_field() }}`` in templates) and ``checked_form`` compares it in constant time.
Before the body is read, requests whose ``Origin`` is another site's (or that the browser
marks ``Sec-Fetch-Site: cross-site``) are refused. Any failure is ``CsrfRejected`` (403).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from collector.ui.session import session_of

FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FIELDS = 5000


class CsrfRejected(Exception):
    """The request did not come from one of this site's own forms."""


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def check_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin is not None and origin != own_origin(request):
        raise CsrfRejected(f"cross-origin request from {origin!r}")
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise CsrfRejected("cross-site request")


async def checked_form(request: Request) -> FormData:
    """The request's form, after its origin and CSRF token are verified.

    Starlette keeps the parsed form on the request, so the page reading ``request.form()``
    afterwards gets the same one (files included) without reading the body twice.
    """
    check_origin(request)
    form = await request.form(max_files=1, max_fields=MAX_FIELDS)
    sent = form.get(FIELD)
    expected = session_of(request).form_token()
    if not isinstance(sent, str) or not hmac.compare_digest(
            sent.encode("utf-8", "surrogatepass"), expected.encode()):
        raise CsrfRejected("missing or wrong CSRF token (or another portal was opened since"
                           " the form was shown)")
    return form


def closes_form(endpoint: Callable[[Request], Awaitable[Response]],
                ) -> Callable[[Request], Awaitable[Response]]:
    """Close the request's form once ``endpoint`` is done (its spooled files are deleted)."""

    @wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        try:
            return await endpoint(request)
        finally:
            await request.close()

    return wrapper
