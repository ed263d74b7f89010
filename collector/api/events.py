"""``GET /events/v3/events`` (filtered, cursor-paged retrieval) and ``/event-types``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from collector.api.common import (
    authenticated,
    int_param,
    list_param,
    reject_unknown_params,
    services,
    single_param,
    unknown_params,
)
from collector.completions import event_type, resolve_event_name
from collector.errors import FieldError, ValidationFailed
from collector.limits import PROPERTY_NAME_RE
from collector.model import BUILT_IN_EVENTS, CompletionQuery, StoredCompletion, normalize_object_type
from collector.numerals import decimal
from collector.properties import PROPERTY_ALIASES
from collector.responses import JSONResponse
from collector.timeparse import format_ms, parse_timestamp_ms

QUERY_PARAMS = {"eventType", "objectType", "objectId", "occurredAfter", "occurredBefore", "id",
                "sort", "limit", "after", "before", "properties",
                # HubSpot's own (its index tables); its clients may send them: accepted, unused.
                "indexTableName", "indexSpecificMetadata"}
DEFAULT_LIMIT = 20  # HubSpot's
MAX_LIMIT = 1000
MAX_PROPERTY_FILTERS = 100  # property.* and objectProperty.* values together
# HubSpot's spellings ("-occurredAt": descending; occurredAt is the one field) and ours.
_SORTS = {"OCCURREDAT": False, "ASCENDING": False, "-OCCURREDAT": True, "DESCENDING": True}


@dataclass(frozen=True, slots=True)
class _Read:
    """One retrieval request: the store query, and how its rows become the page."""

    query: CompletionQuery
    backward: bool  # ``before``: the query walks back from it; the page is turned round
    descending: bool  # the order asked for
    fields: frozenset[str] | None  # ``properties``: the ones to return


def _parse_query(request: Request, portal_id: int) -> _Read:
    errors = unknown_params(request, QUERY_PARAMS, ("property.", "objectProperty."))
    limit = int_param(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, errors)
    descending = _order(request, errors)
    event_name = None
    if (event_type := single_param(request, "eventType", errors)) is not None:
        # An event type of another portal matches nothing: no internal name is empty.
        event_name = resolve_event_name(event_type, portal_id) or ""
    object_type, object_id = _object(request, errors)
    object_props, props = _property_filters(request, errors)
    times = _times(request, errors)
    ids = _ids(request, errors)
    fields = _fields(request, errors)
    position, backward = _position(request, portal_id, descending, errors)
    if errors:
        raise ValidationFailed(errors)
    query = CompletionQuery(
        limit=limit, descending=descending != backward, event_name=event_name,
        object_type=object_type, object_id=object_id, object_properties=object_props,
        properties=props, occurred_after=times.get("occurredAfter"),
        occurred_before=times.get("occurredBefore"), completion_ids=ids, after=position,
    )
    return _Read(query, backward, descending, fields)


def _fail(errors: list[FieldError], name: str, message: str, code: str = "INVALID") -> None:
    errors.append(FieldError(f"query.{name}", message, code))


def _order(request: Request, errors: list[FieldError]) -> bool:
    """Whether the newest come first (``sort``; oldest first by default, as HubSpot)."""
    orders = {_SORTS.get(value.upper()) for value in list_param(request, "sort")}
    if None in orders:
        _fail(errors, "sort", "must be occurredAt or -occurredAt (or ASCENDING or DESCENDING)")
    elif len(orders) > 1:
        _fail(errors, "sort", "names both orders")
    return orders == {True}


def _object(request: Request, errors: list[FieldError]) -> tuple[str | None, int | None]:
    object_type = object_id = None
    if (raw_type := single_param(request, "objectType", errors)) is not None:
        object_type = normalize_object_type(raw_type)
        if object_type is None:
            _fail(errors, "objectType", "must be contact, company, deal or ticket")
    if (raw_id := single_param(request, "objectId", errors)) is not None:
        number = decimal(raw_id)
        if number is None or not 0 < number < 2**63:
            _fail(errors, "objectId", "must be a positive integer id")
        else:
            object_id = number
        if "objectType" not in request.query_params:
            _fail(errors, "objectType", "is required with objectId", "REQUIRED")
    return object_type, object_id


Pairs = tuple[tuple[str, str], ...]


def _property_filters(request: Request, errors: list[FieldError]) -> tuple[Pairs, Pairs]:
    """``objectProperty.<name>`` filters (all must hold) and ``property.<name>`` filters
    (a name repeated: any of its values)."""
    object_props: list[tuple[str, str]] = []
    props: list[tuple[str, str]] = []
    for key, value in request.query_params.multi_items():
        kind, _, name = key.partition(".")
        if kind not in ("property", "objectProperty"):
            continue
        if name == "{propname}":  # HubSpot's generated clients send their placeholder as is
            example = "objectProperty.email" if kind == "objectProperty" else "property.hs_city"
            _fail(errors, key, f"must name the property in place of {{propname}}, as in"
                  f" {example}=... (HubSpot's generated clients send the placeholder as is:"
                  " send that query parameter yourself)")
        elif not PROPERTY_NAME_RE.match(name):
            _fail(errors, key, "must name a property (lowercase letters, digits, underscores)")
        elif kind == "property":  # an alias reads what send stored under its standard name
            props.append((PROPERTY_ALIASES.get(name, name), value))
        else:
            object_props.append((name, value))  # an email is compared as stored: the store's rule
    if len(object_props) + len(props) > MAX_PROPERTY_FILTERS:
        errors.append(FieldError("query", f"at most {MAX_PROPERTY_FILTERS} property and object"
                                 " property filters (property.<name>, objectProperty.<name>)",
                                 "TOO_MANY"))
    return tuple(object_props), tuple(props)


def _times(request: Request, errors: list[FieldError]) -> dict[str, int]:
    times = {}
    for name in ("occurredAfter", "occurredBefore"):
        if (raw := single_param(request, name, errors)) is not None:
            try:
                times[name] = parse_timestamp_ms(raw)
            except ValueError as exc:
                _fail(errors, name, str(exc))
    return times


def _ids(request: Request, errors: list[FieldError]) -> tuple[str, ...]:
    ids: list[str] = []
    for raw in list_param(request, "id"):
        try:
            ids.append(str(uuid.UUID(raw)))
        except ValueError:
            _fail(errors, "id", f"must be completion ids (UUIDs); {raw[:60]!r} is not one")
    return tuple(dict.fromkeys(ids))


def _fields(request: Request, errors: list[FieldError]) -> frozenset[str] | None:
    """The properties to return (``properties``; an alias names its standard property);
    None: all."""
    names = frozenset(list_param(request, "properties"))
    if bad := sorted(n for n in names if not PROPERTY_NAME_RE.match(n)):
        _fail(errors, "properties", f"must name properties; {bad[0][:60]!r} does not")
    return frozenset(PROPERTY_ALIASES.get(n, n) for n in names) or None


def _position(request: Request, portal_id: int, descending: bool,
              errors: list[FieldError]) -> tuple[tuple[int, int] | None, bool]:
    """The cursor's position, and whether the page lies before it (``before``)."""
    params = request.query_params
    backward = "before" in params
    name = "before" if backward else "after"
    if backward and "after" in params:
        _fail(errors, "before", "cannot be combined with after")
    elif (raw := single_param(request, name, errors)) is not None:
        try:
            return services(request).cursors.decode(raw, portal_id, descending), backward
        except ValueError as exc:
            _fail(errors, name, str(exc), "INVALID_CURSOR")
    return None, backward


