"""The ``footfall`` command: a thin click layer that parses options and calls plain functions."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from collector.errors import StoreUnavailable
from collector.portals import create_portal, ensure_first_portal
from collector.settings import SETTINGS_TABLE, Settings, SettingsError
from collector.storage import Store, open_store

F = TypeVar("F", bound=Callable[..., Any])
_HELP = {s.name: f"{s.help} [env {s.env}; default {s.default}]" for s in SETTINGS_TABLE}


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings.from_mapping(os.environ, **overrides)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def database_option(fn: F) -> F:
    return click.option("--database", default=None, metavar="PATH_OR_URL",
                        help=_HELP["database"])(fn)


def _with_store(settings: Settings, action: Callable[[Store], Any]) -> Any:
    async def run() -> Any:
        try:
            store = open_store(settings.database)
            await store.open()
        except StoreUnavailable as exc:
            raise click.ClickException(str(exc)) from exc
        try:
            return await action(store)
        finally:
            await store.close()

    return asyncio.run(run())


@click.group()
@click.version_option(package_name="footfall")
def main() -> None:
    """Footfall: self-hosted custom behavioral events."""


@main.command()
@database_option
@click.option("--host", default=None, help=_HELP["host"])
@click.option("--port", default=None, type=int, help=_HELP["port"])
@click.option("--workers", default=None, type=int, help=_HELP["workers"])
def serve(database: str | None, host: str | None, port: int | None, workers: int | None) -> None:
    """Run the collector (HTTP API, JS endpoint, UI) with uvicorn."""
    import uvicorn

    settings = _settings(database=database, host=host, port=port, workers=workers)
    first = _with_store(settings, ensure_first_portal)
    if first is not None:
        click.echo(f"Created portal {first.portal_id}. Its access token (shown only once):\n"
                   f"  {first.token}", err=True)
    # Worker processes rebuild the settings from the environment (see collector.asgi).
    os.environ.update({s.env: str(getattr(settings, s.name)) for s in SETTINGS_TABLE})
    uvicorn.run("collector.asgi:app", host=settings.host, port=settings.port,
                workers=settings.workers, access_log=False, log_level="warning",
                timeout_graceful_shutdown=10)


@main.group()
def portals() -> None:
    """Manage portals."""


@portals.command("create")
@click.option("--name", required=True, help="The portal's display name.")
@database_option
def portals_create(name: str, database: str | None) -> None:
    """Create a portal; prints {"portalId": N, "token": "..."} on one line."""
    if not name.strip():
        raise click.ClickException("--name must not be empty")
    settings = _settings(database=database)
    portal = _with_store(settings, lambda store: create_portal(store, name))
    sys.stdout.write(json.dumps({"portalId": portal.portal_id, "token": portal.token}) + "\n")


@main.command()
@click.argument("event_name")
@click.option("--portal", "portal_id", required=True, type=int, envvar="FOOTFALL_PORTAL",
              help="The portal the event belongs to. [env FOOTFALL_PORTAL]")
@database_option
def snippet(event_name: str, portal_id: int, database: str | None) -> None:
    """Print the ready-to-paste JavaScript snippet of EVENT_NAME (name or pe<portal>_name)."""
    from collector.snippet_cli import snippet_text

    settings = _settings(database=database)
    text = _with_store(settings, lambda store: snippet_text(store, portal_id, event_name))
    sys.stdout.write(text)
