"""Checking a visualizer request: a genuine token for this portal, from the token's site,
which the portal's allowed domains still allow. Every failure is the same 401."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from starlette.requests import Request

from collector.api.common import services
from collector.autotrack.token import Grant, origin_of, verify
from collector.errors import Unauthorized
from collector.jsapi.state import tracking_state

HEADER = "x-footfall-visualizer"


async def secret(request: Request) -> bytes:
    """The deployment's visualizer signing key (read once per process)."""
    found: bytes | None = getattr(request.app.state, "visualizer_secret", None)
    if found is None:
        found = await services(request).store.secret("visualizer")
        request.app.state.visualizer_secret = found
    return found


async def host_allowed(request: Request, portal_id: int, origin: str) -> bool:
    tracking = await tracking_state(request).cache.get(portal_id)
    return tracking is not None and tracking.allows(urlsplit(origin).hostname or "")


async def grant_for(request: Request, token: str | None, portal_id: int | None = None) -> Grant:
    grant = verify(await secret(request), token, int(time.time()))
    sent_origin = request.headers.get("origin") or origin_of(request.headers.get("referer", ""))
    if (grant is None or (portal_id is not None and grant.portal_id != portal_id)
            or (sent_origin is not None and sent_origin != grant.origin)
            or not await host_allowed(request, grant.portal_id, grant.origin)):
        raise Unauthorized("The visualizer token is not valid for this site")
    return grant
