"""``POST <collect_path>``: the JS collect endpoint.

Cross-origin without credentials, ``text/plain`` (or JSON) bodies, never a failure for size
(see ``collector.jsapi``). 204 only after the store committed; 503 when it could not (the
tracker keeps the hits and retries; each carries its uuid, so a retry never duplicates).
Every answer, errors included, carries the CORS headers so the tracker can read it.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response

from collector.api.common import services
from collector.enrich.useragent import parse_agent
from collector.errors import FootfallError, NotFound
from collector.jsapi import ingest
from collector.jsapi.hits import parse_body, read_envelope
from collector.jsapi.state import tracking_state
from collector.jsonbody import BEACON_TYPES, read_body
from collector.responses import footfall_error

CORS = {"Access-Control-Allow-Origin": "*", "Vary": "Origin"}
PREFLIGHT = {**CORS, "Access-Control-Allow-Methods": "POST, OPTIONS",
             "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "86400"}


async def collect(request: Request) -> Response:
    try:
        response = await _collect(request)
    except FootfallError as exc:
        response = await footfall_error(request, exc)
    response.headers.update(CORS)
    return response


async def preflight(request: Request) -> Response:
    return Response(status_code=204, headers=PREFLIGHT)


async def _collect(request: Request) -> Response:
    svc = services(request)
    settings = svc.settings
    body = await read_body(request, settings.max_body_bytes, BEACON_TYPES)
    # Only an escape (\u0000, \ud800) can smuggle in text no store holds: clean only then.
    envelope = read_envelope(parse_body(body), clean=b"\\u" in body)
    state = tracking_state(request)
    tracking = await state.cache.get(envelope.portal_id)
    if tracking is None:
        raise NotFound(f"No portal {envelope.portal_id}")
    definitions = await svc.definitions.get(envelope.portal_id)
    if ingest.unknown_events(envelope, definitions):
        definitions = await svc.definitions.get(envelope.portal_id, fresh=True)
    outcome = ingest.build(envelope, await _context(request), tracking, definitions,
                           settings.limits)
    if outcome.completions or outcome.failed or outcome.counters:
        await svc.store.record_js_hits(envelope.portal_id, outcome.completions, outcome.failed,
                                       outcome.counters, settings.limits.completions_per_month)
    return Response(status_code=204)


async def _context(request: Request) -> ingest.Request:
    headers = request.headers
    settings = services(request).settings
    return ingest.Request(
        origin=headers.get("origin"),
        agent=parse_agent(headers.get("user-agent", "")[:512]),
        client_ip=request.client.host if request.client else "",
        do_not_track=headers.get("dnt") == "1" or headers.get("sec-gpc") == "1",
        now=time.time_ns() // 1_000_000,
        visitor_secret=await tracking_state(request).visitor_secret(),
        allow_headless=settings.allow_headless,
        future_skew_ms=settings.future_skew_seconds * 1000,
    )
