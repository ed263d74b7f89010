"""The overlay's definition endpoints, authorised by a visualizer token (not a portal
token) in the ``X-Footfall-Visualizer`` header, called cross-origin from the owner's site:

``GET|POST /footfall/v1/visualizer/definitions`` — list (active clicked-element and
visited-URL definitions) and create; ``PATCH|DELETE …/definitions/{event_name}`` — change
the label, selector, URL rule or capture options, and archive.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import wraps

from starlette.requests import Request
from starlette.responses import Response

from collector.api.common import json_body, services
from collector.autotrack import session
from collector.autotrack.definitions import auto_json, changed_definition, is_auto, new_definition
from collector.completions import resolve_event_name
from collector.definition_ops import archived, change
from collector.errors import FieldError, FootfallError, NotFound
from collector.model import EventDefinition
from collector.responses import JSONResponse, footfall_error
from collector.storage.queries import now_ms

CORS = {"Access-Control-Allow-Origin": "*", "Vary": "Origin",
        "Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, X-Footfall-Visualizer",
        "Access-Control-Max-Age": "600"}
Endpoint = Callable[[Request, int], Awaitable[Response]]


def with_token(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    """Check the token, run ``endpoint`` with its portal, answer with CORS headers."""

    @wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        try:
            grant = await session.grant_for(request, request.headers.get(session.HEADER))
            response = await endpoint(request, grant.portal_id)
        except FootfallError as exc:
            response = await footfall_error(request, exc)
        response.headers.update(CORS)
        return response

    return wrapper


async def preflight(request: Request) -> Response:
    return Response(status_code=204, headers=CORS)


async def _find(request: Request, portal_id: int) -> EventDefinition:
    raw = request.path_params["event_name"]
    name = resolve_event_name(raw, portal_id) or ""
    found = (await services(request).definitions.get(portal_id, fresh=True)).get(name)
    if found is None or not is_auto(found):
        raise NotFound(f"No clicked-element or visited-URL definition named {raw!r}",
                       (FieldError("eventName", "unknown event", "NOT_FOUND"),))
    return found


@with_token
async def list_definitions(request: Request, portal_id: int) -> Response:
    everything = (await services(request).definitions.get(portal_id, fresh=True)).values()
    found = sorted((d for d in everything if is_auto(d)), key=lambda d: d.id)
    return JSONResponse({"results": [auto_json(d) for d in found]})


@with_token
async def create_definition(request: Request, portal_id: int) -> Response:
    svc = services(request)
    definition = new_definition(await json_body(request), portal_id, svc.settings.limits,
                                now_ms())
    new_id = await svc.store.insert_definition(definition, svc.settings.limits.definitions_per_portal)
    svc.definitions.invalidate(portal_id)
    return JSONResponse(auto_json(replace(definition, id=new_id)), status_code=201)


@with_token
async def update_definition(request: Request, portal_id: int) -> Response:
    current = await _find(request, portal_id)
    body = await json_body(request)
    limits = services(request).settings.limits
    changed = await change(services(request), current,
                           lambda d: changed_definition(d, body, limits, now_ms()))
    return JSONResponse(auto_json(changed))


@with_token
async def delete_definition(request: Request, portal_id: int) -> Response:
    await change(services(request), await _find(request, portal_id), archived)
    return Response(status_code=204)
