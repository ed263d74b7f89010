"""The one place where errors become responses, in HubSpot's error shape."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from collector.errors import MAX_LISTED_ERRORS, FieldError, FootfallError, StoreUnavailable
from collector.logthrottle import Throttled

log = logging.getLogger("footfall.errors")

_HTTP_CATEGORIES = {401: "INVALID_AUTHENTICATION", 403: "FORBIDDEN", 404: "OBJECT_NOT_FOUND",
                    405: "METHOD_NOT_ALLOWED"}


_outages = Throttled(log)


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate echoed in an error: send it escaped
            return json.dumps(content, separators=(",", ":")).encode("ascii")


def error_body(status: str, message: str, category: str,
               errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "message": message,
                            "correlationId": str(uuid.uuid4()), "category": category}
    if errors:
        body["errors"] = errors
    return body


# A field path or message echoes what the client sent (a property name may be megabytes).
_MAX_TEXT = 300


def _cut(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"


def _listed(errors: tuple[FieldError, ...]) -> list[dict[str, str]]:
    """The errors of an answer: the first ``MAX_LISTED_ERRORS``, each of bounded size."""
    listed = [{"message": _cut(f"{e.where}: {e.message}" if e.where else e.message),
               "in": _cut(e.where), "code": e.code} for e in errors[:MAX_LISTED_ERRORS]]
    if len(errors) > MAX_LISTED_ERRORS:
        listed.append({"message": f"more problems are not listed: fix these {MAX_LISTED_ERRORS}"
                                  " and send again", "in": "body", "code": "MORE_ERRORS"})
    return listed


async def footfall_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FootfallError)
    errors = _listed(exc.errors)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    if isinstance(exc, StoreUnavailable):
        body = error_body("error", exc.PUBLIC, exc.category, errors)
        headers = {"Retry-After": "1"}
        _outages.warn("503 %s %s (correlationId %s): %s", request.method, request.url.path,
                      body["correlationId"], exc.message)
    else:
        body = error_body("error", _cut(exc.message), exc.category, errors)
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"No endpoint at {request.method} {request.url.path}"
    else:
        message = str(exc.detail)
    category = _HTTP_CATEGORIES.get(exc.status_code, "VALIDATION_ERROR")
    errors = None
    if category == "VALIDATION_ERROR":  # Starlette's own refusals of a body (bad multipart)
        errors = [{"message": f"body: {message}", "in": "body", "code": "INVALID"}]
    return JSONResponse(error_body("error", message, category, errors),
                        status_code=exc.status_code, headers=exc.headers)


async def client_gone(request: Request, exc: Exception) -> Response:
    """The client hung up before its body arrived: nobody reads the answer, nothing was
    written, and it is no server error (it was logged as a 500 with two tracebacks)."""
    log.info("%s %s: the client disconnected before its body arrived", request.method,
             request.url.path)
    return JSONResponse(error_body("error", "The request body did not arrive whole",
                                   "VALIDATION_ERROR"), status_code=400)


async def internal_error(request: Request, exc: Exception) -> Response:
    body = error_body("error", "Internal error; it has been logged", "INTERNAL_ERROR")
    log.error("500 on %s %s (correlationId %s)", request.method, request.url.path,
              body["correlationId"], exc_info=exc)
    return JSONResponse(body, status_code=500)


EXCEPTION_HANDLERS = {
    FootfallError: footfall_error,
    HTTPException: http_error,
    ClientDisconnect: client_gone,
    Exception: internal_error,
}
