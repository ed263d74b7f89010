"""The management UI's routes and the ASGI app mounted at ``/app`` by the app factory.

Add a page: write its endpoint in ``collector/ui/pages/<area>.py`` and list it in ``ROUTES``
(paths relative to ``/app``). See ``collector.ui`` for the conventions.
"""

from __future__ import annotations

from importlib import resources

from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from collector.bodylimit import FormLimitMiddleware
from collector.ui import errors
from collector.ui.pages import (
    auth,
    code,
    contacts,
    create,
    definition,
    detail,
    events,
    imports,
    settings,
)
from collector.ui.security import SecurityHeadersMiddleware
from collector.ui.session import SessionMiddleware

_EVENT = "/events/{event_name}"
ROUTES: list[BaseRoute] = [
    Route("/", auth.home, methods=["GET"]),
    Route("/login", auth.login, methods=["GET"]),
    Route("/login", auth.login_submit, methods=["POST"]),
    Route("/logout", auth.logout, methods=["POST"]),
    Route("/portals", auth.portals, methods=["GET"]),
    Route("/portals", auth.choose_portal, methods=["POST"]),
    Route("/events", events.event_list, methods=["GET"]),
    Route("/new-event", create.new_event, methods=["GET"]),
    Route("/new-event", create.create_event, methods=["POST"]),
    Route("/new-event/visualizer", create.open_visualizer, methods=["POST"]),
    Route(_EVENT + "/properties", definition.properties_page, methods=["GET"]),
    Route(_EVENT + "/properties", definition.add_property, methods=["POST"]),
    Route(_EVENT + "/properties/{property_name}", definition.edit_property, methods=["POST"]),
    Route(_EVENT + "/properties/{property_name}/delete", definition.delete_property,
          methods=["POST"]),
    Route(_EVENT + "/details", definition.save_details, methods=["POST"]),
    Route(_EVENT + "/archive", definition.archive, methods=["POST"]),
    Route(_EVENT + "/code", code.code_page, methods=["GET"]),
    Route(_EVENT + "/code", code.save_code, methods=["POST"]),
    Route(_EVENT, detail.event_detail, methods=["GET"]),
    Route("/contacts", contacts.contact_list, methods=["GET"]),
    Route("/contacts/{contact_id}", contacts.contact_detail, methods=["GET"]),
    Route("/import", imports.upload_page, methods=["GET"]),
    Route("/import", imports.upload_file, methods=["POST"]),
    Route("/import/{upload_id}", imports.mapping_page, methods=["GET"]),
    Route("/import/{upload_id}", imports.start_import, methods=["POST"]),
    Route("/import/jobs/{job_id}", imports.job_page, methods=["GET"]),
    Route("/import/jobs/{job_id}/status", imports.job_status, methods=["GET"]),
    Route("/import/jobs/{job_id}/errors", imports.error_report, methods=["GET"]),
    Route("/import/jobs/{job_id}/cancel", imports.cancel, methods=["POST"]),
    Route("/settings", settings.settings_page, methods=["GET"]),
    Route("/settings/tokens", settings.create_token, methods=["POST"]),
    Route("/settings/tokens/{token_id}/revoke", settings.revoke_token, methods=["POST"]),
    Route("/settings/tracking", settings.save_tracking, methods=["POST"]),
]


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    response = await errors.not_found(Request(scope, receive))
    await response(scope, receive, send)


def ui_app() -> Router:
    """The UI as one ASGI app: security headers, the session, HTML error pages, routes."""
    static = StaticFiles(directory=str(resources.files("collector.ui").joinpath("static")))
    return Router(
        routes=[*ROUTES, Mount("/static", app=static, name="ui-static")],
        default=_not_found,
        middleware=[Middleware(SecurityHeadersMiddleware), Middleware(SessionMiddleware),
                    Middleware(FormLimitMiddleware),
                    Middleware(ExceptionMiddleware, handlers=errors.HANDLERS)],
    )
