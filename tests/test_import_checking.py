"""Checking rows: the fast path agrees with the full check on every row, and a file checked
in a child process imports exactly as one checked here."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.importer.batches import BatchChecker
from collector.importer.checking import CheckJob, checked_batches
from collector.importer.columns import check_columns
from collector.importer.dates import date_parser
from collector.importer.mapping import Plan
from collector.importer.pieces import Staged, fast_plan
from collector.importer.pipeline import ImportCancelled, ImportRequest, run_import
from collector.importer.rows import Rejection, RowChecker
from collector.importer.sheets import xlsx_table
from collector.importer.table import BadFile, Cell, CellError, is_blank
from collector.limits import Limits
from collector.properties import Option, PropertyDef
from collector.settings import Settings
from collector.storage import Store
from tests.conftest import Api, count_rows, in_store
from tests.importkit import define_purchase, job_states, report_lines, write_csv

HEADERS = ["Email", "When", "Amount", "Plan", "Note", "Paid", "Renews", "First", "Stage"]
PLAN = Plan(email=0, occurred_at=1, contact=[(7, "firstname"), (8, "lifecyclestage")], event=[
    (2, PropertyDef("amount", "Amount", "number")),
    (3, PropertyDef("plan", "Plan", "enumeration",
                    options=(Option("Gold", "gold"), Option("Silver", "silver")))),
    (4, PropertyDef("note", "Note", "string")),
    (5, PropertyDef("paid", "Paid", "bool")),
    (6, PropertyDef("renews", "Renews", "date"))])
NOW = 1_800_000_000_000
# Values that pass, values that fail, and the odd ones in between, for any column.
CELLS: list[Cell] = [
    None, "", "  ", "a@example.com", " B@Example.COM ", "a@b", "x\x00y@example.com",
    "1700000000000", "1700000000000 ", "99999999999999999", "2024-01-02T03:04:05Z", "02/03/2024",
    "yesterday", "12.5", "-3", "1e5", "12.3.4", 7, 2.5, float("nan"), True, False, "true", "FALSE",
    "gold", "silver;gold", "platinum", "note", " padded ", "x" * 256, "x" * 257, "é", "\ud800",
    "lead", "Customer", "boss", "=1+1", datetime(2024, 5, 6), datetime(2024, 5, 6, 7, 8),
    CellError("#DIV/0!"), "2024-05-06", "1965-05-01", datetime(1965, 5, 1), "-86400000",
    "1700000000", 1700000000, 1.7e9, "99999999999", "100000000000", "0", " 1700000000",
]
# Mostly good values per column (so whole rows pass), any value now and then.
GOOD: list[list[Cell]] = [
    ["a@example.com", " B@Example.COM ", "c@example.com"],
    ["1700000000000", "2024-01-02T03:04:05Z", 1.7e12, "02/03/2024", datetime(2024, 1, 2),
     "1700000000", 1.7e9],
    ["12.5", "-3", 7, None], ["gold", "silver;gold", None], ["note", "é", "x" * 256, None, 5],
    ["true", "FALSE", True], ["2024-05-06", datetime(2024, 5, 6), None], ["Ann", "", None],
    ["lead", "Customer", None]]
row_strategy = st.one_of(
    st.tuples(*(st.one_of(st.sampled_from(good), st.sampled_from(good),
                          st.sampled_from(CELLS)) for good in GOOD)).map(list),
    st.lists(st.sampled_from(CELLS), min_size=0, max_size=10))
rows_strategy = st.lists(row_strategy, min_size=1, max_size=30)


def _reference(checker: RowChecker, batch: list[tuple[int, list[Cell]]]) -> tuple[object, ...]:
    """What the full check alone makes of a batch."""
    rows: list[Staged] = []
    contacts: dict[str, dict[str, str]] = {}
    rejections: list[Rejection] = []
    rejected = 0
    for number, cells in batch:
        if is_blank(cells):
            continue
        row, problems = checker.check(number, cells)
        if problems or row is None:
            rejected += 1
            rejections += problems
            continue
        rows.append((row.row, row.id, row.email, row.occurred_at, row.properties))
        if row.contact:
            contacts.setdefault(row.email, {}).update(row.contact)
    return rows, contacts, rejections, rejected


@pytest.mark.parametrize("fmt", ["auto", "DD/MM/YYYY"])
@settings(max_examples=300, deadline=None)
@given(cells=rows_strategy)
def test_fast_path_agrees_with_the_full_check(fmt: str, cells: list[list[Cell]]) -> None:
    def checker() -> RowChecker:
        return RowChecker(HEADERS, PLAN, date_parser(fmt), Limits(), "ab" * 32, NOW, NOW)

    batch = [(n + 2, row) for n, row in enumerate(cells)]
    fast = BatchChecker(checker()).check(batch)
    assert (fast.rows, fast.contacts, fast.rejections, fast.rejected_rows) == \
        _reference(checker(), batch)


def test_repeated_values_take_the_fast_path_with_the_same_result() -> None:
    row: list[Cell] = ["a@example.com", "1700000000000", "12.5", "gold", "note", "true",
                       "2024-05-06", "Ann", "lead"]
    batch = [(n, list(row)) for n in range(2, 200)]
    checker = RowChecker(HEADERS, PLAN, date_parser("auto"), Limits(), "ab" * 32, NOW, NOW)
    fast = BatchChecker(checker).check(batch)
    assert (fast.rows, fast.contacts, fast.rejections, fast.rejected_rows) == \
        _reference(checker, batch)
    assert fast.rows[0][4] == ('{"amount":"12.5","plan":"gold","note":"note","paid":"true",'
                               '"renews":"2024-05-06"}')


def _import(database: str, portal_id: int, path: Path, report: Path, *, child: bool,
            dry_run: bool = False) -> dict[str, object]:
    async def run(store: Store) -> dict[str, object]:
        request = ImportRequest(path, portal_id, "purchase", dry_run=dry_run, batch_rows=3,
                                child_process_bytes=0 if child else 10**12)
        summary = await run_import(store, Settings(database=database), request, report)
        return summary.to_json()

    return in_store(database, run)


def test_checking_in_a_child_process_imports_the_same(api: Api, database: str,
                                                      tmp_path: Path) -> None:
    define_purchase(api)
    rows = [["Email", "Date", "Amount", "Plan", "First name"]]
    for i in range(20):
        rows.append([f"u{i % 7}@example.com" if i % 5 else "nobody", f"2024-01-{i + 1:02d}",
                     str(i) if i % 6 else "x", "gold", f"N{i}"])
    path = write_csv(tmp_path / "mixed.csv", rows)
    dry = _import(database, api.portal_id, path, tmp_path / "dry.csv", child=True, dry_run=True)
    assert count_rows(database, "import_jobs") == 0
    here = _import(database, api.portal_id, path, tmp_path / "here.csv", child=False, dry_run=True)
    assert {k: v for k, v in dry.items() if k != "id"} == {k: v for k, v in here.items() if k != "id"}
    assert report_lines(tmp_path / "dry.csv") == report_lines(tmp_path / "here.csv")
    done = _import(database, api.portal_id, path, tmp_path / "report.csv", child=True)
    assert done["validRows"] == dry["validRows"] == count_rows(database, "completions") == 13
    assert done["rejectedRows"] == 7
    assert done["contactsCreated"] == 7 == count_rows(database, "objects")
    assert report_lines(tmp_path / "report.csv") == report_lines(tmp_path / "here.csv")
    again = _import(database, api.portal_id, path, tmp_path / "again.csv", child=True)
    assert again["completionsInserted"] == 0
    assert again["contactsUpdated"] == 0  # nothing about them changed


def test_an_error_met_by_the_child_is_raised_here(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "late-error.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Email", "Amount"])
    for r in range(1, 30_000):  # a sheet XML of several chunks
        sheet.write_row(r, 0, [f"u{r}@example.com", r])
    book.close()
    broken = tmp_path / "broken.xlsx"
    import zipfile

    with zipfile.ZipFile(path) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b"u25000@example.com</t>", b"u25000@example.com</x>")
            target.writestr(item, data)
    table = xlsx_table(broken, 100_000, cell_budget=1)  # streamed: the header reads fine
    plan = Plan(email=0)
    job = CheckJob(table, plan, "auto", Limits(), NOW, NOW, 1000, "purchase")

    seen: list[int] = []

    async def drain() -> None:
        async with checked_batches(job, in_child=True) as batches:
            async for read, _checked in batches:
                seen.append(read)

    with pytest.raises(BadFile, match=r"Cannot read broken\.xlsx"):
        asyncio.run(drain())
    assert table.row_count == 29_999
    assert 0 < sum(seen) < 25_000  # the rows before the broken one came through


def test_good_rows_do_take_the_fast_path() -> None:
    """The agreement test above is only worth something if its good rows reach the fast
    path rather than falling back to the full check."""
    checker = RowChecker(HEADERS, PLAN, date_parser("auto"), Limits(), "ab" * 32, NOW, NOW)
    fast = BatchChecker(checker)._fast
    for column in range(3):
        row = [good[column % len(good)] for good in GOOD]
        assert fast(2, row) is not None, row


# Values every column accepts under the "auto" date format, blanks included.
VALID: list[list[Cell]] = [
    ["a@example.com", " B@Example.COM ", "c@example.com"],
    ["1700000000000", "2024-01-02T03:04:05Z", 1.7e12, datetime(2024, 1, 2), "1700000000", 1.7e9],
    ["12.5", "-3", 7, None], ["gold", "silver;gold", None], ["note", "é", "x" * 256, None, 5],
    ["true", "FALSE", True], ["2024-05-06", datetime(2024, 5, 6), None], ["Ann", "", None],
    ["lead", "Customer", None]]
valid_rows = st.lists(st.tuples(*(st.sampled_from(v) for v in VALID)).map(list), min_size=1,
                      max_size=40)


@settings(max_examples=200, deadline=None)
@given(cells=valid_rows)
def test_whole_columns_agree_with_the_full_check(cells: list[list[Cell]]) -> None:
    def checker() -> RowChecker:
        return RowChecker(HEADERS, PLAN, date_parser("auto"), Limits(), "ab" * 32, NOW, NOW)

    batch = [(n + 2, row) for n, row in enumerate(cells)]
    plan = fast_plan(checker())
    assert plan is not None
    whole = check_columns(plan, batch)
    assert whole is not None  # the batch was checked column by column
    assert (whole.rows, whole.contacts, whole.rejections, whole.rejected_rows) == \
        _reference(checker(), batch)


def test_cancel_while_a_child_checks_stores_nothing(api: Api, database: str,
                                                    tmp_path: Path) -> None:
    define_purchase(api)
    rows = [["Email", "Amount"]] + [[f"u{i}@example.com", str(i)] for i in range(200)]
    path = write_csv(tmp_path / "many.csv", rows)
    cancel = threading.Event()

    async def run(store: Store) -> None:
        request = ImportRequest(path, api.portal_id, "purchase", batch_rows=10,
                                child_process_bytes=0)
        await run_import(store, Settings(database=database), request,
                         tmp_path / "report.csv", lambda done, total: cancel.set(), cancel)

    with pytest.raises(ImportCancelled):
        in_store(database, run)
    assert count_rows(database, "completions") == 0
    assert count_rows(database, "objects") == 0
    [(state, _body)] = job_states(database)
    assert state == "cancelled"


def test_too_many_rows_are_refused_before_anything_is_written(api: Api, database: str,
                                                            tmp_path: Path) -> None:
    """The child checks while the rows are counted; the count still comes first."""
    define_purchase(api)
    path = write_csv(tmp_path / "long.csv", [["Email"]] + [[f"u{i}@example.com"] for i in range(50)])

    async def run(store: Store) -> None:
        request = ImportRequest(path, api.portal_id, "purchase", batch_rows=5,
                                child_process_bytes=0)
        await run_import(store, Settings(database=database, limits=Limits(import_rows=20)),
                         request, tmp_path / "report.csv")

    with pytest.raises(BadFile, match="has 50 data rows; at most 20"):
        in_store(database, run)
    assert count_rows(database, "import_jobs") == 0
    assert count_rows(database, "completions") == 0


def test_a_uuid_repeated_in_a_later_batch_is_rejected_by_the_child_too(api: Api, database: str,
                                                                      tmp_path: Path) -> None:
    """Repeats are found across batches, in the checker process as here, dry run or not."""
    define_purchase(api)
    ids = [f"00000000-0000-4000-8000-{i:012d}" for i in range(8)]
    rows = [["Event ID", "Email", "Amount"]]
    rows += [[ids[i % 8], f"u{i}@example.com", str(i)] for i in range(20)]  # rows 2..21
    path = write_csv(tmp_path / "ids.csv", rows)
    here = _import(database, api.portal_id, path, tmp_path / "here.csv", child=False, dry_run=True)
    child = _import(database, api.portal_id, path, tmp_path / "child.csv", child=True, dry_run=True)
    done = _import(database, api.portal_id, path, tmp_path / "done.csv", child=True)
    for summary in (here, child, done):
        assert (summary["validRows"], summary["rejectedRows"]) == (8, 12), summary
    lines = report_lines(tmp_path / "here.csv")
    assert lines == report_lines(tmp_path / "child.csv") == report_lines(tmp_path / "done.csv")
    assert [(r["row"], r["reason"].split(":")[0]) for r in lines] == [
        (str(n), f"the same uuid as row {(n - 2) % 8 + 2}") for n in range(10, 22)]
    assert count_rows(database, "completions") == 8
