"""``POST <collect_path>``: the JS collect endpoint (a plain ASGI endpoint, like send).

Cross-origin without credentials, ``text/plain`` (or JSON) bodies, never a failure for size
(see ``collector.jsapi``). 204 only after the store committed; 503 when it could not (the
tracker keeps the hits and retries; each carries its uuid, so a retry never duplicates).
Every answer, errors included, carries the CORS headers so the tracker can read it.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response

from collector.api.plain import Incoming, PlainEndpoint
from collector.enrich.page import preferred_language
from collector.enrich.useragent import parse_agent
from collector.errors import NotFound
from collector.jsapi import ingest
from collector.jsapi.hits import parse_body, read_envelope
from collector.jsapi.state import TrackingState
from collector.jsonbody import BEACON_TYPES, read_body
from collector.services import Services

CORS = {"Access-Control-Allow-Origin": "*", "Vary": "Origin"}
PREFLIGHT = {**CORS, "Access-Control-Allow-Methods": "POST, OPTIONS",
             "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "86400"}


async def preflight(request: Request) -> Response:
    return Response(status_code=204, headers=PREFLIGHT)


async def _collect(incoming: Incoming) -> None:
    svc = incoming.services
    settings = svc.settings
    body = await read_body(incoming.headers, incoming.chunks(), settings.max_body_bytes,
                           BEACON_TYPES)
    # Only an escape (\u0000, \ud800) can smuggle in text no store holds: clean only then.
    envelope = read_envelope(parse_body(body), clean=b"\\u" in body,
                             max_depth=settings.max_json_depth)
    state: TrackingState = incoming.scope["app"].state.tracking
    tracking = await state.cache.get(envelope.portal_id)
    if tracking is None:
        raise NotFound(f"No portal {envelope.portal_id}")
    definitions = await svc.definitions.get(envelope.portal_id)
    if ingest.unknown_events(envelope, definitions):
        definitions = await svc.definitions.get(envelope.portal_id, fresh=True)
    outcome = ingest.build(envelope, await _context(incoming, svc, state), tracking, definitions,
                           settings.limits)
    if outcome.completions or outcome.failed or outcome.counters:
        await svc.store.record_js_hits(envelope.portal_id, outcome.completions, outcome.failed,
                                       outcome.counters, settings.limits.completions_per_month)


async def _context(incoming: Incoming, svc: Services, state: TrackingState) -> ingest.Request:
    headers = incoming.headers
    settings = svc.settings
    return ingest.Request(
        origin=headers.get("origin"),
        agent=parse_agent(headers.get("user-agent", "")[:512]),
        client_ip=incoming.client_host,
        do_not_track=headers.get("dnt") == "1" or headers.get("sec-gpc") == "1",
        language=preferred_language(headers.get("accept-language", "")),
        now=time.time_ns() // 1_000_000,
        visitor_secret=await state.visitor_secret(),
        allow_headless=settings.allow_headless,
        future_skew_ms=settings.future_skew_seconds * 1000,
    )


collect = PlainEndpoint(_collect, CORS)
