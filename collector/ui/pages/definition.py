"""``/app/events/{name}/properties``: an event's label and description, its custom
properties (add, edit with enumeration options, delete), its standard properties with their
internal names, and archiving. Every change goes through ``collector.definition_ops``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from collector import definition_ops as ops
from collector.api.common import services
from collector.errors import ClientError
from collector.model import EventDefinition
from collector.properties import STANDARD_PROPERTIES, PropertyDef
from collector.ui.access import Viewer, portal_page
from collector.ui.forms import FieldErrors, field_errors, text
from collector.ui.property_form import ALL_TYPE_LABELS, TYPE_CHOICES, PropertyForm, property_errors
from collector.ui.render import BASE, redirect, render
from collector.ui.wizard import WAYS, way_of

_DETAIL_LABELS = {"label": "Event name", "description": "Description"}


def event_path(definition: EventDefinition, tail: str = "") -> str:
    return f"{BASE}/events/{definition.name}{tail}"


async def load(request: Request, viewer: Viewer) -> EventDefinition:
    """The signed-in portal's definition named in the path (NotFound → the 404 page)."""
    return await ops.find_definition(services(request), viewer.portal_id,
                                     request.path_params["event_name"])


def _editing(definition: EventDefinition, name: str | None) -> PropertyDef | None:
    return next((p for p in definition.custom_properties if p.name == name), None)


def _page(request: Request, definition: EventDefinition, *, editing: PropertyDef | None = None,
          form: PropertyForm | None = None, errors: FieldErrors | None = None,
          details: dict[str, str] | None = None, status: int = 200) -> Response:
    way = way_of(request.query_params.get("way"))
    return render(request, "definition/properties.html", {
        "definition": definition, "active_tab": "properties", "way": way, "ways": WAYS,
        "editing": editing, "form": form or (PropertyForm.of(editing) if editing else PropertyForm()),
        "errors": errors or {}, "type_choices": TYPE_CHOICES, "type_labels": ALL_TYPE_LABELS,
        "details": details or {"label": definition.label, "description": definition.description},
        "kept": ops.kept_properties(definition),
        "standard": list(STANDARD_PROPERTIES.values()) if definition.include_default_properties
        else [], "limits": services(request).settings.limits,
    }, status=status)


@portal_page
async def properties_page(request: Request, viewer: Viewer) -> Response:
    definition = await load(request, viewer)
    return _page(request, definition,
                 editing=_editing(definition, request.query_params.get("edit")))


@portal_page
async def save_details(request: Request, viewer: Viewer) -> Response:
    definition = await load(request, viewer)
    form = await request.form()
    body = {"label": text(form, "label"), "description": text(form, "description")}
    try:
        await ops.update_definition(services(request), definition, body)
    except ClientError as exc:
        return _page(request, definition, details=body, status=400,
                     errors=field_errors(exc.errors, _DETAIL_LABELS))
    return redirect(event_path(definition, "/properties"), "Event details saved.",
                    request=request)


def _after_property(definition: EventDefinition, request: Request) -> str:
    way = way_of(request.query_params.get("way"))
    return event_path(definition, "/properties" + (f"?way={way}" if way else ""))


@portal_page
async def add_property(request: Request, viewer: Viewer) -> Response:
    definition = await load(request, viewer)
    form = await request.form()
    typed = PropertyForm.read(form)
    if typed.apply(text(form, "action")):
        return _page(request, definition, form=typed)
    try:
        prop = await ops.add_property(services(request), definition, typed.create_body())
    except ClientError as exc:
        return _page(request, definition, form=typed, errors=property_errors(exc), status=400)
    return redirect(_after_property(definition, request) + "#properties",
                    f"Property \u201c{prop.label}\u201d added (internal name {prop.name}).",
                    request=request)


@portal_page
async def edit_property(request: Request, viewer: Viewer) -> Response:
    definition = await load(request, viewer)
    name = request.path_params["property_name"]
    ops.custom_property_index(definition, name)  # unknown → 404, standard → 400 page
    prop = _editing(definition, name)
    assert prop is not None
    form = await request.form()
    typed = PropertyForm.read(form)
    typed.name, typed.type = prop.name, prop.type
    if typed.apply(text(form, "action")):
        return _page(request, definition, editing=prop, form=typed)
    try:
        saved = await ops.update_property(services(request), definition, name,
                                          typed.patch_body(prop))
    except ClientError as exc:
        return _page(request, definition, editing=prop, form=typed,
                     errors=property_errors(exc), status=400)
    return redirect(_after_property(definition, request) + "#properties",
                    f"Property \u201c{saved.label}\u201d saved.", request=request)


@portal_page
async def delete_property(request: Request, viewer: Viewer) -> Response:
    definition = await load(request, viewer)
    name = request.path_params["property_name"]
    try:
        await ops.delete_property(services(request), definition, name)
    except ClientError as exc:
        if exc.status_code == 404:
            raise
        return redirect(event_path(definition, "/properties"), exc.message, request=request)
    return redirect(_after_property(definition, request) + "#properties",
                    f"Property {name} deleted.", request=request)


@portal_page
async def archive(request: Request, viewer: Viewer) -> Response:
    definition = await load(request, viewer)
    await ops.archive_definition(services(request), definition)
    return redirect(BASE + "/events", f"Event \u201c{definition.label}\u201d archived: new"
                    " completions are rejected and it left the tracking code.", request=request)
