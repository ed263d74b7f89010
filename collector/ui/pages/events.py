"""``/app/events``: every event of the portal with its completions of the last 30 days (UTC
days, from the daily rollup), search, a tracking-type filter, and health flags — selectors
that stopped matching, adjusted completions (values truncated or dropped) and failed hits.
The attention banner names the failed hits an owner can act on: archived events that still
receive hits, and undefined event names, split by whether the name could become an event's
internal name (create the event) or never can (fix the name in the page code)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from collector.analytics import lookup, periods, report
from collector.api.analytics import today
from collector.api.common import services
from collector.autotrack import health
from collector.completions import event_type, resolve_event_name
from collector.limits import Limits, event_name_problem
from collector.model import EventDefinition
from collector.ui.access import Viewer, portal_page
from collector.ui.render import render
from collector.ui.tracking_words import TRACKING_TYPES

DAYS = 30
MAX_SEARCH = 100


@dataclass(frozen=True, slots=True)
class EventLine:
    name: str
    label: str
    fqn: str
    tracking: str
    archived: bool
    row: report.EventRow
    broken: bool

    @property
    def last_date(self) -> str | None:
        return None if self.row.last_day is None else periods.to_date(self.row.last_day).isoformat()

    def matches(self, search: str, kind: str, archived: bool) -> bool:
        if self.archived and not archived:
            return False
        if kind and self.tracking != kind:
            return False
        words = search.lower()
        return not words or words in self.label.lower() or words in self.fqn.lower()


def _line(portal_id: int, row: report.EventRow, definition: EventDefinition | None,
          broken: bool) -> EventLine:
    return EventLine(row.name, lookup.label_of(row.name, definition), event_type(row.name, portal_id),
                     definition.tracking_type if definition else "PAGE_VIEW",
                     definition.archived if definition else False, row, broken)


@dataclass(frozen=True, slots=True)
class UnknownName:
    """Failed hits naming an event that is not defined."""

    raw: str
    count: int
    creatable: bool  # the name can be an internal name: creating the event fixes it
    suggestion: str | None  # for one that cannot: the fully qualified name it likely meant
    internal: str | None = None  # for one that can: the internal name to create it with


def _internal_name(raw: str, portal_id: int, limits: Limits) -> str | None:
    name = resolve_event_name(raw, portal_id)
    return name if name is not None and event_name_problem(name, limits) is None else None


def unknown_names(unknown: dict[str, int], portal_id: int, limits: Limits) -> list[UnknownName]:
    """The ten most frequent undefined names of failed hits, each with what would fix it."""
    found = []
    for raw, count in sorted(unknown.items(), key=lambda item: -item[1])[:10]:
        internal = _internal_name(raw, portal_id, limits)
        meant = None if internal else _internal_name(raw.strip().lower(), portal_id, limits)
        found.append(UnknownName(raw, count, internal is not None,
                                 event_type(meant, portal_id) if meant else None, internal))
    return found


@portal_page
async def event_list(request: Request, viewer: Viewer) -> Response:
    svc = services(request)
    definitions = await svc.definitions.get(viewer.portal_id)
    query = request.query_params
    search = query.get("q", "").strip()[:MAX_SEARCH]
    kind = query.get("type", "")
    errors = {}
    if kind and kind not in TRACKING_TYPES:
        errors["type"] = "Tracking: choose one of the listed kinds."
        kind = ""
    archived = query.get("archived") == "1"
    period = periods.Period(today() - DAYS + 1, today())
    summary, checks = await asyncio.gather(
        report.events_summary(svc.store, viewer.portal_id, definitions, period),
        health.report(svc.store, viewer.portal_id, definitions.values()))
    broken = {c["name"] for c in checks if c["broken"]}
    lines = [_line(viewer.portal_id, row, definitions.get(name), name in broken)
             for name, row in summary.rows.items()
             if name in definitions or row.total]  # page views once there are some
    shown = sorted((line for line in lines if line.matches(search, kind, archived)),
                   key=lambda line: (line.archived, line.label.lower()))
    return render(request, "events/list.html", {
        "lines": shown, "total": len([d for d in definitions.values() if not d.archived]),
        "any_events": bool(lines), "search": search, "kind": kind, "archived": archived,
        "types": [("", "All kinds"), *TRACKING_TYPES.items()], "type_labels": TRACKING_TYPES,
        "unknown": unknown_names(summary.unknown, viewer.portal_id, svc.settings.limits),
        "archived_hits": [line for line in lines if line.archived and line.row.failed],
        "fqn_prefix": event_type("", viewer.portal_id),
        "filtered": bool(search or kind or archived), "errors": errors, "days": DAYS,
        "period_from": periods.to_date(period.first).isoformat(),
    }, status=400 if errors else 200)
