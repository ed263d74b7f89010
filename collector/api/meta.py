"""Endpoints about the service itself: limits, OpenAPI document, health."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

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
