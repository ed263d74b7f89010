"""Helpers for the import tests: write files of every type, run ``footfall import``."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from collector.cli import main
from collector.importer.jobs import ImportJobs
from collector.storage import is_postgres_url
from tests.conftest import Api, app_state

PLAN_OPTIONS = [{"label": "Gold", "value": "gold"}, {"label": "Silver", "value": "silver"}]
PROPS: list[dict[str, Any]] = [
    {"name": "amount", "label": "Amount", "type": "number"},
    {"name": "plan", "label": "Plan", "type": "enumeration", "options": PLAN_OPTIONS},
    {"name": "note", "label": "Note", "type": "string"},
    {"name": "paid", "label": "Paid", "type": "bool"},
    {"name": "renews", "label": "Renews", "type": "date"},
]


def wait_for_import(client: TestClient, portal_id: int, job_id: str) -> None:
    """Wait (up to a minute) for the thread of the app's import job ``job_id`` to end."""
    jobs: ImportJobs = app_state(client).imports
    job = jobs.get(portal_id, job_id)
    assert job is not None, f"no import job {job_id!r} for portal {portal_id}"
    assert job.thread is not None  # set when the job is started, before its 202
    job.thread.join(60)


def define_purchase(api: Api, name: str = "purchase") -> None:
    api.define(name, *PROPS)


def write_csv(path: Path, rows: Sequence[Sequence[Any]], *, delimiter: str = ",",
              encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if hasattr(value, "year"):
                sheet.write_datetime(r, c, value, when)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    return path


def write_xls(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("data")
    when = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if hasattr(value, "year"):
                sheet.write(r, c, value, when)
            elif value is not None:
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def run_import(database: str, portal_id: int, path: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["import", str(path), "--portal", str(portal_id),
                                     "--database", database, *args])


def report_lines(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def job_states(database: str) -> list[tuple[str, dict[str, Any]]]:
    """(state, body) of every import job, read straight from the database."""
    import contextlib
    import json
    import sqlite3

    sql = "SELECT state, body FROM import_jobs ORDER BY created_at"
    if is_postgres_url(database):
        import psycopg

        with psycopg.connect(database) as pg:
            rows = pg.execute(sql).fetchall()
    else:
        with contextlib.closing(sqlite3.connect(database)) as conn:
            rows = conn.execute(sql).fetchall()
    return [(state, json.loads(body)) for state, body in rows]
