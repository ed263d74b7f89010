"""The streaming .xlsx reader gives exactly the cells python-calamine gives, whatever wrote
the file and however its XML falls into chunks."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

import pytest

from collector.importer.sheets import xlsx_table
from collector.importer.table import BadFile, Cell, Table
from collector.importer.xlsxerrors import xlsx_first_sheet
from collector.importer.xlsxstream import xlsx_rows

HEADER = ["Email", "When", "Amount", "Note", "Flag"]


def _xlsxwriter_book(path: Path, constant_memory: bool) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    sheet = book.add_worksheet()
    fmt = {name: book.add_format({"num_format": code}) for name, code in (
        ("day", "yyyy-mm-dd"), ("moment", "dd/mm/yy hh:mm:ss"), ("clock", "hh:mm"),
        ("hours", "[h]:mm"), ("money", "#,##0.00"))}
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, ["a&b@example.com", None, 1, "x < y & \"z\" 'q'", True])
    sheet.write_datetime(2, 1, datetime(2024, 3, 4, 5, 6, 7), fmt["moment"])
    sheet.write(2, 0, "  spaced  ")
    sheet.write(2, 2, -2.5e-3, fmt["money"])
    sheet.write(2, 4, False)
    sheet.write_datetime(3, 1, datetime(2024, 3, 4), fmt["day"])
    sheet.write(3, 3, "Ünïcödé ✓ 😀")
    sheet.write(3, 2, 1e20)
    sheet.write_datetime(4, 1, datetime(1899, 12, 31, 6, 30), fmt["clock"])
    sheet.write_formula(4, 2, "=1/0", None, "#DIV/0!")
    sheet.write_formula(4, 3, '="t"&"x"', None, "tx")
    sheet.write(5, 1, 1.25, fmt["hours"])
    sheet.write_formula(5, 2, "=2+3", None, 5)
    sheet.write_rich_string(5, 3, "plain ", bold, "bold", " end")
    sheet.write(8, 4, "only the last column")  # after two blank rows
    sheet.write(9, 0, "gap@example.com")
    sheet.write(9, 3, "after a gap")
    sheet.write_string(10, 0, "=not a formula")
    sheet.write_number(10, 1, 45000.5, fmt["moment"])
    sheet.write(10, 2, 123456789012)
    sheet.write(10, 3, "line\nbreak\ttab")
    sheet.merge_range(11, 0, 12, 0, "merged@example.com")
    sheet.write(11, 2, 7)
    sheet.write(12, 2, 8)
    book.close()
    return path


def _openpyxl_book(path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["o@example.com", datetime(2023, 1, 2, 3, 4, 5), 12, "amp & lt < gt >", True])
    sheet.append([None, date(2020, 2, 29), 1.5, None, False])
    sheet.append(["x@example.com", None, None, "  edge ", None])
    sheet["G4"] = "far right"
    sheet.append(["=1+1", time(13, 45), -3, "tab\there", "TRUE"])
    book.save(str(path))
    return path


def _prefixed(path: Path) -> Path:
    """The same workbook with its sheet XML written with a namespace prefix (x:row, x:c)."""
    out = path.with_name("prefixed-" + path.name)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                text = data.decode()
                text = re.sub(r"<(/?)(?!\?)([A-Za-z]+)([\s/>])", r"<\1x:\2\3", text)
                text = text.replace("<x:worksheet xmlns=", "<x:worksheet xmlns:x=")
                data = text.encode()
            target.writestr(item, data)
    return out


BOOKS: list[Callable[[Path], Path]] = [
    lambda folder: _xlsxwriter_book(folder / "shared.xlsx", False),
    lambda folder: _xlsxwriter_book(folder / "inline.xlsx", True),
    lambda folder: _openpyxl_book(folder / "openpyxl.xlsx"),
    lambda folder: _prefixed(_xlsxwriter_book(folder / "shared.xlsx", False)),
]


def _filled(table: Table) -> dict[int, list[Cell]]:
    rows: dict[int, list[Cell]] = {}
    for number, cells in table.open_rows():
        values = [None if c == "" else c for c in cells]
        while values and values[-1] is None:
            values.pop()
        if values:
            rows[number] = values
    return rows


@pytest.mark.parametrize("make", BOOKS, ids=["shared-strings", "inline-strings", "openpyxl",
                                             "prefixed"])
def test_streamed_cells_equal_calamine(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    path = make(tmp_path)
    calamine = xlsx_table(path, 100)
    streamed = xlsx_table(path, 100, cell_budget=1)
    assert streamed.headers == calamine.headers == HEADER
    assert _filled(streamed) == _filled(calamine)
    assert len(_filled(streamed)) >= 4


@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_rows_split_across_chunks_read_the_same(tmp_path: Path, chunk: int) -> None:
    path = _xlsxwriter_book(tmp_path / "inline.xlsx", True)
    sheet = xlsx_first_sheet(path)
    assert sheet is not None
    assert list(xlsx_rows(path, sheet, chunk)) == list(xlsx_rows(path, sheet))


def test_a_broken_sheet_is_a_bad_file(tmp_path: Path) -> None:
    path = _xlsxwriter_book(tmp_path / "inline.xlsx", True)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b"<is><t>", b"<is><t><", 1)  # malformed XML in a cell
            target.writestr(item, data)
    with pytest.raises(BadFile, match=r"as an \.xlsx workbook"):
        list(xlsx_rows(broken, "xl/worksheets/sheet1.xml"))
