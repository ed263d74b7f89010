"""``/app/events/{name}/code``: the event's generated snippet (copy it), the code saved into
the portal's tracking script (edit and save), and the HTTP API's names and examples."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from collector import definition_ops as ops
from collector.api.common import services
from collector.api.tracking import script_url
from collector.errors import ClientError
from collector.model import EventDefinition
from collector.ui import examples
from collector.ui.access import Viewer, portal_page
from collector.ui.forms import FieldErrors, field_errors, text
from collector.ui.pages.definition import event_path, load
from collector.ui.render import redirect, render
from collector.ui.wizard import WAYS, way_of
from snippets import render as snippets


def _page(request: Request, definition: EventDefinition, *, code: str | None = None,
          errors: FieldErrors | None = None, status: int = 200) -> Response:
    snippet = snippets.event_snippet(definition)
    saved = definition.tracking.get("code") or ""
    base = str(request.base_url).rstrip("/")
    return render(request, "definition/code.html", {
        "definition": definition, "active_tab": "code", "way": way_of(
            request.query_params.get("way")), "ways": WAYS,
        "snippet": snippet, "saved": saved,
        "code": (saved or snippets.event_code_template(definition)) if code is None else code,
        "errors": errors or {}, "max_code": ops.MAX_CODE_CHARS,
        "tracking_code": snippets.tracking_tag(script_url(request, definition.portal_id)),
        "curl": examples.curl_example(base, definition),
        "python": examples.python_example(base, definition)}, status=status)


@portal_page
async def code_page(request: Request, viewer: Viewer) -> Response:
    return _page(request, await load(request, viewer))


@portal_page
async def save_code(request: Request, viewer: Viewer) -> Response:
    definition = await load(request, viewer)
    form = await request.form()
    remove = text(form, "action") == "remove"
    code = None if remove else text(form, "code").replace("\r\n", "\n")
    try:
        await ops.save_code(services(request), definition, code if code and code.strip() else None)
    except ClientError as exc:
        return _page(request, definition, code=code, status=400,
                     errors=field_errors(exc.errors, {"code": "Code"}))
    message = ("Code removed from the tracking code." if remove or not (code or "").strip()
               else "Code saved, but the event is archived: it is not part of your tracking"
               " code." if definition.archived
               else "Code saved: it is now part of your tracking code (sites pick it up within"
               " 5 minutes).")
    way = way_of(request.query_params.get("way"))
    return redirect(event_path(definition, "/code" + (f"?way={way}" if way else "")), message,
                    request=request)
