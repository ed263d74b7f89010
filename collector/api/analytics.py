"""``GET /footfall/v1/analytics/...``: the JSON analytics API (bearer token, one portal).

Days, weeks and months are UTC (see ``collector.analytics``). Every endpoint names every
offending query parameter in one 400, and another portal's event or contact is a 404.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from collector.analytics import lookup, params, periods, report
from collector.analytics.model import ContactSummary
from collector.api.common import authenticated, services
from collector.autotrack import health
from collector.completions import event_type
from collector.errors import FieldError, NotFound, ValidationFailed
from collector.model import EventDefinition, StoredCompletion
from collector.numerals import decimal
from collector.responses import JSONResponse
from collector.timeparse import format_ms

BASE = "/footfall/v1/analytics"
MAX_TOP = 100
MAX_LIMIT = 200


def today() -> int:
    return periods.day_of(time.time_ns() // 1_000_000)


def _date(day: int) -> str:
    return periods.to_date(day).isoformat()


def _items(request: Request) -> list[tuple[str, str]]:
    return request.query_params.multi_items()


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors)


async def _event(request: Request, portal_id: int) -> tuple[str, EventDefinition | None]:
    definitions = await services(request).definitions.get(portal_id, fresh=True)
    return lookup.event_named(definitions, portal_id, request.path_params["event_name"])


def _sample_json(sample: report.Sample | None) -> dict[str, Any] | None:
    return None if sample is None else {"window": sample.window,
                                        "since": format_ms(sample.since_ms)}


async def _event_query(request: Request, portal_id: int, extra: set[str],
                       ) -> tuple[str, EventDefinition | None, params.EventParams,
                                  list[tuple[str, str]], list[FieldError]]:
    """The event, its period and filters; errors so far (the caller adds its own)."""
    name, definition = await _event(request, portal_id)
    items, errors = _items(request), list[FieldError]()
    params.unknown(items, params.EVENT_PARAMS | extra, errors, filters=True)
    query = params.event_params(items, today(), errors)
    known = params.event_properties(definition)
    params.check_properties([(f"filter[{k}]", k) for k, _ in query.filters], known, errors)
    return name, definition, params.for_event(query, known), items, errors


def _head(portal_id: int, name: str, query: params.EventParams) -> dict[str, Any]:
    return {"eventName": name, "fullyQualifiedName": event_type(name, portal_id),
            "timeZone": "UTC", "interval": query.interval, "from": _date(query.period.first),
            "to": _date(query.period.last), "filters": dict(query.filters)}


@authenticated
async def event_series(request: Request, portal_id: int) -> Response:
    name, _, query, _, errors = await _event_query(request, portal_id, set())
    _raise(errors)
    found = await report.event_report(services(request).store, portal_id, name, query,
                                      services(request).settings.analytics_window,
                                      uniques=False)
    return JSONResponse({**_head(portal_id, name, query), "buckets": [
        {"start": _date(b.start), "end": _date(b.last), "completions": b.completions,
         "partial": b.partial} for b in found.buckets],
        "completions": found.completions, "sample": _sample_json(found.sample)})


@authenticated
async def event_summary(request: Request, portal_id: int) -> Response:
    name, _, query, _, errors = await _event_query(request, portal_id, set())
    _raise(errors)
    store = services(request).store
    found = await report.event_report(store, portal_id, name, query,
                                      services(request).settings.analytics_window)
    failed = await report.failed_hits(store, portal_id, name, query.period)
    return JSONResponse({**_head(portal_id, name, query), "completions": found.completions,
                         "uniqueRecords": found.unique_records, "adjusted": found.adjusted,
                         "failed": failed, "sample": _sample_json(found.sample)})


@authenticated
async def event_breakdown(request: Request, portal_id: int) -> Response:
    name, definition, query, items, errors = await _event_query(request, portal_id,
                                                                {"property", "top"})
    prop = params.property_name(items, params.event_properties(definition), errors)
    top = params.integer(items, "top", 10, 1, MAX_TOP, errors)
    _raise(errors)
    assert prop is not None
    found, sample = await report.breakdown(services(request).store, portal_id, name, query,
                                           prop, top,
                                           services(request).settings.analytics_window)
    return JSONResponse({**_head(portal_id, name, query), "property": prop,
                         "values": [{"value": r.value, "count": r.count} for r in found.rows],
                         "other": found.other, "matched": found.matched,
                         "distinctValues": found.distinct, "sample": _sample_json(sample)})


def completion_json(c: StoredCompletion) -> dict[str, Any]:
    return {"id": c.id, "eventName": c.event_name, "objectType": c.object_type,
            "objectId": str(c.object_id), "occurredAt": format_ms(c.occurred_at),
            "receivedAt": format_ms(c.received_at), "source": c.source,
            "properties": c.properties, "adjustments": c.adjustments or []}


def _paging(request: Request, portal_id: int, rows: list[StoredCompletion],
            limit: int) -> dict[str, Any]:
    if len(rows) <= limit:
        return {}
    last = rows[limit - 1]
    cursor = services(request).cursors.encode(portal_id, last.occurred_at, last.seq, True)
    return {"paging": {"next": {"after": cursor, "link": str(
        request.url.include_query_params(after=cursor))}}}


def _cursor(request: Request, portal_id: int, items: list[tuple[str, str]],
            errors: list[FieldError]) -> tuple[int, int] | None:
    raw = params.single(items, "after", errors)
    if raw is None:
        return None
    try:
        return services(request).cursors.decode(raw, portal_id, True)
    except ValueError as exc:
        errors.append(FieldError("query.after", str(exc), "INVALID_CURSOR"))
        return None


@authenticated
async def event_completions(request: Request, portal_id: int) -> Response:
    name, _, query, items, errors = await _event_query(request, portal_id, {"limit", "after"})
    limit = params.integer(items, "limit", 25, 1, MAX_LIMIT, errors)
    after = _cursor(request, portal_id, items, errors)
    _raise(errors)
    rows = await report.latest(services(request).store, portal_id, name, query, limit, after,
                               services(request).settings.analytics_window)
    return JSONResponse({**_head(portal_id, name, query),
                         "results": [completion_json(c) for c in rows[:limit]],
                         **_paging(request, portal_id, rows, limit)})


@authenticated
async def events_summary(request: Request, portal_id: int) -> Response:
    items, errors = _items(request), list[FieldError]()
    params.unknown(items, {"days"}, errors)
    days = params.integer(items, "days", 30, 1, 366, errors)
    _raise(errors)
    svc = services(request)
    definitions = await svc.definitions.get(portal_id, fresh=True)
    period = periods.Period(today() - days + 1, today())
    found = await report.events_summary(svc.store, portal_id, definitions, period)
    broken = {h["name"]: h["broken"] for h in await health.report(svc.store, portal_id,
                                                                  definitions.values())}
    return JSONResponse({
        "timeZone": "UTC", "from": _date(period.first), "to": _date(period.last),
        "results": [_event_row(portal_id, row, definitions.get(row.name), broken.get(row.name))
                    for row in found.rows.values()],
        "unknownEvents": [{"eventName": raw, "failed": n}
                          for raw, n in sorted(found.unknown.items())]})


def _event_row(portal_id: int, row: report.EventRow, definition: EventDefinition | None,
               broken: bool | None) -> dict[str, Any]:
    return {"name": row.name, "fullyQualifiedName": event_type(row.name, portal_id),
            "label": lookup.label_of(row.name, definition),
            "trackingType": definition.tracking_type if definition else "PAGE_VIEW",
            "archived": definition.archived if definition else False,
            "completions": row.completions, "adjusted": row.adjusted, "failed": row.failed,
            "total": row.total,
            "lastCompletedOn": _date(row.last_day) if row.last_day is not None else None,
            "selectorBroken": broken}


def contact_json(c: ContactSummary) -> dict[str, Any]:
    return {"id": str(c.id), "email": c.email, "properties": c.properties,
            "createdAt": format_ms(c.created_at), "completions": c.completions,
            "lastCompletionAt": format_ms(c.last_occurred_at) if c.last_occurred_at else None}


@authenticated
async def contacts(request: Request, portal_id: int) -> Response:
    items, errors = _items(request), list[FieldError]()
    params.unknown(items, {"search", "limit"}, errors)
    search = params.single(items, "search", errors)
    if search is not None and len(search) > 256:
        errors.append(FieldError("query.search", "at most 256 characters", "TOO_LONG"))
    limit = params.integer(items, "limit", 25, 1, MAX_LIMIT, errors)
    _raise(errors)
    found = await services(request).store.find_contacts(portal_id, search, limit)
    return JSONResponse({"results": [contact_json(c) for c in found]})


def contact_id(raw: str) -> int:
    number = decimal(raw)
    if number is None or not 0 < number < 2**63:
        raise NotFound(f"No contact with id {raw[:40]!r}",
                       (FieldError("contactId", "no such contact", "NOT_FOUND"),))
    return number


@authenticated
async def contact_timeline(request: Request, portal_id: int) -> Response:
    svc = services(request)
    contact = await svc.store.contact(portal_id, contact_id(request.path_params["contact_id"]))
    if contact is None:
        raise NotFound("No such contact in this portal",
                       (FieldError("contactId", "no such contact", "NOT_FOUND"),))
    items, errors = _items(request), list[FieldError]()
    params.unknown(items, {"event", "limit", "after"}, errors)
    event = report.timeline_event(params.single(items, "event", errors), portal_id, errors)
    limit = params.integer(items, "limit", 25, 1, MAX_LIMIT, errors)
    after = _cursor(request, portal_id, items, errors)
    _raise(errors)
    rows = await report.timeline(svc.store, portal_id, contact.id, event, limit, after)
    return JSONResponse({"contact": {**contact_json(contact), "events": contact.events},
                         "results": [completion_json(c) for c in rows[:limit]],
                         **_paging(request, portal_id, rows, limit)})
