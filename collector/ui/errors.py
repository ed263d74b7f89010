"""UI error pages: the UI's exceptions become HTML pages in exactly this one place.

Mounted on the UI router only, so the JSON API keeps HubSpot's error shape. A bad CSRF token
is a 403 page; a portal's own ``NotFound`` (another portal's event, contact, token…) a 404
page; anything unexpected a logged 500 page that never shows internals.
"""

from __future__ import annotations

import logging
import uuid

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from collector.errors import FootfallError, StoreUnavailable
from collector.responses import client_gone
from collector.ui.csrf import CsrfRejected
from collector.ui.render import render

log = logging.getLogger("footfall.ui")

_TITLES = {400: "Bad request", 403: "Not allowed", 404: "Page not found",
           405: "Not allowed here", 413: "Too large", 503: "Try again shortly"}


class Forbidden(Exception):
    """The signed-in user may not see this page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def error_page(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", {"title": _TITLES.get(status, "Something went wrong"),
                                          "status": status, "message": message}, status=status)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = ("There is no page at this address." if exc.status_code == 404
               else str(exc.detail))
    return error_page(request, exc.status_code, message)


async def footfall_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FootfallError)
    if isinstance(exc, StoreUnavailable):  # its message is the operator's (see the class)
        log.warning("503 %s %s: %s", request.method, request.url.path, exc.message)
        return error_page(request, exc.status_code, exc.PUBLIC)
    return error_page(request, exc.status_code, exc.message)


async def csrf_error(request: Request, exc: Exception) -> Response:
    log.info("CSRF check failed on %s %s: %s", request.method, request.url.path, exc)
    return error_page(request, 403, "This form was not accepted: it has expired, it was sent"
                      " from another site, or another portal was opened since it was shown."
                      " Go back, reload the page and try again.")


async def forbidden_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Forbidden)
    return error_page(request, 403, exc.message)


async def internal_error(request: Request, exc: Exception) -> Response:
    reference = str(uuid.uuid4())
    log.error("500 on %s %s (reference %s)", request.method, request.url.path, reference,
              exc_info=exc)
    return error_page(request, 500, f"Something went wrong on our side; it has been logged"
                      f" (reference {reference}).")


async def not_found(request: Request) -> Response:
    """The UI router's default: an unknown address under /app."""
    return error_page(request, 404, "There is no page at this address.")


HANDLERS = {
    HTTPException: http_error,
    CsrfRejected: csrf_error,
    Forbidden: forbidden_error,
    FootfallError: footfall_error,
    ClientDisconnect: client_gone,
    Exception: internal_error,
}
