"""Run one import: read → check each row → stage in batches → commit once (or write nothing).

A large file is read and checked in a child process (``checking``) while this one stages.

Memory stays bounded: rows stream from the reader in batches of ``batch_rows``; the error
report streams to a file; the only per-row state kept is (for a dry run) a 64-bit hash per
distinct email, to say how many contacts the file names.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collector.completions import resolve_event_name
from collector.definitions import definition_json, parse_new_definition
from collector.errors import ClientError, StoreUnavailable
from collector.importer.batches import CheckedBatch
from collector.importer.checking import Checked, CheckJob, checked_batches
from collector.importer.dates import date_parser
from collector.importer.mapping import BadMapping, apply_overrides, propose
from collector.importer.newevent import propose_definition
from collector.importer.newprops import plan_mapping
from collector.importer.report import ErrorReport
from collector.importer.source import open_table
from collector.importer.table import Table
from collector.model import EventDefinition
from collector.settings import Settings
from collector.storage import Store

STALE_AFTER_MS = 10 * 60 * 1000  # a running job not heard from for this long is abandoned


class ImportCancelled(ClientError):
    """The import was cancelled before it committed; nothing of it was stored."""


@dataclass(slots=True)
class ImportRequest:
    path: Path
    portal_id: int
    event: str
    overrides: list[str] = field(default_factory=list)
    date_format: str = "auto"
    dry_run: bool = False
    file_name: str | None = None
    job_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    batch_rows: int = 10_000
    child_process_bytes: int = 2_000_000  # files this large are read and checked in a child
    # Instead of ``event``: the label of a new event made from the file's columns
    # (``newevent.propose_definition``); a dry run only shows it.
    create_event: str | None = None


@dataclass(slots=True)
class ImportSummary:
    job_id: str
    rows: int = 0
    valid_rows: int = 0
    rejected_rows: int = 0
    problems: int = 0
    contacts_in_file: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    created_event: dict[str, Any] | None = None  # the definition made from the file, if any
    # New properties of the chosen event (``newprops``): {name, label, type} each.
    created_properties: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        found = {"id": self.job_id, "dryRun": self.dry_run, "rows": self.rows,
                 "validRows": self.valid_rows, "rejectedRows": self.rejected_rows,
                 "problems": self.problems, "contactsInFile": self.contacts_in_file,
                 "mapping": self.mapping, **self.counts}
        if self.created_event is not None:  # the job was started without an event name
            found["createdEvent"] = self.created_event
            found["eventName"] = self.created_event["name"]
        if self.created_properties:
            found["createdProperties"] = self.created_properties
        return found


Progress = Callable[[int, int], None]  # (rows just done, rows in the file)


def find_definition(definitions: list[EventDefinition], portal_id: int,
                    raw: str) -> EventDefinition:
    name = resolve_event_name(raw, portal_id)
    found = {d.name: d for d in definitions}.get(name or "")
    if found is None:
        raise BadMapping(f"Unknown event {raw!r}: create the event definition first, or use its"
                         f" name or pe{portal_id}_<name>")
    if found.archived:
        raise BadMapping(f"Event {raw!r} is archived; restore it or choose another event")
    if found.primary_object != "CONTACT":
        raise BadMapping(f"Event {raw!r} is for {found.primary_object.lower()} records; imports"
                         " are for contact events only")
    return found


async def _event_for(store: Store, settings: Settings, req: ImportRequest,
                     table: Table) -> EventDefinition:
    """The chosen event, or the new one made from the file: the import's commit stores it
    (a failed or cancelled import leaves no event behind to block a second try)."""
    existing = await store.load_definitions(req.portal_id)
    if req.create_event is None:
        return find_definition(existing, req.portal_id, req.event)
    body = propose_definition(table, req.create_event, req.overrides, settings.limits)
    definition = parse_new_definition(body, req.portal_id, settings.limits,
                                      time.time_ns() // 1_000_000)
    if taken := next((d for d in existing if d.name == definition.name), None):
        state = "an archived event" if taken.archived else "an event"
        raise BadMapping(f"The new event's name {definition.name!r} (from the label"
                         f" {req.create_event!r}) is taken by {state}: import into that event,"
                         " or choose another label")
    return definition


async def run_import(store: Store, settings: Settings, req: ImportRequest, report_path: Path,
                     progress: Progress | None = None,
                     cancel: threading.Event | None = None) -> ImportSummary:
    table = open_table(req.path, settings.limits.import_rows, req.file_name, count=False)
    definition = await _event_for(store, settings, req, table)
    mapping = apply_overrides(propose(table.headers, definition, settings.limits), req.overrides)
    added, plan = plan_mapping(table, mapping, definition, settings.limits)
    date_parser(req.date_format)  # an unknown format is refused before anything is written
    now = time.time_ns() // 1_000_000
    job = CheckJob(table, plan, req.date_format, settings.limits, now,
                   now + settings.future_skew_seconds * 1000, req.batch_rows, definition.name)
    in_child = req.path.stat().st_size >= req.child_process_bytes
    async with checked_batches(job, in_child) as batches:
        # Counting (and refusing a file over the limit) comes before anything is written.
        total = await asyncio.to_thread(table.count_rows)
        summary = ImportSummary(req.job_id, rows=total, mapping=added.shown, dry_run=req.dry_run,
                                created_properties=added.created_json())
        if req.create_event is not None:
            summary.created_event = definition_json(definition)
        body = {"fileName": req.file_name or req.path.name, "eventName": definition.name,
                "rows": total, "dryRun": req.dry_run}
        with ErrorReport(report_path) as report:
            take = _Take(batches, total, req, summary, report, progress, cancel)
            if req.dry_run:
                await take.all(None)
                return summary
            await store.start_import(req.portal_id, req.job_id, body, STALE_AFTER_MS)
            try:
                await take.all(store)
                job_body = {**body, **summary.to_json()}
                summary.counts = await store.commit_import(
                    req.portal_id, req.job_id, definition.name, now,
                    settings.limits.completions_per_month, job_body,
                    (definition, settings.limits.definitions_per_portal)
                    if req.create_event is not None else None,
                    (definition, added.created, settings.limits.properties_per_definition)
                    if added.created else None)
                if summary.created_event is not None:  # now with the id the commit gave it
                    summary.created_event = job_body["createdEvent"]
            except BaseException as exc:
                state = "cancelled" if isinstance(exc, ImportCancelled) else "failed"
                message = (StoreUnavailable.PUBLIC_IMPORT if isinstance(exc, StoreUnavailable)
                           else str(exc) or type(exc).__name__)
                await store.end_import(req.portal_id, req.job_id, state,
                                       {**body, "message": message})
                raise
    return summary


@dataclass(slots=True)
class _Take:
    batches: AsyncIterator[Checked]
    total: int
    req: ImportRequest
    summary: ImportSummary
    report: ErrorReport
    progress: Progress | None
    cancel: threading.Event | None

    async def all(self, store: Store | None) -> None:
        """Take checked batch after batch; the writer stages batch N while N+1 is checked."""
        req, summary = self.req, self.summary
        emails: set[int] = set()
        pending: asyncio.Future[None] | None = None
        try:
            async for read, checked in self.batches:
                if self.cancel is not None and self.cancel.is_set():
                    raise ImportCancelled("The import was cancelled; nothing of it was stored")
                _count(checked, summary, self.report)
                if pending is not None:
                    await pending
                emails.update(hash(r[2]) for r in checked.rows)  # 64-bit: ~10 MB for 200k
                if store is not None:
                    pending = asyncio.ensure_future(store.stage_import(
                        req.portal_id, req.job_id, checked.rows, checked.contacts,
                        summary.to_json()))
                if self.progress is not None:
                    self.progress(read, self.total)
            if pending is not None:
                await pending
        except BaseException:
            if pending is not None and not pending.done():
                await asyncio.wait([pending])  # let the writer finish before the job is ended
            raise
        summary.contacts_in_file = len(emails)


def _count(checked: CheckedBatch, summary: ImportSummary, report: ErrorReport) -> None:
    summary.valid_rows += len(checked.rows)
    summary.rejected_rows += checked.rejected_rows
    summary.problems += len(checked.rejections)
    report.add(checked.rejections)
