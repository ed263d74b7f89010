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


def _rewritten(source: Path, target: Path, change: Callable[[bytes], bytes]) -> Path:
    """``source`` with its first sheet's XML changed (what a crafted file looks like)."""
    import zipfile

    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, change(data) if item.filename.endswith("sheet1.xml") else data)
    return target


def _cell_b3_moved_to(ref: bytes) -> Callable[[bytes], bytes]:
    """A change for ``_rewritten``: the sheet's cell B3 said to be at ``ref``."""
    return lambda xml: xml.replace(b'r="B3"', b'r="' + ref + b'"', 1)


def test_a_streamed_sheet_without_a_declared_size_is_counted(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            ) -> None:
    """A sheet without <dimension> (some writers leave it out) that had to be streamed was
    counted as -1 rows: progress showed a negative total and the row limit never applied."""
    import functools
    import re

    from collector.importer import source
    from collector.importer.sheets import xlsx_table

    good = write_xlsx(tmp_path / "good.xlsx", [["Email", "Amount"], ["a@example.com", 1],
                                               [None, None], ["b@example.com", 2],
                                               ["c@example.com", 3]])
    bare = _rewritten(good, tmp_path / "bare.xlsx",
                      lambda xml: re.sub(rb"<dimension [^>]*/>", b"", xml))
    assert xlsx_table(bare, 10).row_count == 3  # calamine's whole-sheet read
    streamed = xlsx_table(bare, 10, cell_budget=1)
    assert streamed.row_count == 3
    assert [n for n, _ in streamed.open_rows()] == [2, 4, 5]
    with pytest.raises(BadFile, match="has 3 data rows; at most 2"):
        xlsx_table(bare, 2, cell_budget=1).count_rows()
    monkeypatch.setattr(source, "xlsx_table", functools.partial(xlsx_table, cell_budget=1))
    with pytest.raises(BadFile, match="has 3 data rows; at most 2"):
        source.open_table(bare, 2)  # an upload is counted up front
    assert source.open_table(bare, 10, count=False).count_rows() == 3


@pytest.mark.parametrize("declared", [b'<dimension ref="A1"/>', b'<dimension ref="A1:B3"/>'])
def test_a_streamed_sheet_declaring_fewer_rows_than_it_holds_is_counted(tmp_path: Path,
                                                                       declared: bytes) -> None:
    """Review fix: a <dimension> short of the sheet's cells ("A1", as streaming writers may
    leave it) stood in for the count: a 5-row sheet was refused as having no data rows, or
    counted as 2 (the row limit never applied and progress passed its total)."""
    import re

    from collector.importer.sheets import xlsx_table

    good = write_xlsx(tmp_path / "good.xlsx", [["Email", "Amount"],
                                               *([f"u{i}@example.com", i] for i in range(5))])
    short = _rewritten(good, tmp_path / "short.xlsx",
                       lambda xml: re.sub(rb"<dimension [^>]*/>", declared, xml))
    # The declared size fits the budget, the scanned one (6 rows x 2 columns) does not.
    streamed = xlsx_table(short, 10, cell_budget=8)
    assert streamed.row_count == 5 == len(list(streamed.open_rows()))
    with pytest.raises(BadFile, match="has 5 data rows; at most 3"):
        xlsx_table(short, 3, cell_budget=8).count_rows()


def test_a_sheet_streamed_from_its_declared_size_stops_past_the_row_limit(
        tmp_path: Path) -> None:
    """A sheet whose declared size alone is over the budget is streamed without a scan and
    counted from that size: a crafted file declaring 3 rows and holding 6 passed a limit of 2
    (review finding). The rows past the limit stop the stream."""
    import re

    from collector.importer.sheets import xlsx_table

    good = write_xlsx(tmp_path / "good.xlsx", [["Email", "Amount"],
                                               *([f"u{i}@example.com", i] for i in range(6))])
    short = _rewritten(good, tmp_path / "short.xlsx",
                       lambda xml: re.sub(rb"<dimension [^>]*/>", b'<dimension ref="A1:B3"/>',
                                          xml))
    table = xlsx_table(short, 2, cell_budget=1)
    assert table.row_count == 2  # the declaration, as it says
    with pytest.raises(BadFile, match="more than 2 data rows; at most 2"):
        list(table.open_rows())
    assert len(list(xlsx_table(short, 6, cell_budget=1).open_rows())) == 6


