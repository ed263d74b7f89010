"""The application factory: ``create_app(settings) -> Starlette``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Receive, Scope, Send

from collector.api import (
    analytics,
    collect,
    definitions,
    events,
    imports,
    meta,
    objects,
    send,
    snippets,
    tracking,
    tracking_admin,
    visualizer,
    visualizer_defs,
)
from collector.api.plain import PlainEndpoint
from collector.api.versions import dated_paths
from collector.importer.jobs import ImportJobs
from collector.jsapi.state import TrackingState
from collector.responses import EXCEPTION_HANDLERS
from collector.services import Services
from collector.settings import Settings
from collector.storage import Store, open_store
from collector.ui.routes import ui_app

_DEFS = "/events/v3/event-definitions"

ROUTES = [
    Route("/events/v3/send", send.send, methods=["POST"]),
    Route("/events/v3/send/batch", send.send_batch, methods=["POST"]),
    Route(_DEFS, definitions.create_definition, methods=["POST"]),
    Route(_DEFS, definitions.list_definitions, methods=["GET"]),
    Route(_DEFS + "/{event_name}", definitions.get_definition, methods=["GET"]),
    Route(_DEFS + "/{event_name}", definitions.update_definition, methods=["PATCH"]),
    Route(_DEFS + "/{event_name}", definitions.archive_definition, methods=["DELETE"]),
    Route(_DEFS + "/{event_name}/property", definitions.create_property, methods=["POST"]),
    Route(_DEFS + "/{event_name}/property/{property_name}", definitions.update_property,
          methods=["PATCH"]),
    Route(_DEFS + "/{event_name}/property/{property_name}", definitions.delete_property,
          methods=["DELETE"]),
    Route("/events/v3/events", events.list_events, methods=["GET"]),
    Route("/events/v3/events/", events.list_events, methods=["GET"]),
    Route("/events/v3/events/event-types", events.event_types, methods=["GET"]),
    Route("/events/v3/limits", meta.limits, methods=["GET"]),
    Route("/crm/v3/objects/{object_type}", objects.create_object, methods=["POST"]),
    Route("/crm/v3/objects/{object_type}/{object_id}", objects.get_object, methods=["GET"]),
    Route("/footfall/v1/visualizer/tokens", visualizer.issue_token, methods=["POST"]),
    Route("/footfall/v1/visualizer/health", visualizer.selector_health, methods=["GET"]),
    Route(analytics.BASE + "/events/summary", analytics.events_summary, methods=["GET"]),
    Route(analytics.BASE + "/events/{event_name}/series", analytics.event_series,
          methods=["GET"]),
    Route(analytics.BASE + "/events/{event_name}/summary", analytics.event_summary,
          methods=["GET"]),
    Route(analytics.BASE + "/events/{event_name}/breakdown", analytics.event_breakdown,
          methods=["GET"]),
    Route(analytics.BASE + "/events/{event_name}/completions", analytics.event_completions,
          methods=["GET"]),
    Route(analytics.BASE + "/contacts", analytics.contacts, methods=["GET"]),
    Route(analytics.BASE + "/contacts/{contact_id}/timeline", analytics.contact_timeline,
          methods=["GET"]),
    Route("/openapi.json", meta.openapi, methods=["GET"]),
    Route("/healthz", meta.health, methods=["GET"]),
    Route(imports.BASE, imports.start_import, methods=["POST"]),
    Route(imports.BASE + "/mapping", imports.propose_mapping, methods=["POST"]),
    Route(imports.BASE + "/{job_id}", imports.get_import, methods=["GET"]),
    Route(imports.BASE + "/{job_id}", imports.cancel_import, methods=["DELETE"]),
    Route(imports.BASE + "/{job_id}/errors", imports.error_report, methods=["GET"]),
]
# HubSpot's date-versioned paths of the same operations (collector.api.versions).
DATED_ROUTES = [Route(path, route.endpoint, methods=route.methods)
                for route in ROUTES for path in dated_paths(route.path)]

_TRACKING = "/footfall/v1/tracking"
_VISUAL = "/footfall/v1/visualizer/definitions"


def tracking_routes(settings: Settings) -> list[Route]:
    """The JS path's routes; the collect path is configurable (first-party serving)."""
    return [
        Route(settings.collect_path, collect.collect, methods=["POST"]),
        Route(settings.collect_path, collect.preflight, methods=["OPTIONS"]),
        Route(_TRACKING + "/settings", tracking_admin.get_settings, methods=["GET"]),
        Route(_TRACKING + "/settings", tracking_admin.patch_settings, methods=["PATCH"]),
        Route(_TRACKING + "/failed-events", tracking_admin.failed_events, methods=["GET"]),
        Route(_TRACKING + "/counters", tracking_admin.counters, methods=["GET"]),
        Route(tracking.script_path(settings), tracking.tracking_script, methods=["GET"]),
        Route(tracking.debug_path(settings, tracking.PORTAL_ID), tracking.debug_script,
              methods=["GET"]),
        Route(tracking.misses_path(settings), visualizer.misses, methods=["POST"]),
        Route(tracking.misses_path(settings), collect.preflight, methods=["OPTIONS"]),
        Route(tracking.overlay_path(settings, tracking.PORTAL_ID), visualizer.overlay_script,
              methods=["GET"]),
        *visualizer_routes(),
        Route("/footfall/v1/event-definitions/{event_name}/snippet", snippets.get_snippet,
              methods=["GET"]),
        Route("/footfall/v1/event-definitions/{event_name}/snippet", snippets.save_code,
              methods=["PUT"]),
    ]


