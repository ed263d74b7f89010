"""Selector health (SPEC 12.3): how often each clicked-element definition fired, when it
last did, on which in-scope pages the tracker found no element for it, and whether it looks
broken — it missed on a page after its last completion and after its selector last changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import Request

from collector.api.common import services
from collector.autotrack.definitions import is_auto
from collector.completions import resolve_event_name
from collector.enrich.page import origin_host
from collector.jsapi.state import tracking_state
from collector.model import EventDefinition
from collector.storage import Store
from collector.timeparse import format_ms

MAX_NAMES = 50
MAX_URL = 1024


async def record(request: Request, portal_id: int, url: str, raw_names: Any, now: int) -> None:
    """Store a tracker's "no element matched" report; anything unexpected is ignored."""
    tracking = await tracking_state(request).cache.get(portal_id)
    if tracking is None or not isinstance(raw_names, list):
        return
    if not tracking.allows(origin_host(request.headers.get("origin"), url)):
        return
    definitions = await services(request).definitions.get(portal_id)
    names = []
    for raw in raw_names[:MAX_NAMES]:
        name = resolve_event_name(raw, portal_id) if isinstance(raw, str) else None
        found = definitions.get(name or "")
        if found is not None and is_auto(found) and found.tracking_type == "CLICKED_ELEMENT":
            names.append(found.name)
    if names:
        await services(request).store.record_selector_misses(portal_id, names,
                                                             url.split("#")[0][:MAX_URL], now)


def _entry(d: EventDefinition, fires: tuple[int, int] | None,
           misses: list[dict[str, Any]]) -> dict[str, Any]:
    last_fired = fires[1] if fires else None
    since = max(last_fired or 0, d.updated_at)
    recent = [m for m in misses if m["lastSeenAt"] > since]
    return {"name": d.name, "fullyQualifiedName": d.fully_qualified_name, "label": d.label,
            "trackingType": d.tracking_type, "selector": d.tracking.get("selector"),
            "rule": d.tracking.get("rule"), "fired": fires[0] if fires else 0,
            "lastFiredAt": format_ms(last_fired) if last_fired else None,
            "missingOn": [{**m, "firstSeenAt": format_ms(m["firstSeenAt"]),
                           "lastSeenAt": format_ms(m["lastSeenAt"])} for m in misses],
            "broken": bool(recent),
            "brokenOn": [m["url"] for m in recent]}


async def report(store: Store, portal_id: int,
                 definitions: Iterable[EventDefinition]) -> list[dict[str, Any]]:
    auto = sorted((d for d in definitions if is_auto(d)), key=lambda d: d.id)
    fires = await store.event_fires(portal_id, [d.name for d in auto])
    misses = await store.selector_misses(portal_id) if auto else {}
    return [_entry(d, fires.get(d.name), misses.get(d.name, [])) for d in auto]
