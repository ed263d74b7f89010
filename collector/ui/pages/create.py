"""``/app/new-event``: the create-event wizard (seed 000).

Step 1 chooses the way; step 2 names the event (label, optional internal name, description,
associated object) and creates it through ``definition_ops``; then the properties page
(with the way in its query) leads on to the code panel, the API examples or the import. The
visualizer way instead issues a launch link to the owner's own site.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from collector import definition_ops as ops
from collector.api.common import services
from collector.api.visualizer import launch
from collector.errors import ClientError
from collector.model import OBJECT_TYPE_IDS
from collector.ui.access import Viewer, portal_page
from collector.ui.forms import FieldErrors, field_errors, text
from collector.ui.render import BASE, redirect, render
from collector.ui.wizard import WAYS, way_of

OBJECT_CHOICES = [(key, key.capitalize()) for key in OBJECT_TYPE_IDS]
_LABELS = {"label": "Event name", "name": "Internal name", "description": "Description",
           "primary_object": "Associated object", "url": "Page URL"}
_FIELDS = {"primaryObject": "primary_object"}
MAX_PREFILL = 100


def _details(request: Request, way: str, values: dict[str, str] | None = None,
             errors: FieldErrors | None = None, status: int = 200) -> Response:
    template = "create/visualizer.html" if way == "visualizer" else "create/details.html"
    return render(request, template, {
        "way": way, "ways": WAYS, "values": values or {"primary_object": "CONTACT"},
        "errors": errors or {}, "objects": OBJECT_CHOICES if way != "import" else OBJECT_CHOICES[:1],
        "limits": services(request).settings.limits, "launch": None}, status=status)


@portal_page
async def new_event(request: Request, viewer: Viewer) -> Response:
    way = way_of(request.query_params.get("way"))
    if not way:
        error = {"way": "Way: choose how the event is created"} if "way" in request.query_params else {}
        chosen = way_of(request.query_params.get("chosen")) or "javascript"  # "Back" keeps it
        return render(request, "create/choose.html", {"ways": WAYS, "errors": error,
                                                      "chosen": chosen},
                      status=400 if error else 200)
    # The events list links here with the internal name that failed hits used.
    name = request.query_params.get("name", "")[:MAX_PREFILL]
    return _details(request, way, {"primary_object": "CONTACT", "name": name} if name else None)


@portal_page
async def create_event(request: Request, viewer: Viewer) -> Response:
    form = await request.form()
    way = way_of(text(form, "way")) or "javascript"
    values = {key: text(form, key) for key in ("label", "name", "description", "primary_object")}
    body: dict[str, object] = {"label": values["label"], "description": values["description"],
                               "primaryObject": "CONTACT" if way == "import"
                               else values["primary_object"]}
    if values["name"].strip():
        body["name"] = values["name"].strip()
    try:
        created = await ops.create_definition(services(request), viewer.portal_id, body)
    except ClientError as exc:
        errors = field_errors(exc.errors, _LABELS, lambda where: _FIELDS.get(where, where))
        return _details(request, way, values, errors or {"label": f"Event name: {exc.message}"},
                        status=400)
    return redirect(f"{BASE}/events/{created.name}/properties?way={way}",
                    f"Event \u201c{created.label}\u201d created. Add its properties next.",
                    request=request)


@portal_page
async def open_visualizer(request: Request, viewer: Viewer) -> Response:
    form = await request.form()
    url = text(form, "url").strip()
    try:
        issued = await launch(request, viewer.portal_id, {"url": url})
    except ClientError as exc:
        return _details(request, "visualizer", {"url": url}, status=400,
                        errors=field_errors(exc.errors, _LABELS))
    return render(request, "create/visualizer.html", {
        "way": "visualizer", "ways": WAYS, "values": {"url": url}, "errors": {},
        "launch": issued})
