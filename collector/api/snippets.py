"""Per-event snippets and owners' saved code (authenticated).

``GET /footfall/v1/event-definitions/{eventName}/snippet`` — the generated snippet, the
saved code (if any) and the portal's tracking tag; ``PUT`` the same path with
``{"code": "..."}`` saves edited code (``null`` or ``""`` removes it); saved code of active
events becomes part of the portal's tracking script.
"""

from __future__ import annotations

import time
from dataclasses import replace

from starlette.requests import Request
from starlette.responses import Response

from collector.api.common import authenticated, json_body, services
from collector.api.tracking import script_url
from collector.completions import resolve_event_name
from collector.errors import FieldError, NotFound, ValidationFailed
from collector.model import EventDefinition
from collector.responses import JSONResponse
from snippets import render

MAX_CODE_CHARS = 20_000


async def _definition(request: Request, portal_id: int) -> EventDefinition:
    raw = request.path_params["event_name"]
    name = resolve_event_name(raw, portal_id)
    definitions = await services(request).definitions.get(portal_id, fresh=True)
    found = definitions.get(name) if name is not None else None
    if found is None:
        raise NotFound(f"No event definition {raw!r}")
    return found


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
    if code is not None and len(code) > MAX_CODE_CHARS:
        raise ValidationFailed([FieldError("code", f"must be at most {MAX_CODE_CHARS} characters",
                                           "TOO_LONG")])
    definition = await _definition(request, portal_id)
    tracking = {k: v for k, v in definition.tracking.items() if k != "code"}
    if code:
        tracking["code"] = code
    updated = replace(definition, tracking=tracking, updated_at=time.time_ns() // 1_000_000)
    svc = services(request)
    await svc.store.save_definition(updated)
    svc.definitions.invalidate(portal_id)
    return JSONResponse(snippet_json(request, updated))
