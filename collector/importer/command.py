"""``footfall import``: run an import from the command line with a progress bar and a summary."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import click

from collector.errors import FootfallError
from collector.importer.dates import BadDateFormat
from collector.importer.pipeline import ImportRequest, ImportSummary, run_import
from collector.settings import Settings
from collector.storage import Store


class _Bar:
    """A click progress bar on stderr, opened once the row count is known."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Importing", file=sys.stderr,
                                         show_pos=True)
            self.bar.__enter__()
        self.bar.update(done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


async def import_file(store: Store, settings: Settings, req: ImportRequest,
                      report_path: Path) -> ImportSummary:
    bar = _Bar()
    try:
        summary = await run_import(store, settings, req, report_path, bar)
        if not summary.problems:
            report_path.unlink(missing_ok=True)  # no report when nothing was rejected
        return summary
    except (FootfallError, BadDateFormat) as exc:
        raise click.ClickException(getattr(exc, "message", str(exc))) from None
    except asyncio.CancelledError:
        raise click.ClickException("Import interrupted; nothing of it was stored") from None
    finally:
        bar.close()


def summary_text(summary: ImportSummary, report_path: Path) -> str:
    verb = "Would import" if summary.dry_run else "Imported"
    lines = [f"{'Dry run: nothing was written. ' if summary.dry_run else ''}"
             f"{summary.rows} data rows: {summary.valid_rows} valid, "
             f"{summary.rejected_rows} rejected ({summary.problems} problems)."]
    if summary.dry_run:
        lines.append(f"{verb} {summary.valid_rows} completions for {summary.contacts_in_file}"
                     " contacts.")
    else:
        c = summary.counts
        lines.append(f"{verb} {c.get('completionsInserted', 0)} new completions"
                     f" ({summary.valid_rows - c.get('completionsInserted', 0)} already present);"
                     f" contacts: {c.get('contactsCreated', 0)} created,"
                     f" {c.get('contactsUpdated', 0)} updated.")
    if summary.created_event is not None:
        created = summary.created_event
        props = ", ".join(f"{p['name']} ({p['type']})" for p in created["properties"]
                          if not p["name"].startswith("hs_"))
        lines.append(f"{'Would create' if summary.dry_run else 'Created'} event"
                     f" {created['fullyQualifiedName']} ({created['label']}) with properties:"
                     f" {props or 'none'}.")
    if summary.created_properties:
        props = ", ".join(f"{p['name']} {p['label']!r} ({p['type']})"
                          for p in summary.created_properties)
        lines.append(f"{'Would create' if summary.dry_run else 'Created'} event properties:"
                     f" {props}.")
    lines.append("Mapping: " + ", ".join(f"{k} -> {v}" for k, v in summary.mapping.items()))
    if summary.problems:
        lines.append(f"Error report: {report_path}")
    return "\n".join(lines)
