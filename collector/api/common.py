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


def list_param(request: Request, name: str) -> list[str]:
    """A list parameter, repeated (HubSpot's clients) or comma-separated."""
    return [v.strip() for raw in request.query_params.getlist(name) for v in raw.split(",")
            if v.strip()]


def single_param(request: Request, name: str, errors: list[FieldError]) -> str | None:
    """The value of the one-valued parameter ``name``; None when it is absent, or given
    more than once: that is a problem (``limit=5&limit=500`` was read as 500 and
    ``eventType=a&eventType=b`` as b alone, a 200 that silently dropped half the question)."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        errors.append(FieldError(f"query.{name}", f"must be given once (got {len(values)}"
                                 " values)", "REPEATED"))
        return None
    return values[0] if values else None


def int_param(request: Request, name: str, default: int, low: int, high: int,
              errors: list[FieldError] | None = None) -> int:
    """The integer parameter ``name``; a problem is appended to ``errors`` (or raised)."""
    found: list[FieldError] = [] if errors is None else errors
    raw = single_param(request, name, found)
    if raw is None:
        if errors is None and found:
            raise ValidationFailed(found)
        return default
    number = decimal(raw.strip())
    if number is not None and low <= number <= high:
        return number
    found.append(FieldError(f"query.{name}", f"must be an integer from {low} to {high}"
                            f" (got {raw!r})", "OUT_OF_RANGE"))
    if errors is None:
        raise ValidationFailed(found)
    return default


def bool_param(request: Request, name: str, errors: list[FieldError]) -> bool:
    found = single_param(request, name, errors)
    raw = "false" if found is None else found.strip().lower()
    if raw not in ("true", "false"):
        errors.append(FieldError(f"query.{name}", "must be true or false", "INVALID"))
    return raw == "true"
