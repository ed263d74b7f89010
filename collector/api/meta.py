"""Endpoints about the service itself: limits, OpenAPI document, health, the site root."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from collector.api.common import authenticated, services
from collector.errors import StoreUnavailable
from collector.openapi import openapi_document
from collector.responses import JSONResponse


@authenticated
async def limits(request: Request, portal_id: int) -> Response:
    return JSONResponse(services(request).settings.limits.as_public_dict())


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document())


HEALTH_TIMEOUT = 2.0  # seconds: load balancers give up on a check after a few


async def health(request: Request) -> Response:
    """200 while the database answers; 503 when it does not (a load balancer then sends
    the traffic to collectors that can store it)."""
    try:
        await asyncio.wait_for(services(request).store.ping(), HEALTH_TIMEOUT)
    except (StoreUnavailable, TimeoutError):
        return JSONResponse({"status": "unavailable"}, status_code=503,
                            headers={"Retry-After": "1"})
    return JSONResponse({"status": "ok"})


async def home(request: Request) -> Response:
    """The site root: a person who opens it in a browser wants the management UI."""
    return RedirectResponse("app/", status_code=307)  # relative: right behind a path prefix too
