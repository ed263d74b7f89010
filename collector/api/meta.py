"""Endpoints about the service itself: limits, OpenAPI document, health, the site root."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from collector.api.common import authenticated, services
from collector.openapi import openapi_document
from collector.responses import JSONResponse


@authenticated
async def limits(request: Request, portal_id: int) -> Response:
    return JSONResponse(services(request).settings.limits.as_public_dict())


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document())


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def home(request: Request) -> Response:
    """The site root: a person who opens it in a browser wants the management UI."""
    return RedirectResponse("app/", status_code=307)  # relative: right behind a path prefix too
