"""The event visualizer's endpoints.

Owner side (bearer token, in ``ROUTES``): ``POST /footfall/v1/visualizer/tokens`` issues a
signed, short-lived token and the launch URL ``<page>#footfall-visualizer=<token>`` for a
page on one of the portal's allowed domains; ``GET /footfall/v1/visualizer/health`` is
selector health per clicked-element definition.

Site side (no bearer token, CORS): ``GET <script_prefix>/footfall-visualizer/<portal>.js?t=``
serves the overlay only for a valid token (anything else gets a 401 and loads nothing);
``POST <collect_path>/misses`` is the tracker's "no element matched" report.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from collector.api.collect import CORS
from collector.api.common import authenticated, json_body, reject_unknown_params, services
from collector.api.tracking import javascript
from collector.autotrack import health, rules, session
from collector.autotrack.token import DEFAULT_TTL, MAX_TTL, Grant, origin_of, sign
from collector.errors import FieldError, Unauthorized, ValidationFailed
from collector.jsapi.hits import parse_body
from collector.jsonbody import BEACON_TYPES, read_body
from collector.responses import JSONResponse
from collector.storage.queries import now_ms
from visualizer import bundle

HASH_KEY = "footfall-visualizer"


def _launch_request(body: Any) -> tuple[str, str, int]:
    body = rules.check_fields(body, {"url", "ttlSeconds"})
    url, ttl = body.get("url"), body.get("ttlSeconds", DEFAULT_TTL)
    errors = []
    origin = origin_of(url) if isinstance(url, str) and len(url) <= 2000 else None
    if origin is None:
        errors.append(FieldError("url", "must be the http(s) URL of a page of your site"))
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 60 <= ttl <= MAX_TTL:
        errors.append(FieldError("ttlSeconds", f"must be an integer from 60 to {MAX_TTL}"))
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(url, str)
    assert origin is not None
    return url.split("#")[0], origin, int(ttl)


async def launch(request: Request, portal_id: int, body: Any) -> dict[str, Any]:
    """A signed visualizer token and the launch URL for a page of the portal's site (the
    JSON API and the management UI's create wizard both call this)."""
    page, origin, ttl = _launch_request(body)
    if not await session.host_allowed(request, portal_id, origin):
        raise ValidationFailed([FieldError("url", "the page is not on one of the portal's"
                                           " allowed domains", "NOT_ALLOWED")])
    grant = Grant(portal_id, origin, int(time.time()) + ttl)
    token = sign(await session.secret(request), grant)
    return {"token": token, "launchUrl": f"{page}#{HASH_KEY}={token}", "portalId": portal_id,
            "origin": origin, "expiresAt": grant.expires_at * 1000}


@authenticated
async def issue_token(request: Request, portal_id: int) -> Response:
    return JSONResponse(await launch(request, portal_id, await json_body(request)),
                        status_code=201)


@authenticated
async def selector_health(request: Request, portal_id: int) -> Response:
    reject_unknown_params(request, set())
    definitions = (await services(request).definitions.get(portal_id, fresh=True)).values()
    return JSONResponse({"results": await health.report(services(request).store, portal_id,
                                                        definitions)})


async def overlay_script(request: Request) -> Response:
    try:
        await session.grant_for(request, request.query_params.get("t"),
                                request.path_params["portal_id"])
    except Unauthorized as exc:
        # A script-typed refusal: browsers run no script from a 401, and a JSON body would
        # only be blocked as a cross-origin read.
        return Response(f"/* {exc.message} */\n", status_code=401, headers={
            "Cache-Control": "no-store"}, media_type="application/javascript; charset=utf-8")
    response = javascript(request, bundle.overlay_script())
    response.headers["Cache-Control"] = "no-store"
    return response


async def misses(request: Request) -> Response:
    """``{"a": portal, "u": page URL, "m": [fullyQualifiedName, …]}`` as text/plain."""
    doc = parse_body(await read_body(request.headers, request.stream(), 65536, BEACON_TYPES))
    portal = doc.get("a") if isinstance(doc, dict) else None
    if type(portal) is int and 0 < portal < 2**63 and isinstance(doc.get("u"), str):
        await health.record(request, portal, doc["u"], doc.get("m"), now_ms())
    return Response(status_code=204, headers=CORS)
