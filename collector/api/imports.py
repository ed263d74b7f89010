"""Spreadsheet imports over HTTP: upload (multipart), mapping proposal, job status, error report.

``POST /footfall/v1/imports`` answers 202 at once with the job; the import runs on its own
thread (see ``collector.importer.jobs``) and ``GET …/{jobId}`` shows its progress.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from collector.api.common import authenticated, services
from collector.bodylimit import limit_receive
from collector.definitions import parse_new_definition
from collector.errors import Conflict, FieldError, NotFound, ValidationFailed
from collector.importer.dates import BadDateFormat, date_parser
from collector.importer.jobs import ImportJobs, new_folder
from collector.importer.mapping import apply_overrides, propose
from collector.importer.newevent import propose_definition
from collector.importer.newprops import add_properties
from collector.importer.pipeline import ImportRequest, find_definition
from collector.importer.source import FILE_TYPES, open_table, stored_name
from collector.limits import Limits
from collector.responses import JSONResponse
from collector.storage import guard
from collector.storage.queries import now_ms

BASE = "/footfall/v1/imports"
_FIELDS = {"file", "eventName", "createEvent", "mapping", "dateFormat", "dryRun"}


def _jobs(request: Request) -> ImportJobs:
    jobs: ImportJobs = request.app.state.imports
    return jobs


async def _save_upload(form: FormData) -> tuple[Path, str]:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ValidationFailed([FieldError("file", "is required: a .csv, .xlsx or .xls file"
                                           " sent as multipart/form-data", "REQUIRED")])
    name = Path(upload.filename).name
    if (reason := guard.problem(name)) is not None:
        raise ValidationFailed([FieldError("file", f"its name {reason}", "UNSTORABLE_TEXT")])
    if Path(name).suffix.lower() not in FILE_TYPES:
        raise ValidationFailed([FieldError("file", f"{name}: unsupported file type; import a"
                                           " .csv, .xlsx or .xls file", "UNSUPPORTED_TYPE")])
    path = new_folder() / stored_name(name)
    with path.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            out.write(chunk)
    return path, name


async def _form(request: Request) -> FormData:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ValidationFailed([FieldError("body", "must be multipart/form-data with a file"
                                           " part", "WRONG_TYPE")])
    # Starlette reads a form whole: cap what it may read (413 before reading when declared).
    limited = Request(request.scope, limit_receive(request.scope, request.receive,
                                                   services(request).settings.max_upload_bytes))
    form = await limited.form()
    try:
        _check_fields(form)
    except ValidationFailed:
        await form.close()
        raise
    return form


def _check_fields(form: FormData) -> None:
    """Unknown fields, and fields given more than once (a second file part was imported in
    place of the first, which was lost without a word), are refused by name."""
    errors = [FieldError(key, f"unknown field (allowed: {', '.join(sorted(_FIELDS))})",
                         "UNKNOWN_FIELD") for key in sorted(set(form.keys()) - _FIELDS)]
    errors += [FieldError(key, f"must be given once (got {count} parts): import one file per"
                          " request" if key == "file" else
                          f"must be given once (got {count} parts)", "REPEATED")
               for key in sorted(set(form.keys()) & _FIELDS)
               if (count := len(form.getlist(key))) > 1]
    if errors:
        raise ValidationFailed(errors)


def _text(form: FormData, key: str, default: str = "") -> str:
    value = form.get(key, default)
    if not isinstance(value, str):
        raise ValidationFailed([FieldError(key, "must be a text field", "WRONG_TYPE")])
    if (reason := guard.problem(value)) is not None:
        raise ValidationFailed([FieldError(key, reason, "UNSTORABLE_TEXT")])
    return value


def _overrides(raw: str) -> list[str]:
    if not raw:
        return []
    try:
        mapping: Any = json.loads(raw)
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise ValidationFailed([FieldError("mapping", 'must be a JSON object such as'
                                           ' {"E-mail": "email", "Total": "event.amount"}',
                                           "WRONG_TYPE")])
    return [f"{column}={target}" for column, target in mapping.items()]


@authenticated
async def start_import(request: Request, portal_id: int) -> Response:
    form = await _form(request)
    try:
        return await _start(request, portal_id, form)
    finally:
        await form.close()


async def _start(request: Request, portal_id: int, form: FormData) -> Response:
    svc = services(request)
    event, create_event = _text(form, "eventName").strip(), _text(form, "createEvent").strip()
    if bool(event) == bool(create_event):
        raise ValidationFailed([FieldError("eventName", "give exactly one of eventName (an"
                                           " existing event) or createEvent (the label of a new"
                                           " event made from the file's columns)", "REQUIRED")])
    if event:
        find_definition(await svc.store.load_definitions(portal_id), portal_id, event)
    else:
        _check_label(create_event, portal_id, svc.settings.limits)
    dry_run, date_format = _check_options(form)
    overrides = _overrides(_text(form, "mapping"))
    path, name = await _save_upload(form)
    req = ImportRequest(path, portal_id, event, overrides, date_format, dry_run,
                        file_name=name, job_id=str(uuid.uuid4()),
                        create_event=create_event or None)
    job = _jobs(request).start(svc.store, svc.settings, req, path.parent)
    return JSONResponse(job.to_json(), status_code=202,
                        headers={"Location": f"{BASE}/{req.job_id}"})


def _check_options(form: FormData) -> tuple[bool, str]:
    """``dryRun`` and ``dateFormat``, refused by name when they are wrong (the mapping
    endpoint, which uses neither, refuses what the import would)."""
    dry_run = _text(form, "dryRun", "false").strip().lower()
    if dry_run not in ("true", "false"):
        raise ValidationFailed([FieldError("dryRun", "must be true or false", "INVALID")])
    date_format = _text(form, "dateFormat", "auto")
    try:
        date_parser(date_format)
    except BadDateFormat as exc:
        raise ValidationFailed([FieldError("dateFormat", str(exc), "INVALID")]) from None
    return dry_run == "true", date_format


def _check_label(label: str, portal_id: int, limits: Limits) -> None:
    """Refuse now what the job would refuse of the new event's label (and the name made
    from it), before a file is taken."""
    try:
        parse_new_definition({"label": label}, portal_id, limits, 0)
    except ValidationFailed as exc:
        raise ValidationFailed([FieldError("createEvent", f"{e.where}: {e.message}", e.code)
                                for e in exc.errors]) from None


@authenticated
async def propose_mapping(request: Request, portal_id: int) -> Response:
    form = await _form(request)
    try:
        return await _propose(request, portal_id, form)
    finally:
        await form.close()


async def _propose(request: Request, portal_id: int, form: FormData) -> Response:
    svc = services(request)
    event, create_event = _text(form, "eventName").strip(), _text(form, "createEvent").strip()
    if event and create_event:
        raise ValidationFailed([FieldError("eventName", "give at most one of eventName (an"
                                           " existing event) or createEvent (the label of a new"
                                           " event made from the file's columns)", "CONFLICT")])
    definition = (find_definition(await svc.store.load_definitions(portal_id), portal_id, event)
                  if event else None)
    if create_event:
        _check_label(create_event, portal_id, svc.settings.limits)
    _check_options(form)
    overrides = _overrides(_text(form, "mapping"))
    limits = svc.settings.limits
    path, name = await _save_upload(form)
    try:
        table = await asyncio.to_thread(open_table, path, limits.import_rows, name)
        proposed = (propose_definition(table, create_event, overrides, limits)
                    if create_event else None)
        added = (await asyncio.to_thread(add_properties, table, apply_overrides(
            propose(table.headers, definition, limits), overrides), definition, limits)
                 if definition is not None and not create_event else None)
    finally:
        path.unlink(missing_ok=True)
        path.parent.rmdir()
    if proposed is not None:
        definition = parse_new_definition(proposed, portal_id, limits, now_ms())
    found: dict[str, Any] = {"fileName": name, "fileType": table.kind, "rows": table.row_count,
                             "headers": table.headers,
                             "mapping": propose(table.headers, definition, limits)}
    if proposed is not None:
        found["proposedEvent"] = proposed
    if added is not None and added.created:
        found["proposedProperties"] = added.created_json()
    return JSONResponse(found)


@authenticated
async def get_import(request: Request, portal_id: int) -> Response:
    job_id = request.path_params["job_id"]
    job, stored = await _jobs(request).find(services(request).store, portal_id, job_id)
    if job is not None:
        return JSONResponse(job.to_json())
    if stored is None:
        raise NotFound(f"No import {job_id!r} in this portal")
    return JSONResponse(stored)


@authenticated
async def error_report(request: Request, portal_id: int) -> Response:
    return report_response(_jobs(request), portal_id, request.path_params["job_id"])


@authenticated
async def cancel_import(request: Request, portal_id: int) -> Response:
    job = _jobs(request).get(portal_id, request.path_params["job_id"])
    if job is None:
        raise NotFound("No running import with this id in this portal")
    if job.state != "running":  # a finished import stays as it ended (committed: stored)
        raise Conflict(f"The import has already ended ({job.state}); there is nothing to"
                       " cancel", (FieldError("jobId", f"state {job.state}", "FINISHED"),))
    job.cancel.set()
    return JSONResponse(job.to_json(), status_code=202)


def report_response(jobs: ImportJobs, portal_id: int, job_id: str) -> FileResponse:
    """The portal's import's error report as a CSV download (the API's and the UI's)."""
    report = jobs.report(portal_id, job_id)
    if report is None:
        raise NotFound("No error report for this import here (reports are kept by the"
                       " collector process that ran the import, until it stops)")
    job = jobs.get(portal_id, job_id)
    name = job.request.file_name if job is not None else None
    # As `footfall import` names it beside the file: sales.csv.errors.csv.
    return FileResponse(report, media_type="text/csv; charset=utf-8",
                        filename=f"{name}.errors.csv" if name else f"import-{job_id}-errors.csv")
