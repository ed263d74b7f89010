"""``GET /events/v3/events`` (filtered, cursor-paged retrieval) and ``/event-types``."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from collector.api.common import (
    authenticated,
    int_param,
    reject_unknown_params,
    services,
    unknown_params,
)
from collector.completions import resolve_event_name
from collector.errors import FieldError, ValidationFailed
from collector.limits import PROPERTY_NAME_RE
from collector.model import CompletionQuery, StoredCompletion, is_decimal, normalize_object_type
from collector.responses import JSONResponse
from collector.timeparse import format_ms, parse_timestamp_ms

QUERY_PARAMS = {"eventType", "objectType", "objectId", "occurredAfter", "occurredBefore", "id",
                "sort", "limit", "after"}
MAX_LIMIT = 1000


def _parse_query(request: Request, portal_id: int) -> CompletionQuery:
    params = request.query_params
    errors = unknown_params(request, QUERY_PARAMS, ("property.", "objectProperty."))

    def fail(name: str, message: str, code: str = "INVALID") -> None:
        errors.append(FieldError(f"query.{name}", message, code))

    limit = int_param(request, "limit", 100, 1, MAX_LIMIT, errors)
    sort = params.get("sort", "DESCENDING").upper()
    if sort not in ("ASCENDING", "DESCENDING"):
        fail("sort", "must be ASCENDING or DESCENDING")
    descending = sort != "ASCENDING"
    event_name = None
    if (event_type := params.get("eventType")) is not None:
        # An event type of another portal matches nothing: no internal name is empty.
        event_name = resolve_event_name(event_type, portal_id) or ""
    object_type = None
    if (raw_type := params.get("objectType")) is not None:
        object_type = normalize_object_type(raw_type)
        if object_type is None:
            fail("objectType", "must be contact, company, deal or ticket")
    object_id = None
    if (raw_id := params.get("objectId")) is not None:
        if not is_decimal(raw_id) or not 0 < int(raw_id) < 2**63:
            fail("objectId", "must be a positive integer id")
        else:
            object_id = int(raw_id)
        if raw_type is None:
            fail("objectType", "is required with objectId", "REQUIRED")
    object_property = None
    props: list[tuple[str, str]] = []
    for key, value in params.multi_items():
        kind, _, name = key.partition(".")
        if kind not in ("property", "objectProperty"):
            continue
        if not PROPERTY_NAME_RE.match(name):
            fail(key, "must name a property (lowercase letters, digits, underscores)")
        elif kind == "property":
            props.append((name, value))
        elif object_property is not None:
            fail(key, "only one objectProperty filter is supported")
        else:
            object_property = (name, value.strip().lower() if name == "email" else value)
    times = {}
    for name in ("occurredAfter", "occurredBefore"):
        if (raw := params.get(name)) is not None:
            try:
                times[name] = parse_timestamp_ms(raw)
            except ValueError as exc:
                fail(name, str(exc))
    completion_id = None
    if (raw := params.get("id")) is not None:
        try:
            completion_id = str(uuid.UUID(raw))
        except ValueError:
            fail("id", "must be a completion id (a UUID)")
    after = None
    if (raw := params.get("after")) is not None:
        try:
            after = services(request).cursors.decode(raw, portal_id, descending)
        except ValueError as exc:
            fail("after", str(exc), "INVALID_CURSOR")
    if errors:
        raise ValidationFailed(errors)
    return CompletionQuery(
        limit=limit, descending=descending, event_name=event_name, object_type=object_type,
        object_id=object_id, object_property=object_property, properties=tuple(props),
        occurred_after=times.get("occurredAfter"), occurred_before=times.get("occurredBefore"),
        completion_id=completion_id, after=after,
    )


def completion_json(c: StoredCompletion) -> dict[str, Any]:
    body: dict[str, Any] = {
        "objectType": c.object_type, "objectId": str(c.object_id),
        "eventType": f"pe{c.portal_id}_{c.event_name}", "occurredAt": format_ms(c.occurred_at),
        "id": c.id, "properties": c.properties,
    }
    if c.adjustments:
        body["adjustments"] = c.adjustments
    return body


@authenticated
async def list_events(request: Request, portal_id: int) -> Response:
    svc = services(request)
    query = _parse_query(request, portal_id)
    rows = await svc.store.query_completions(portal_id, query)
    page = rows[: query.limit]
    body: dict[str, Any] = {"results": [completion_json(c) for c in page]}
    if len(rows) > query.limit:
        last = page[-1]
        cursor = svc.cursors.encode(portal_id, last.occurred_at, last.seq, query.descending)
        link = str(request.url.include_query_params(after=cursor))
        body["paging"] = {"next": {"after": cursor, "link": link}}
    return JSONResponse(body)


@authenticated
async def event_types(request: Request, portal_id: int) -> Response:
    reject_unknown_params(request, set())
    definitions = await services(request).definitions.get(portal_id, fresh=True)
    names = sorted(d.fully_qualified_name for d in definitions.values())
    return JSONResponse({"eventTypes": names})

