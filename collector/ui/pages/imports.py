"""``/app/import``: upload a spreadsheet, check the proposed column mapping (override any
column, choose the date format), dry-run or import, follow the progress, download the
error report. The importer itself (collector.importer) does the work, as for the API/CLI."""

from __future__ import annotations

import asyncio
import uuid
from itertools import islice
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from collector.api.common import services
from collector.api.imports import report_response
from collector.definitions import parse_new_definition
from collector.errors import ClientError, NotFound
from collector.importer.dates import NAMED_FORMATS, BadDateFormat, date_parser
from collector.importer.jobs import ImportJobs
from collector.importer.mapping import BadMapping, apply_overrides, propose, split_override
from collector.importer.newevent import propose_definition
from collector.importer.newprops import TYPES, plan_mapping, suggestions
from collector.importer.pipeline import ImportRequest, find_definition
from collector.importer.report import first_lines
from collector.importer.source import open_table
from collector.importer.table import Table
from collector.model import EventDefinition
from collector.responses import JSONResponse
from collector.storage.queries import now_ms
from collector.ui import uploads
from collector.ui.access import Viewer, portal_page
from collector.ui.forms import FieldErrors, text, upload
from collector.ui.import_targets import columns, posted_target, target_groups
from collector.ui.render import BASE, redirect, render

PATH = BASE + "/import"
SAMPLE_ROWS = 3
REPORT_ROWS = 20  # the error report's first lines, shown on the job page
_JOB_DEFAULTS: dict[str, Any] = {
    "fileName": "", "eventName": "", "dryRun": False, "processedRows": 0, "rows": 0,
    "validRows": 0, "rejectedRows": 0, "problems": 0, "contactsInFile": 0,
    "completionsInserted": 0, "contactsCreated": 0, "contactsUpdated": 0, "message": "",
    "createdProperties": []}


def _jobs(request: Request) -> ImportJobs:
    jobs: ImportJobs = request.app.state.imports
    return jobs


async def _contact_events(request: Request, portal_id: int) -> list[EventDefinition]:
    found = (await services(request).definitions.get(portal_id, fresh=True)).values()
    return sorted((d for d in found if not d.archived and d.primary_object == "CONTACT"),
                  key=lambda d: d.label.lower())


async def _upload_page(request: Request, viewer: Viewer, event: str = "",
                       errors: FieldErrors | None = None, status: int = 200,
                       new_event: str = "") -> Response:
    return render(request, "import/upload.html", {
        "events": await _contact_events(request, viewer.portal_id), "event": event,
        "new_event": new_event, "errors": errors or {},
        "max_rows": services(request).settings.limits.import_rows}, status=status)


@portal_page
async def upload_page(request: Request, viewer: Viewer) -> Response:
    return await _upload_page(request, viewer, request.query_params.get("event", ""))


@portal_page
async def upload_file(request: Request, viewer: Viewer) -> Response:
    form = await request.form()
    event = text(form, "event")
    new_event = text(form, "new_event").strip()
    file = upload(form, "file")
    errors: FieldErrors = {}
    limits = services(request).settings.limits
    if new_event:
        if event:
            errors["new_event"] = ("New event: choose an existing event or give a new one's"
                                   " label, not both")
        elif len(new_event) > limits.event_label_length:
            errors["new_event"] = (f"New event: the label must be at most"
                                   f" {limits.event_label_length} characters")
    else:
        try:
            find_definition(await services(request).store.load_definitions(viewer.portal_id),
                            viewer.portal_id, event)
        except ClientError as exc:
            errors["event"] = (f"Event: {exc.message}" if event else
                               "Event: choose the event, or give a new event's label")
    if file is None:
        errors["file"] = "File: choose a .csv, .xlsx or .xls file"
    if errors:
        return await _upload_page(request, viewer, event, errors, 400, new_event)
    assert file is not None
    try:
        saved = await uploads.save(viewer.portal_id, file)
    except uploads.UnsupportedFile as exc:
        return await _upload_page(request, viewer, event, {"file": f"File: {exc}"}, 400,
                                  new_event)
    return redirect(f"{PATH}/{saved.id}?{_choice_query(event, new_event)}")


def _choice_query(event: str, new_event: str) -> str:
    """The mapping page's query: the chosen event, or the label of the one to create."""
    return urlencode({"create": new_event} if new_event else {"event": event})


