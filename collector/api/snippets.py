"""Per-event snippets and owners' saved code (authenticated).

``GET /footfall/v1/event-definitions/{eventName}/snippet`` — the generated snippet, the
saved code (if any) and the portal's tracking tag; ``PUT`` the same path with
``{"code": "..."}`` saves edited code (``null`` or ``""`` removes it); saved code of active
events becomes part of the portal's tracking script.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from collector import definition_ops as ops
from collector.api.common import authenticated, json_body, services
from collector.api.tracking import script_url
from collector.errors import FieldError, ValidationFailed
from collector.model import EventDefinition
from collector.responses import JSONResponse
from snippets import render


async def _definition(request: Request, portal_id: int) -> EventDefinition:
    return await ops.find_definition(services(request), portal_id,
                                     request.path_params["event_name"])


def snippet_json(request: Request, definition: EventDefinition) -> dict[str, object]:
    src = script_url(request, definition.portal_id)
    return {"eventName": definition.fully_qualified_name,
            "snippet": render.event_snippet(definition),
            "code": definition.tracking.get("code") or None,
            "trackingCode": render.tracking_tag(src)}


@authenticated
async def get_snippet(request: Request, portal_id: int) -> Response:
    return JSONResponse(snippet_json(request, await _definition(request, portal_id)))


@authenticated
async def save_code(request: Request, portal_id: int) -> Response:
    body = await json_body(request)
    code = body.get("code") if isinstance(body, dict) else 0
    if not (code is None or isinstance(code, str)) or not isinstance(body, dict) or set(body) - {"code"}:
        raise ValidationFailed([FieldError("code", "send {\"code\": \"...\"} or {\"code\": null}",
                                           "WRONG_TYPE")])
    definition = await ops.save_code(services(request), await _definition(request, portal_id),
                                     code)
    return JSONResponse(snippet_json(request, definition))