def test_cells_past_the_declared_size_never_reach_calamine_whole(tmp_path: Path) -> None:
    """A cell at XFD1048576 behind a small <dimension> made calamine ask for 550 GB and the
    server process died; a column past XFD made it panic (a 500, an import left running)."""
    from collector.importer.sheets import xlsx_table

    good = write_xlsx(tmp_path / "good.xlsx", [["Email", "Amount"], ["a@example.com", 1],
                                               ["b@example.com", 2]])
    far = _rewritten(good, tmp_path / "far.xlsx",
                     lambda xml: xml.replace(b'r="B3"', b'r="XFD1048576"', 1))
    table = xlsx_table(far, 10)
    rows = dict(table.open_rows())
    assert rows[2][:2] == ["a@example.com", 1.0]
    assert rows[1048576][16383] == 2.0  # read where it is, by the streaming reader
    for ref in (b"ZZZZZZZ99999999999", b"XFE3"):
        broken = _rewritten(good, tmp_path / "broken.xlsx", _cell_b3_moved_to(ref))
        with pytest.raises(BadFile, match="past Excel's last column"):
            xlsx_table(broken, 10)
    # The streaming reader refuses such a column too, rather than pad a row up to it.
    with pytest.raises(BadFile, match="past Excel's last column"):
        list(xlsx_table(broken, 10, cell_budget=0).open_rows())


def test_the_error_cell_scan_is_linear_without_closing_tags(tmp_path: Path) -> None:
    """Self-closing cells (or a long run without any cell) were carried and copied chunk
    after chunk: 50 s for a 300 KB upload, the server's event loop blocked meanwhile."""
    from collector.importer.xlsxerrors import xlsx_scan

    good = write_xlsx(tmp_path / "good.xlsx", [["Email"], ["a@example.com"]])
    filler = b"<!--" + b"x" * (40 << 20) + b"-->"
    bomb = _rewritten(good, tmp_path / "bomb.xlsx",
                      lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + filler, 1)
                      .replace(b'r="A2"', b'r="A2" t="e"', 1))
    assert set(xlsx_scan(bomb).errors) == {(2, 0)}
    # Each byte is handed on once, and what waits for the next chunk stays small.
    from collector.importer import xlsxerrors

    xml = b"<sheetData>" + b"<c r='A1'/>" * 300_000 + filler + b'<c r="A2" t="e"><v>#N/A</v></c>'
    stream, parts = iter([xml[i:i + 4096] for i in range(0, len(xml), 4096)]), []
    xlsxerrors._scan(lambda size: next(stream, b""), 4096, lambda part: parts.append(len(part)))
    assert sum(parts) == len(xml)
    assert max(parts) < 3 * 4096


@pytest.mark.parametrize("reader", ["calamine", "streamed"])
def test_a_formula_without_a_saved_value_rejects_its_row(api: Api, database: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         reader: str) -> None:
    """openpyxl writes formulas without their values: such a cell read as empty, so an
    amount went missing without a word and an email or a date was said to be empty."""
    import functools

    import openpyxl

    from collector.importer import source
    from collector.importer.sheets import xlsx_table

    if reader == "streamed":
        monkeypatch.setattr(source, "xlsx_table", functools.partial(xlsx_table, cell_budget=1))
    define_purchase(api)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Email", "When", "Amount", "Scratch"])
    sheet.append(["a@example.com", datetime(2024, 1, 2), "=2+3", "=1+1"])
    sheet.append(['="b"&"@example.com"', datetime(2024, 1, 3), 4, None])
    sheet.append(["c@example.com", "=TODAY()", 5, None])
    sheet.append(["d@example.com", datetime(2024, 1, 5), 6, "=NOW()"])
    path = tmp_path / "formulas.xlsx"
    book.save(str(path))
    report = tmp_path / "report.csv"
    result = run_import(database, api.portal_id, path, "--event", "purchase",
                        "--map", "When=occurred_at", "--map", "Scratch=ignore",
                        "--errors", str(report))
    assert result.exit_code == 0, result.output
    assert "4 data rows: 1 valid, 3 rejected (3 problems)." in result.output

    def unsaved(cell: str) -> str:
        return (f"cell {cell} holds a formula whose value the file does not store (the program"
                " that wrote it does not calculate formulas): open the file in a spreadsheet"
                " program and save it, so that the formula's value is stored")

    assert [(r["row"], r["column"], r["value"], r["reason"]) for r in report_lines(report)] == [
        ("2", "Amount", "'=2+3", unsaved("C2")),
        ("3", "Email", "'=\"b\"&\"@example.com\"", unsaved("A3")),
        ("4", "When", "'=TODAY()", unsaved("B4"))]
    [event] = api.events()["results"]
    assert event["properties"] == {"amount": "6"}  # its ignored column's formula is no matter
