"""Spreadsheet imports: .xlsx (python-calamine) and .xls (xlrd), native date cells, odd cells."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from collector.importer.table import BadFile
from tests.conftest import Api, count_rows
from tests.importkit import define_purchase, report_lines, run_import, write_xls, write_xlsx

Writer = Callable[[Path, list[list[Any]]], Path]
WRITERS = [pytest.param(write_xlsx, ".xlsx", id="xlsx"), pytest.param(write_xls, ".xls", id="xls")]


@pytest.mark.parametrize(("writer", "suffix"), WRITERS)
def test_sheet_imports_with_native_dates(api: Api, database: str, tmp_path: Path,
                                         writer: Writer, suffix: str) -> None:
    define_purchase(api)
    path = writer(tmp_path / f"sales{suffix}", [
        ["E-mail", "Occurred at", "Amount", "Paid", "Renews", "Plan"],
        ["ann@example.com", datetime(2024, 3, 4, 5, 6), 3, True, datetime(2025, 1, 1), "gold"],
        ["bob@example.com", datetime(2024, 3, 5, 0, 0), 2.5, False, None, None],
    ])
    result = run_import(database, api.portal_id, path, "--event", "purchase")
    assert result.exit_code == 0, result.output
    events = {e["occurredAt"]: e["properties"] for e in api.events()["results"]}
    assert events == {
        "2024-03-04T05:06:00.000Z": {"amount": "3", "paid": "true", "renews": "2025-01-01",
                                     "plan": "gold"},
        "2024-03-05T00:00:00.000Z": {"amount": "2.5", "paid": "false"},
    }


@pytest.mark.parametrize(("writer", "suffix"), WRITERS)
def test_sheet_rerun_adds_nothing(api: Api, database: str, tmp_path: Path, writer: Writer,
                                  suffix: str) -> None:
    define_purchase(api)
    path = writer(tmp_path / f"sales{suffix}", [["Email", "Amount"], ["a@example.com", 1],
                                                ["b@example.com", 2]])
    for _ in range(2):
        assert run_import(database, api.portal_id, path, "--event", "purchase").exit_code == 0
    assert count_rows(database, "completions") == 2


def test_xlsx_error_and_merged_cells_and_formulas(api: Api, database: str, tmp_path: Path) -> None:
    import xlsxwriter

    define_purchase(api)
    path = tmp_path / "odd.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Email", "Amount", "Note"])
    sheet.write_row(1, 0, ["a@example.com"])
    sheet.write_formula(1, 1, "=1/0", None, "#DIV/0!")
    sheet.merge_range(2, 0, 3, 0, "m@example.com")  # rows 3-4 share one email cell
    sheet.write_row(2, 1, [1, "=not a formula"])
    sheet.write_string(2, 2, "=HYPERLINK(\"http://x\")")
    sheet.write_row(3, 1, [2])
    sheet.write_formula(4, 0, '="f@example.com"', None, "f@example.com")
    sheet.write_formula(4, 1, "=2+3", None, 5)
    book.close()
    result = run_import(database, api.portal_id, path, "--event", "purchase",
                        "--errors", str(tmp_path / "report.csv"))
    assert result.exit_code == 0, result.output
    report = {(r["row"], r["column"]): (r["value"], r["reason"])
              for r in report_lines(tmp_path / "report.csv")}
    assert report[("2", "Amount")] == ("#DIV/0!", "the cell holds the error #DIV/0!")
    assert report[("4", "Email")][1].startswith("missing identifier")
    stored = sorted((e["properties"].get("note", ""), e["properties"].get("amount"))
                    for e in api.events()["results"])
    assert stored == [("", "5"), ("=HYPERLINK(\"http://x\")", "1")]


def test_not_a_workbook_is_a_clear_error(api: Api, database: str, tmp_path: Path) -> None:
    define_purchase(api)
    for suffix in (".xlsx", ".xls"):
        path = tmp_path / f"fake{suffix}"
        path.write_text("Email,Amount\na@example.com,1\n")
        result = run_import(database, api.portal_id, path, "--event", "purchase")
        assert result.exit_code == 1
        assert f"as an {suffix} workbook" in result.output
        assert not isinstance(result.exception, Exception) or isinstance(result.exception,
                                                                         SystemExit)
    assert count_rows(database, "objects") == 0


def test_large_sheets_stream_with_the_same_cells(tmp_path: Path) -> None:
    import xlsxwriter

    from collector.importer.sheets import xlsx_table
    from collector.importer.table import CellError, Table

    path = tmp_path / "s.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Email", "When", "Amount"])
    sheet.write_row(1, 0, ["a@example.com"])
    sheet.write_datetime(1, 1, datetime(2024, 3, 4, 5, 6), book.add_format({"num_format": "yyyy-mm-dd"}))
    sheet.write_formula(1, 2, "=1/0", None, "#DIV/0!")
    sheet.write_row(3, 0, ["b@example.com", None, 2.5])
    book.close()
    calamine = xlsx_table(path, 10)
    streamed = xlsx_table(path, 10, cell_budget=1)
    assert streamed.headers == calamine.headers == ["Email", "When", "Amount"]
    def filled(table: Table) -> dict[int, list[object]]:
        found = {n: [c for c in cells if c not in (None, "")] for n, cells in table.open_rows()}
        return {n: cells for n, cells in found.items() if cells}  # blank rows are skipped

    rows = filled(streamed)
    assert rows[2] == ["a@example.com", datetime(2024, 3, 4, 5, 6), CellError("#DIV/0!")]
    assert rows[4] == ["b@example.com", 2.5]
    assert filled(calamine) == rows
    assert streamed.row_count == 3  # the declared size, blank rows included
    with pytest.raises(BadFile, match="has 3 data rows; at most 2"):
        xlsx_table(path, 2, cell_budget=1)
