"""Helpers every endpoint module uses: services, authentication, strict JSON bodies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from collector.errors import FieldError, ValidationFailed
from collector.jsonbody import read_json
from collector.services import Services

PortalEndpoint = Callable[[Request, int], Awaitable[Response]]


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def authenticated(endpoint: PortalEndpoint) -> Callable[[Request], Awaitable[Response]]:
    """Resolve the bearer token to a portal id before ``endpoint`` runs."""

    @wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        portal_id = await services(request).auth.portal_for(request.headers.get("authorization"))
        return await endpoint(request, portal_id)

    return wrapper


async def json_body(request: Request) -> Any:
    settings = services(request).settings
    return await read_json(request, settings.max_body_bytes, settings.max_json_depth)


def reject_unknown_params(request: Request, allowed: set[str],
                          prefixes: tuple[str, ...] = ()) -> None:
    unknown = [key for key in request.query_params
               if key not in allowed and not key.startswith(prefixes)]
    if unknown:
        shown = ", ".join(sorted(allowed | {p + "<name>" for p in prefixes}))
        raise ValidationFailed([FieldError(f"query.{key}", f"unknown parameter (allowed: {shown})",
                                           "UNKNOWN_PARAMETER") for key in sorted(set(unknown))])


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.strip().isdigit() or not low <= int(raw) <= high:
        raise ValidationFailed([FieldError(f"query.{name}",
                                           f"must be an integer from {low} to {high} (got {raw!r})",
                                           "OUT_OF_RANGE")])
    return int(raw)
