"""Owner endpoints of the JS path (authenticated): tracking settings, failed events, counters.

``GET|PATCH /footfall/v1/tracking/settings`` — allowed domains and privacy mode;
``GET /footfall/v1/tracking/failed-events`` — JS hits kept with the reason they failed;
``GET /footfall/v1/tracking/counters`` — hits dropped for a foreign origin, bots, DNT, …
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from collector.api.common import authenticated, int_param, json_body, reject_unknown_params, services
from collector.jsapi.portal_settings import change_settings, load_settings
from collector.jsapi.state import tracking_state
from collector.responses import JSONResponse


@authenticated
async def get_settings(request: Request, portal_id: int) -> Response:
    return JSONResponse((await load_settings(services(request).store, portal_id)).to_json())


@authenticated
async def patch_settings(request: Request, portal_id: int) -> Response:
    updated = await change_settings(services(request).store, tracking_state(request).cache,
                                    portal_id, await json_body(request))
    return JSONResponse(updated.to_json())


@authenticated
async def failed_events(request: Request, portal_id: int) -> Response:
    reject_unknown_params(request, {"limit", "before"})
    limit = int_param(request, "limit", 100, 1, 1000)
    before = int_param(request, "before", 0, 0, 2**62) or None
    rows = await services(request).store.list_failed_events(portal_id, limit, before)
    body: dict[str, object] = {"results": rows}
    if len(rows) == limit:
        body["paging"] = {"next": {"before": rows[-1]["seq"]}}
    return JSONResponse(body)


@authenticated
async def counters(request: Request, portal_id: int) -> Response:
    reject_unknown_params(request, set())
    return JSONResponse({"counters": await services(request).store.tracking_counters(portal_id)})
