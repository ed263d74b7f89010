"""``/app/contacts`` (find a contact by email, or the recently active ones) and
``/app/contacts/{id}``: the contact's timeline — completed events with their properties,
newest first, filtered by event, each expandable for its details."""

from __future__ import annotations

from itertools import groupby

from starlette.requests import Request
from starlette.responses import Response

from collector.analytics import lookup, periods, report
from collector.api.analytics import contact_id
from collector.api.common import services
from collector.errors import FieldError, NotFound
from collector.model import PAGE_VIEW, StoredCompletion
from collector.properties import STANDARD_PROPERTIES
from collector.ui import analytics_view as view
from collector.ui.access import Viewer, portal_page
from collector.ui.forms import field_errors
from collector.ui.render import BASE, redirect, render

PAGE = 50
MAX_SEARCH = 256


@portal_page
async def contact_list(request: Request, viewer: Viewer) -> Response:
    search = request.query_params.get("q", "").strip()
    errors = {}
    if len(search) > MAX_SEARCH:
        errors["q"] = f"Search: at most {MAX_SEARCH} characters."
        search = ""
    found = await services(request).store.find_contacts(viewer.portal_id, search or None, PAGE)
    return render(request, "contacts/list.html", {
        "contacts": found, "search": search, "errors": errors, "limit": PAGE,
    }, status=400 if errors else 200)


def _days(rows: list[StoredCompletion]) -> list[tuple[str, list[StoredCompletion]]]:
    """Completions grouped under their UTC day, newest day first."""
    return [(periods.to_date(day).strftime("%A %d %B %Y"), list(items))
            for day, items in groupby(rows, key=lambda c: periods.day_of(c.occurred_at))]


@portal_page
async def contact_detail(request: Request, viewer: Viewer) -> Response:
    svc = services(request)
    asked = contact_id(request.path_params["contact_id"])
    contact = await svc.store.contact(viewer.portal_id, asked)
    if contact is None:
        raise NotFound("There is no such contact in this portal.")
    if contact.id != asked:  # merged into this contact: the page lives at its own address
        query = f"?{request.url.query}" if request.url.query else ""
        return redirect(f"{BASE}/contacts/{contact.id}{query}")
    definitions = await svc.definitions.get(viewer.portal_id)
    events = {name: lookup.label_of(name, definitions.get(name)) for name in contact.events}
    errors: list[FieldError] = []
    event = request.query_params.get("event") or None
    if event is not None and event not in contact.events:
        errors.append(FieldError("event", "choose one of this contact's events", "INVALID"))
        event = None
    after = None
    if raw := request.query_params.get("after"):
        try:
            after = svc.cursors.decode(raw, viewer.portal_id, True)
        except ValueError:
            errors.append(FieldError("after", "is not a page of this timeline", "INVALID"))
    rows = await report.timeline(svc.store, viewer.portal_id, contact.id, event, PAGE, after)
    next_page = None
    if len(rows) > PAGE:
        last = rows[PAGE - 1]
        cursor = svc.cursors.encode(viewer.portal_id, last.occurred_at, last.seq, True)
        next_page = str(request.url.include_query_params(after=cursor))
    labels = {p.name: p.label for p in STANDARD_PROPERTIES.values()}
    for definition in definitions.values():
        labels.update({p.name: p.label for p in definition.custom_properties})
    return render(request, "contacts/detail.html", {
        "contact": contact, "events": events, "event": event,
        "event_choices": [("", f"All events ({contact.completions:,})")] + [
            (name, f"{events[name]} ({count:,})")
            for name, count in sorted(contact.events.items(), key=lambda i: events[i[0]].lower())],
        # Each item is one completion: one "Page view" (the filter's choice counts "Page views").
        "items": {**events, PAGE_VIEW: "Page view"} if PAGE_VIEW in events else events,
        "days": _days(rows[:PAGE]), "next_page": next_page, "paged": after is not None,
        "first_page": f"{BASE}/contacts/{contact.id}" + (f"?event={event}" if event else ""),
        "labels": labels, "page_view": PAGE_VIEW, "ordered": view.ordered,
        "errors": field_errors(errors, {"event": "Event", "after": "Page"}),
    }, status=400 if errors else 200)