def _samples(table: Table) -> list[list[str]]:
    """Up to SAMPLE_ROWS values per column, as text."""
    columns: list[list[str]] = [[] for _ in table.headers]
    for _, cells in islice(table.open_rows(), SAMPLE_ROWS):
        for index, column in enumerate(columns):
            cell = cells[index] if index < len(cells) else None
            column.append("" if cell is None else str(cell)[:80])
    return columns


def _upload_table(request: Request, viewer: Viewer) -> tuple[uploads.Upload, Table]:
    """The upload and its table (reading a sheet takes a while: called in a thread)."""
    found = uploads.find(viewer.portal_id, request.path_params["upload_id"])
    if found is None:
        raise NotFound("This upload does not exist (uploads are kept for a day): upload the"
                       " file again.")
    return found, open_table(found.path, services(request).settings.limits.import_rows,
                             found.name)


async def _event(request: Request, viewer: Viewer, table: Table,
                 overrides: list[str]) -> EventDefinition:
    """The chosen event, or the one the file's columns make as the mapping stands."""
    svc = services(request)
    definitions = await svc.store.load_definitions(viewer.portal_id)
    label = request.query_params.get("create", "").strip()
    if not label:
        return find_definition(definitions, viewer.portal_id,
                               request.query_params.get("event", ""))
    body = propose_definition(table, label, overrides, svc.settings.limits)
    definition = parse_new_definition(body, viewer.portal_id, svc.settings.limits, now_ms())
    if any(d.name == definition.name for d in definitions):
        raise BadMapping(f"An event named {definition.name!r} exists already: import into it,"
                         " or give the new event another label")
    return definition


def _overrides(chosen: dict[str, str] | None) -> list[str]:
    return [f"{header}={target}" for header, target in (chosen or {}).items()]


async def _mapping_page(request: Request, viewer: Viewer, *, chosen: dict[str, str] | None = None,
                        date_format: str = "auto", errors: FieldErrors | None = None,
                        status: int = 200) -> Response:
    try:
        found, table = await asyncio.to_thread(_upload_table, request, viewer)
        definition = await _event(request, viewer, table, _overrides(chosen))
    except NotFound:
        raise
    except ClientError as exc:  # an unreadable file or an unusable event
        return await _upload_page(request, viewer, request.query_params.get("event", ""),
                                  {"file": f"File: {exc.message}"}, 400,
                                  request.query_params.get("create", ""))
    limits = services(request).settings.limits
    mapping = {**propose(table.headers, definition, limits), **(chosen or {})}
    creating = request.query_params.get("create", "").strip()
    samples = await asyncio.to_thread(_samples, table)
    # What "Create event property" would make of each column (a new event needs none).
    suggested = [] if creating else await asyncio.to_thread(suggestions, table, limits)
    return render(request, "import/mapping.html", {
        "upload": found, "definition": definition, "table": table,
        "columns": columns(table.headers, mapping, samples, suggested),
        "groups": target_groups(definition, bool(creating)), "formats": NAMED_FORMATS,
        "property_types": TYPES, "name_length": limits.property_name_length,
        "date_format": date_format, "errors": errors or {}, "creating": bool(creating),
        "choice": _choice_query(definition.name, creating)}, status=status)


@portal_page
async def mapping_page(request: Request, viewer: Viewer) -> Response:
    """The proposed mapping; with ``?job=`` (the job page's "Change the mapping"), that
    job's chosen targets and date format, to change from there."""
    job = _jobs(request).get(viewer.portal_id, request.query_params.get("job", ""))
    if job is None:
        return await _mapping_page(request, viewer)
    chosen = dict(map(split_override, job.request.overrides))
    return await _mapping_page(request, viewer, chosen=chosen or None,
                               date_format=job.request.date_format)