def visualizer_routes() -> list[Route]:
    """The overlay's own calls: a visualizer token, not a portal token (CORS)."""
    return [
        Route(_VISUAL, visualizer_defs.list_definitions, methods=["GET"]),
        Route(_VISUAL, visualizer_defs.create_definition, methods=["POST"]),
        Route(_VISUAL, visualizer_defs.preflight, methods=["OPTIONS"]),
        Route(_VISUAL + "/{event_name}", visualizer_defs.update_definition, methods=["PATCH"]),
        Route(_VISUAL + "/{event_name}", visualizer_defs.delete_definition, methods=["DELETE"]),
        Route(_VISUAL + "/{event_name}", visualizer_defs.preflight, methods=["OPTIONS"]),
    ]


class Collector(Starlette):
    """Starlette, with the ingest endpoints dispatched ahead of its middleware stack.

    The ingest endpoints (``PlainEndpoint``: send, batch, JS collect) carry nearly all the
    traffic and render their own errors, 500s included; the error middleware, the exception
    middleware and the route scan cost as much per request as our whole validation. They are
    found by one dictionary lookup on (method, path); every other request, and any other
    method on those paths (405), goes through Starlette as usual.
    """

    def __init__(self, routes: list[BaseRoute], **kwargs: Any) -> None:
        super().__init__(routes=routes, **kwargs)
        self.ingest: dict[tuple[str, str], PlainEndpoint] = {
            (method, route.path): route.endpoint
            for route in routes
            if isinstance(route, Route) and isinstance(route.endpoint, PlainEndpoint)
            for method in route.methods or ()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = get_route_path(scope) if scope.get("root_path") else scope["path"]
            endpoint = self.ingest.get((scope["method"], path))
            if endpoint is not None:
                scope["app"] = self
                await endpoint(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings, store: Store | None = None, *, warm: bool = False) -> Collector:
    """Build the collector; the store opens on startup and closes on shutdown. ``warm``
    (server processes) also starts ahead what the first write would wait for."""
    services = Services(settings, store or open_store(
        settings.database, commit_batch=settings.commit_batch,
        answer_timeout=settings.store_timeout_seconds))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await services.start(warm=warm)
        try:
            yield
        finally:
            await asyncio.to_thread(app.state.imports.stop)  # before the store closes
            await services.stop()

    routes: list[BaseRoute] = [*ROUTES, *DATED_ROUTES, *tracking_routes(settings),
                               Mount("/app", app=ui_app()),
                               Route("/", meta.home, methods=["GET"])]  # a person's way in
    app = Collector(routes=routes, exception_handlers=EXCEPTION_HANDLERS, lifespan=lifespan)
    app.state.services = services
    app.state.tracking = TrackingState(services.store)
    app.state.imports = ImportJobs(committed=services.definitions.invalidate)
    return app
