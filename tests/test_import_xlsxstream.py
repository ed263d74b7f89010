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
from collector.importer.table import BadFile, Cell, CellError, Table
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


# Formulas openpyxl writes without a value, by cell; F2 is past the last header, and row 5
# holds nothing else (calamine leaves such a row and column out of its grid).
UNSAVED = {"C2": "=2+3", "F2": "=1", "A3": '="b"&"@example.com"', "D3": "=A2",
           "B4": "=TODAY()", "D5": "=1+1"}


def _unsaved_book(path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["a@example.com", datetime(2024, 1, 2, 3, 4), None, "plain", None])
    sheet.append([None, datetime(2024, 1, 3), 4, None, True])
    sheet.append(["c@example.com", None, 5, None, None])
    for ref, formula in UNSAVED.items():
        sheet[ref] = formula
    book.save(str(path))
    return path


def _sheet_xml_changed(path: Path, change: Callable[[bytes], bytes], name: str) -> Path:
    out = path.with_name(name)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = change(data)
            target.writestr(item, data)
    return out


UNSAVED_FORMS: list[Callable[[Path], Path]] = [
    lambda path: path,  # <f>2+3</f><v />, as openpyxl writes it
    lambda path: _sheet_xml_changed(path, lambda xml: xml.replace(b"<v />", b""), "no-v.xlsx"),
    lambda path: _sheet_xml_changed(path, lambda xml: xml.replace(b"<v />", b"<v></v>"),
                                    "empty-v.xlsx"),
    _prefixed,
]


def _unreadable(table: Table) -> dict[str, CellError]:
    return {f"{'ABCDEF'[i]}{n}": cell for n, cells in table.open_rows()
            for i, cell in enumerate(cells) if isinstance(cell, CellError)}


@pytest.mark.parametrize("form", UNSAVED_FORMS, ids=["openpyxl", "no-value", "empty-value",
                                                     "prefixed"])
@pytest.mark.parametrize("budget", [2_000_000, 1], ids=["calamine", "streamed"])
def test_a_formula_without_a_saved_value_is_an_unreadable_cell(tmp_path: Path, budget: int,
                                                               form: Callable[[Path], Path]) -> None:
    """Both readers gave such a cell as empty (calamine left row 5 out entirely): the
    owner never learnt that the file lacked the values the formulas would give."""
    table = xlsx_table(form(_unsaved_book(tmp_path / "formulas.xlsx")), 100, cell_budget=budget)
    unreadable = _unreadable(table)
    assert {ref: str(cell) for ref, cell in unreadable.items()} == UNSAVED
    for ref, cell in unreadable.items():
        assert cell.reason == (f"cell {ref} holds a formula whose value the file does not store"
                               " (the program that wrote it does not calculate formulas): open"
                               " the file in a spreadsheet program and save it, so that the"
                               " formula's value is stored")
    rows = dict(table.open_rows())
    assert rows[2][:2] == ["a@example.com", datetime(2024, 1, 2, 3, 4)]
    assert rows[3][2] == 4
    assert table.row_count == 4


def _xlsxwriter_formulas(path: Path) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    sheet.write_formula("A2", '="a"&"@example.com"')  # no value given: xlsxwriter saves 0
    sheet.write_formula("C2", "=2+3", None, 5)  # the value its writer worked out
    sheet.write_formula("D2", '="t"&"x"', None, "tx")
    sheet.write_formula("C3", "=2-2", None, 0)  # a 0 given: the file cannot tell it apart
    sheet.write("A3", "b@example.com")
    book.close()
    return path


@pytest.mark.parametrize("budget", [2_000_000, 1], ids=["calamine", "streamed"])
def test_xlsxwriters_stand_in_zero_is_no_value(tmp_path: Path, budget: int) -> None:
    """xlsxwriter saves 0 for a formula it was given no value for, and marks the workbook
    for a full recalculation on opening, a mark a spreadsheet program clears once it has
    calculated: in such a workbook a formula's saved 0 is no value. Once saved by a program
    that calculates, it is a 0 like any other."""
    path = _xlsxwriter_formulas(tmp_path / "xlsxwriter.xlsx")
    table = xlsx_table(path, 100, cell_budget=budget)
    assert {ref: str(cell) for ref, cell in _unreadable(table).items()} == {
        "A2": '="a"&"@example.com"', "C3": "=2-2"}
    rows = dict(table.open_rows())
    assert rows[2][2:4] == [5, "tx"]
    calculated = tmp_path / "calculated.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(calculated, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b' fullCalcOnLoad="1"', b"")
            target.writestr(item, data)
    rows = dict(xlsx_table(calculated, 100, cell_budget=budget).open_rows())
    assert rows[2][0] == 0
    assert (rows[3][0], rows[3][2]) == ("b@example.com", 0)
