"""Placeholder events list of the UI foundation (helper B replaces this module)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from collector.api.common import services
from collector.ui.access import Viewer, portal_page
from collector.ui.render import render


@portal_page
async def event_list(request: Request, viewer: Viewer) -> Response:
    definitions = (await services(request).definitions.get(viewer.portal_id)).values()
    active = sorted((d for d in definitions if not d.archived), key=lambda d: d.label.lower())
    return render(request, "events/list.html", {"definitions": active})
