"""The ``footfall`` command: a thin click layer that parses options and calls plain functions."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from collector.errors import StoreUnavailable
from collector.importer.dates import FORMATS_HELP
from collector.importer.mapping import TARGETS_HELP
from collector.portals import create_portal, ensure_first_portal
from collector.settings import SETTINGS_TABLE, Settings, SettingsError
from collector.storage import Store, is_postgres_url, open_store

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


def _missing(database: str) -> bool:
    """Whether ``database`` is a SQLite file that is not there (opening it would make it)."""
    return not is_postgres_url(database) and not Path(database).exists()


def _existing(settings: Settings) -> Settings:
    """``settings`` when its database is there; commands that read a portal's data must not
    quietly make a new, empty one (run from another folder, ``footfall.db`` is another file)."""
    if _missing(settings.database):
        raise click.ClickException(
            f"No database at {_shown_database(settings.database)}. Run this where"
            " `footfall serve` keeps its database, or name it with --database or"
            " FOOTFALL_DATABASE.")
    return settings


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
    _check_address(settings.host, settings.port)  # before a database or a token is made
    first = _with_store(settings, ensure_first_portal)
    if first is not None:
        click.echo(f"Created portal {first.portal_id}. Its access token (shown only once):\n"
                   f"  {first.token}", err=True)
    click.echo(f"Footfall on http://{settings.host}:{settings.port}/ (management UI at /app/,"
               f" database {_shown_database(settings.database)}); Ctrl-C stops it.", err=True)
    # Worker processes rebuild the settings from the environment (see collector.asgi).
    os.environ.update({s.env: str(getattr(settings, s.name)) for s in SETTINGS_TABLE})
    uvicorn.run("collector.asgi:app", host=settings.host, port=settings.port,
                workers=settings.workers, access_log=False, log_level="warning",
                timeout_graceful_shutdown=10)


def _check_address(host: str, port: int) -> None:
    """Stop with a clear message if uvicorn could not listen on ``host:port`` (it would
    fail after the start was announced)."""
    problem = f"Cannot listen on {host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise click.ClickException(f"{problem}: unknown host ({exc})") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            busy = exc.errno == errno.EADDRINUSE
            hint = " (is another server there? choose another --port)" if busy else ""
            raise click.ClickException(f"{problem}: {exc.strerror}{hint}") from None


def _shown_database(database: str) -> str:
    """The database as a person reads it: an absolute path, or a URL without its password."""
    if is_postgres_url(database):
        from collector.storage.pgconn import describe

        return f"postgresql://{describe(database)}"
    return str(Path(database).resolve())


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
    if _missing(settings.database):
        click.echo(f"A new database: {_shown_database(settings.database)}", err=True)
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

    settings = _existing(_settings(database=database))
    text = _with_store(settings, lambda store: snippet_text(store, portal_id, event_name))
    sys.stdout.write(text)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--portal", "portal_id", required=True, type=int, envvar="FOOTFALL_PORTAL",
              help="The portal to import into. [env FOOTFALL_PORTAL]")
@click.option("--event", default=None, envvar="FOOTFALL_IMPORT_EVENT",
              help="The event every row completes: its name or pe<portal>_<name>."
                   " [env FOOTFALL_IMPORT_EVENT]")
@click.option("--create-event", "create_event", default=None, metavar="LABEL",
              help="Instead of --event: create a contact event with this label and one"
                   " property per column not mapped to the contact (typed from the first"
                   " rows). With --dry-run it is only shown.")
@database_option
@click.option("--map", "overrides", multiple=True, metavar="COLUMN=TARGET",
              help=f"Override the proposed mapping of a column: {TARGETS_HELP}. Repeatable.")
@click.option("--date-format", default="auto", envvar="FOOTFALL_IMPORT_DATE_FORMAT",
              help=f"Format of the occurred-at column: {FORMATS_HELP}."
                   " [env FOOTFALL_IMPORT_DATE_FORMAT]")
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--errors", "errors_path", default=None, type=click.Path(dir_okay=False,
              path_type=Path), help="Where to write the error report [default: FILE.errors.csv].")
def import_command(file: Path, portal_id: int, event: str | None, create_event: str | None,
                   database: str | None, overrides: tuple[str, ...], date_format: str,
                   dry_run: bool, errors_path: Path | None) -> None:
    """Import FILE (.csv, .xlsx, .xls): one completion of EVENT per row, contacts by email."""
    from collector.importer.command import import_file, summary_text
    from collector.importer.pipeline import ImportRequest

    if (event is None) == (create_event is None):
        raise click.UsageError("Give exactly one of --event NAME or --create-event LABEL")
    settings = _existing(_settings(database=database))
    report = errors_path or file.with_name(file.name + ".errors.csv")
    request = ImportRequest(file, portal_id, event or "", list(overrides), date_format, dry_run,
                            create_event=create_event)
    summary = _with_store(settings, lambda store: import_file(store, settings, request, report))
    click.echo(summary_text(summary, report))
