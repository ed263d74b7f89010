"""The baseline for single-event send: a bare Starlette route that reads JSON and answers 204."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def send(request: Request) -> Response:
    await request.json()
    return Response(status_code=204)


app = Starlette(routes=[Route("/events/v3/send", send, methods=["POST"])])
