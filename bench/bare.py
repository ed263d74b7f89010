"""The baseline: a bare Starlette route that parses the same body and answers 204."""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def collect(request: Request) -> Response:
    json.loads(await request.body())
    return Response(status_code=204)


app = Starlette(routes=[Route("/collect", collect, methods=["POST"])])