@portal_page
async def start_import(request: Request, viewer: Viewer) -> Response:
    form = await request.form()
    found, table = await asyncio.to_thread(_upload_table, request, viewer)
    chosen = {h: posted_target(text(form, f"map_{i}", "ignore"), text(form, f"newprop_name_{i}"),
                               text(form, f"newprop_type_{i}"))
              for i, h in enumerate(table.headers)}
    creating = request.query_params.get("create", "").strip() or None
    pattern = text(form, "date_pattern").strip()
    date_format = pattern or text(form, "date_format", "auto")
    try:
        definition = await _event(request, viewer, table, _overrides(chosen))
    except ClientError as exc:
        return await _mapping_page(request, viewer, chosen=chosen, date_format=date_format,
                                   errors=_mapping_error(table, exc), status=400)
    svc = services(request)
    errors: FieldErrors = {}
    limits = svc.settings.limits
    try:
        await asyncio.to_thread(plan_mapping, table, apply_overrides(
            propose(table.headers, definition, limits), _overrides(chosen)), definition, limits)
    except ClientError as exc:
        errors.update(_mapping_error(table, exc))
    try:
        date_parser(date_format)
    except BadDateFormat as exc:
        errors["date_pattern" if pattern else "date_format"] = f"Date format: {exc}"
    if errors:
        return await _mapping_page(request, viewer, chosen=chosen, date_format=date_format,
                                   errors=errors, status=400)
    dry_run = text(form, "action") != "run"
    path = uploads.copy_for_job(found)
    req = ImportRequest(path, viewer.portal_id, "" if creating else definition.name,
                        _overrides(chosen), date_format, dry_run,
                        file_name=found.name, job_id=str(uuid.uuid4()), create_event=creating)
    _jobs(request).start(svc.store, svc.settings, req, path.parent)
    return redirect(f"{PATH}/jobs/{req.job_id}?upload={found.id}")


def _mapping_error(table: Table, exc: ClientError) -> FieldErrors:
    """The mapping's error, on the field of the column it names (else on the mapping)."""
    column = exc.column if isinstance(exc, BadMapping) else None
    field = f"map_{table.headers.index(column)}" if column in table.headers else "mapping"
    return {field: f"Column mapping: {exc.message}"}


async def _job_state(request: Request, portal_id: int) -> dict[str, Any]:
    job, stored = await _jobs(request).find(services(request).store, portal_id,
                                            request.path_params["job_id"])
    if job is not None:
        return {**_JOB_DEFAULTS, **job.to_json(), "hasReport": job.report.is_file(),
                "overrides": job.request.overrides, "dateFormat": job.request.date_format,
                "createEvent": job.request.create_event}
    if stored is None:
        raise NotFound("This portal has no import with that id.")
    return {**_JOB_DEFAULTS, **stored, "hasReport": False, "overrides": [], "dateFormat": "auto"}


async def _job_event(request: Request, portal_id: int, job: dict[str, Any]) -> dict[str, Any]:
    """How the job page names its event: label, link (once it exists) and the mapping
    page's query for running the job again (an event a dry run would create is made again
    from its label)."""
    name = job["eventName"]
    created = job.get("createdEvent")
    definitions = await services(request).definitions.get(portal_id, fresh=True)
    stored = definitions.get(name) if name else None
    if stored is not None:
        return {"label": stored.label, "link": f"{BASE}/events/{name}",
                "choice": _choice_query(name, "")}
    new_label = created["label"] if created else job.get("createEvent")
    return {"label": new_label or name, "link": None,
            "choice": _choice_query(name, new_label or "")}


@portal_page
async def job_page(request: Request, viewer: Viewer) -> Response:
    job = await _job_state(request, viewer.portal_id)
    upload_id = request.query_params.get("upload", "")
    found = uploads.find(viewer.portal_id, upload_id) if upload_id else None
    targets = [split_override(item)[1] for item in job["overrides"]]
    report = _jobs(request).report(viewer.portal_id, job["id"])
    problems = first_lines(report, REPORT_ROWS) if report and job["state"] != "running" else []
    return render(request, "import/job.html", {
        "job": job, "upload": found, "targets": targets, "problems": problems,
        "event": await _job_event(request, viewer.portal_id, job),
        "status_url": f"{PATH}/jobs/{job['id']}/status"})


@portal_page
async def job_status(request: Request, viewer: Viewer) -> Response:
    job = await _job_state(request, viewer.portal_id)
    return JSONResponse({k: job.get(k) for k in ("id", "state", "processedRows", "rows",
                                                 "message")})


@portal_page
async def error_report(request: Request, viewer: Viewer) -> Response:
    return report_response(_jobs(request), viewer.portal_id, request.path_params["job_id"])


@portal_page
async def cancel(request: Request, viewer: Viewer) -> Response:
    job = _jobs(request).get(viewer.portal_id, request.path_params["job_id"])
    if job is None:
        raise NotFound("No running import with that id here.")
    job.cancel.set()
    return redirect(f"{PATH}/jobs/{job.request.job_id}", "Cancelling the import: nothing of"
                    " it will be stored.", request=request)
