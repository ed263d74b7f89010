"""``/app/events/{name}``: an event's analytics. Completions over time (an SVG chart drawn
here), unique records, breakdown and filter by any property, the latest completions with
their properties and truncation notices, failed hits and, for clicked-element events,
selector health. Settings travel in the URL (a GET form), so every view can be linked."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from collector.analytics import lookup, params, periods, report
from collector.api.analytics import today
from collector.api.common import services
from collector.autotrack import health
from collector.completions import event_type, resolve_event_name
from collector.errors import FieldError
from collector.model import EventDefinition, StoredCompletion
from collector.services import Services
from collector.ui import analytics_view as view
from collector.ui.access import Viewer, portal_page
from collector.ui.chart import bar_chart
from collector.ui.forms import field_errors
from collector.ui.render import BASE, contain_bidi, render

LATEST = 20
TOP = 10
_LABELS = {"interval": "Interval", "from": "From", "to": "To", "by": "Break down by",
           "filter_property": "Filter", "filter_value": "Value", "after": "Page"}


def _items(request: Request) -> tuple[list[tuple[str, str]], str | None]:
    """The analytics parameters of the URL (the filter form's pair becomes a filter[…])."""
    query = request.query_params
    adding = query.get("filter_property", "").strip()
    items = [(k, v) for k, v in query.multi_items()
             if (k in params.EVENT_PARAMS or k.startswith("filter[")) and k != f"filter[{adding}]"]
    if adding:
        items.append((f"filter[{adding}]", query.get("filter_value", "")))
    return items, query.get("by")


def _field(where: str) -> str:
    name = where.removeprefix("query.")
    return "filter_value" if name.startswith("filter[") else name


def _read(request: Request, portal_id: int, definition: EventDefinition | None,
          ) -> tuple[params.EventParams, str | None, tuple[int, int] | None, list[FieldError]]:
    items, by = _items(request)
    errors: list[FieldError] = []
    query = params.event_params(items, today(), errors)
    known = params.event_properties(definition)
    params.check_properties([(f"filter[{k}]", k) for k, _ in query.filters], known, errors)
    if by is not None and by not in known:
        errors.append(FieldError("query.by", "choose one of the event's properties", "INVALID"))
    after = None
    if raw := request.query_params.get("after"):
        try:
            after = services(request).cursors.decode(raw, portal_id, True)
        except ValueError:
            errors.append(FieldError("query.after", "is not a page of this list", "INVALID"))
    if errors:  # show the page with its defaults and say what was wrong
        return params.event_params([], today(), []), view.default_breakdown(definition), None, errors
    return params.for_event(query, known), by or view.default_breakdown(definition), after, errors


async def _failed(svc: Services, portal_id: int, name: str, count: int) -> list[dict[str, Any]]:
    """The newest failed hits naming this event (only looked up when there are some)."""
    if not count:
        return []
    recent = await svc.store.list_failed_events(portal_id, 200)
    return [f for f in recent if resolve_event_name(f["eventName"], portal_id) == name][:5]


async def _emails(svc: Services, portal_id: int,
                  completions: list[StoredCompletion]) -> dict[int, str]:
    """Email addresses of the contacts in ``completions`` (for the latest-completions list)."""
    ids = sorted({c.object_id for c in completions if c.object_type == "CONTACT"})
    found = await asyncio.gather(*(svc.store.get_object(portal_id, "CONTACT", i) for i in ids))
    return {o.id: str(o.properties["email"]) for o in found
            if o is not None and o.properties.get("email")}


async def _health(svc: Services, portal_id: int,
                  definition: EventDefinition | None) -> dict[str, Any] | None:
    if definition is None or definition.tracking_type != "CLICKED_ELEMENT":
        return None
    found = await health.report(svc.store, portal_id, [definition])
    return found[0] if found else None


@portal_page
async def event_detail(request: Request, viewer: Viewer) -> Response:
    svc = services(request)
    definitions = await svc.definitions.get(viewer.portal_id)
    name, definition = lookup.event_named(definitions, viewer.portal_id,
                                          request.path_params["event_name"])
    query, by, after, errors = _read(request, viewer.portal_id, definition)
    window, store = svc.settings.analytics_window, svc.store
    found, breakdown, latest, failed, selector = await asyncio.gather(
        report.event_report(store, viewer.portal_id, name, query, window),
        report.breakdown(store, viewer.portal_id, name, query, by, TOP, window) if by else
        _nothing(),
        report.latest(store, viewer.portal_id, name, query, LATEST, after, window),
        report.failed_hits(store, viewer.portal_id, name, query.period),
        _health(svc, viewer.portal_id, definition))
    who = await _emails(svc, viewer.portal_id, latest[:LATEST])
    label = contain_bidi(lookup.label_of(name, definition))  # closed before words follow
    title, description = view.chart_text(found, label)
    groups = view.property_groups(definition)
    page = view.PageQuery(f"{BASE}/events/{name}", query, by)
    next_page = None
    if len(latest) > LATEST:
        last = latest[LATEST - 1]
        next_page = page.href(after=svc.cursors.encode(viewer.portal_id, last.occurred_at,
                                                       last.seq, True))
    return render(request, "detail/event.html", {
        "name": name, "definition": definition, "label": label, "active_tab": "overview",
        "way": None, "ways": {},
        "fqn": event_type(name, viewer.portal_id), "report": found, "page": page, "by": by,
        "chart": bar_chart(view.bars(found), title=title, description=description),
        "chart_title": title, "bars": view.bars(found), "interval": query.interval,
        "breakdown": breakdown[0] if breakdown else None,
        "breakdown_sample": breakdown[1] if breakdown else None, "share": view.share,
        "latest": latest[:LATEST], "next_page": next_page, "paged": after is not None,
        "failed": failed, "failed_hits": await _failed(svc, viewer.portal_id, name, failed),
        "health": selector, "groups": groups,
        "filters": query.filters,
        "controls": view.typed_controls(page.path, request.query_params.multi_items(), page,
                                        groups) if errors else view.controls(page, groups),
        "presets": [(text, page.preset(interval, today())) for text, interval in (
            ("Last 30 days", "day"), ("Last 12 weeks", "week"), ("Last 12 months", "month"))],
        "from_date": periods.to_date(query.period.first).isoformat(),
        "to_date": periods.to_date(query.period.last).isoformat(),
        "labels": {n: lbl for g in groups for n, lbl in g.options},
        "errors": field_errors(errors, _LABELS, _field),
        "window": window, "who": who, "ordered": view.ordered,
    }, status=400 if errors else 200)


async def _nothing() -> None:
    return None
