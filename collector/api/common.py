"""Helpers every endpoint module uses: services, authentication, strict JSON bodies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from collector.errors import FieldError, ValidationFailed
from collector.jsonbody import read_json
from collector.numerals import decimal
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


def unknown_params(request: Request, allowed: set[str],
                   prefixes: tuple[str, ...] = ()) -> list[FieldError]:
    """One FieldError per query parameter that is neither allowed nor under a prefix."""
    unknown = {key for key in request.query_params
               if key not in allowed and not key.startswith(prefixes)}
    shown = ", ".join(sorted(allowed | {p + "<name>" for p in prefixes})) or "none"
    return [FieldError(f"query.{key}", f"unknown parameter (allowed: {shown})",
                       "UNKNOWN_PARAMETER") for key in sorted(unknown)]


def reject_unknown_params(request: Request, allowed: set[str]) -> None:
    if errors := unknown_params(request, allowed):
        raise ValidationFailed(errors)


def int_param(request: Request, name: str, default: int, low: int, high: int,
              errors: list[FieldError] | None = None) -> int:
    """The integer parameter ``name``; a problem is appended to ``errors`` (or raised)."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    number = decimal(raw.strip())
    if number is not None and low <= number <= high:
        return number
    problem = FieldError(f"query.{name}", f"must be an integer from {low} to {high} (got {raw!r})",
                         "OUT_OF_RANGE")
    if errors is None:
        raise ValidationFailed([problem])
    errors.append(problem)
    return default


def bool_param(request: Request, name: str, errors: list[FieldError]) -> bool:
    raw = request.query_params.get(name, "false").strip().lower()
    if raw not in ("true", "false"):
        errors.append(FieldError(f"query.{name}", "must be true or false", "INVALID"))
    return raw == "true"
