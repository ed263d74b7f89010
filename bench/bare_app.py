"""The baseline: a bare Starlette route that parses the same JSON body and answers 204."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def bare(request: Request) -> Response:
    await request.json()
    return Response(status_code=204)


app = Starlette(routes=[Route("/events/v3/send", bare, methods=["POST"]),
                        Route("/events/v3/send/batch", bare, methods=["POST"]),
                        Route("/collect", bare, methods=["POST"])])