def completion_json(c: StoredCompletion, fields: frozenset[str] | None = None) -> dict[str, Any]:
    properties = (c.properties if fields is None
                  else {k: v for k, v in c.properties.items() if k in fields})
    body: dict[str, Any] = {
        "objectType": c.object_type, "objectId": str(c.object_id),
        "eventType": event_type(c.event_name, c.portal_id), "occurredAt": format_ms(c.occurred_at),
        "id": c.id, "properties": properties,
    }
    if c.adjustments:
        body["adjustments"] = c.adjustments
    return body


@authenticated
async def list_events(request: Request, portal_id: int) -> Response:
    """A page of completions, with HubSpot's ``paging.next.after`` and, past the first page,
    ``paging.prev.before`` (a ``before`` read walks back from its cursor). ``paging`` comes
    only with ``next``, as ever: client loops written as "while paging: after = paging.next"
    must not meet a last page that has only ``prev``."""
    svc = services(request)
    read = _parse_query(request, portal_id)
    query = read.query
    rows = await svc.store.query_completions(portal_id, query)
    page = rows[: query.limit]
    more = len(rows) > query.limit  # beyond the page, in the direction walked
    if read.backward:
        page.reverse()
    body: dict[str, Any] = {"results": [completion_json(c, read.fields) for c in page]}
    paging: dict[str, Any] = {}

    def cursor(c: StoredCompletion) -> str:
        return svc.cursors.encode(portal_id, c.occurred_at, c.seq, read.descending)

    url = request.url.remove_query_params(["after", "before"])
    if page and (read.backward or more):  # a backward page ends where the cursor was
        after = cursor(page[-1])
        paging["next"] = {"after": after, "link": str(url.include_query_params(after=after))}
    if paging and (more if read.backward else query.after is not None):
        before = cursor(page[0])
        paging["prev"] = {"before": before, "link": str(url.include_query_params(before=before))}
    if paging:
        body["paging"] = paging
    return JSONResponse(body)


@authenticated
async def event_types(request: Request, portal_id: int) -> Response:
    reject_unknown_params(request, set())
    definitions = await services(request).definitions.get(portal_id, fresh=True)
    names = sorted([*BUILT_IN_EVENTS, *(d.fully_qualified_name for d in definitions.values())])
    return JSONResponse({"eventTypes": names})

