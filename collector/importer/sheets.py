"""Spreadsheet reading: ``.xlsx`` with python-calamine, ``.xls`` with xlrd (first sheet).

calamine returns numbers as floats and date cells as ``datetime``; it returns error cells
(``#DIV/0!``) as empty strings, and formulas without a saved value as empty strings or not at
all, so their positions are read from the sheet XML first (``xlsx_scan``) and the rows carry
``CellError`` / ``UnsavedFormula`` there instead of a silent blank.
Merged cells keep their value in the top-left cell only, as in the file.

xlrd reads an .xls formula's saved result only and cannot tell a missing one (xlwt writes
formulas with an empty text as their result) from a formula that gives ``""``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from collector.importer.table import (
    BadFile,
    Cell,
    CellError,
    Counted,
    CountedLater,
    RowStream,
    Table,
    check_row_count,
    clean_headers,
    file_hash,
    is_blank,
)
from collector.importer.xlsxerrors import MAX_COLUMNS, xlsx_dimension, xlsx_first_sheet, xlsx_scan
from collector.importer.xlsxstream import xlsx_rows

# Above this many cells (rows x columns, from the sheet's <dimension>), calamine's
# whole-sheet load would pass the memory budget: stream the sheet instead (xlsxstream).
CALAMINE_CELL_BUDGET = 2_000_000


def xlsx_table(path: Path, max_rows: int, cell_budget: int = CALAMINE_CELL_BUDGET) -> Table:
    rows, cols = xlsx_dimension(path)
    if rows - 1 > max_rows:
        check_row_count(rows - 1, max_rows)
    if rows * cols > cell_budget:
        return _streamed_xlsx(path, max_rows)
    # calamine sizes its grid by the cells the sheet really holds, whatever it declares
    # (one cell at XFD1048576 asked it for 550 GB): check before handing it over.
    scan = xlsx_scan(path)
    if scan.cols > MAX_COLUMNS:
        raise BadFile(f"{path.name}: a cell lies past Excel's last column (XFD): the file is"
                      " damaged")
    if max(rows, scan.rows) * max(cols, scan.cols) > cell_budget:
        return _streamed_xlsx(path, max_rows, scan.rows)
    return _calamine_xlsx(path, max_rows, scan.errors)


def _with_errors(stream: Iterator[tuple[int, list[Cell]]], errors: dict[tuple[int, int], CellError],
                 start: tuple[int, int]) -> RowStream:
    """calamine's data rows with the scanned cells in place. A formula without a saved value
    may lie past calamine's last row or column (it leaves out what holds no value): such a
    row comes after the others, and a row is widened to such a cell."""
    first_row, first_col = start[0] + 2, start[1]  # start: the header's cell A1, 0-based
    by_row: dict[int, list[tuple[int, CellError]]] = {}
    for (row, col), cell in errors.items():
        if row >= first_row and col >= first_col:
            by_row.setdefault(row, []).append((col - first_col, cell))
    number = first_row - 1
    for number, cells in stream:
        yield number, _placed(cells, by_row.pop(number, ()))
    for row in sorted(r for r in by_row if r > number):
        yield row, _placed([], by_row[row])


def _placed(cells: list[Cell], scanned: Iterable[tuple[int, CellError]]) -> list[Cell]:
    for col, cell in scanned:
        if col >= len(cells):
            cells += [None] * (col + 1 - len(cells))
        cells[col] = cell
    return cells


def _calamine_sheet(path: Path) -> Any:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except (CalamineError, OSError, ValueError) as exc:
        raise BadFile(f"Cannot read {path.name} as an .xlsx workbook: {exc}") from None
    except BaseException as exc:  # a Rust panic (pyo3's PanicException is no Exception)
        if type(exc).__name__ != "PanicException":
            raise
        raise BadFile(f"Cannot read {path.name} as an .xlsx workbook: {exc}") from None


class _CalamineRows:
    """``open_rows`` of a sheet calamine has loaded; pickled for the checker process, it
    leaves the loaded sheet behind and loads it again there."""

    def __init__(self, path: Path, sheet: Any, errors: dict[tuple[int, int], CellError]) -> None:
        self.path, self.sheet, self.errors = path, sheet, errors
        self.start: tuple[int, int] = sheet.start or (0, 0)

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "sheet": None, "errors": self.errors, "start": self.start}

    def __call__(self) -> RowStream:
        return _with_errors(self._raw(), self.errors, self.start)

    def _raw(self) -> Iterator[tuple[int, list[Cell]]]:
        sheet = self.sheet if self.sheet is not None else _calamine_sheet(self.path)
        it = sheet.iter_rows()
        next(it, None)
        for i, cells in enumerate(it, start=self.start[0] + 2):
            yield i, list(cells)


def _calamine_xlsx(path: Path, max_rows: int, errors: dict[tuple[int, int], CellError]) -> Table:
    sheet = _calamine_sheet(path)
    rows = _CalamineRows(path, sheet, errors)
    header = clean_headers(list(next(sheet.iter_rows(), [])))
    count = sum(1 for _, cells in rows() if not is_blank(cells))
    check_row_count(count, max_rows)
    return Table("xlsx", header, file_hash(path), rows, Counted(count))


def _streamed_data_rows(path: Path, sheet: str, max_rows: int | None) -> RowStream:
    """The data rows; past ``max_rows`` rows with cells, if given, refused: where the
    declared size stands in for a count, as a crafted file may understate it."""
    rows = xlsx_rows(path, sheet)
    next(rows, None)  # the header
    if max_rows is None:
        yield from rows
        return
    for taken, row in enumerate(rows, 1):
        if taken > max_rows:
            raise BadFile(f"The file has more than {max_rows:,} data rows; at most"
                          f" {max_rows:,} can be imported at once: split it into several files")
        yield row


def _streamed_xlsx(path: Path, max_rows: int, scanned_rows: int = 0) -> Table:
    """``scanned_rows``: the last row the sheet's cells reach, when ``xlsx_scan`` ran."""
    sheet = xlsx_first_sheet(path)
    if sheet is None:
        raise BadFile(f"Cannot read {path.name} as an .xlsx workbook: it has no worksheet")
    first = next(xlsx_rows(path, sheet), (1, []))
    header = clean_headers(list(first[1]))
    declared = xlsx_dimension(path)[0]
    # No <dimension> (some writers leave it out), or one short of the cells (streaming
    # writers may write "A1"): counted by a pass.
    if declared < max(scanned_rows, 1):
        rows = functools.partial(_streamed_data_rows, path, sheet, None)
        return Table("xlsx", header, file_hash(path), rows, CountedLater(rows, max_rows))
    # Counting would mean a second pass: the declared dimension stands in for it.
    count = declared - first[0]
    check_row_count(count, max_rows)
    rows = functools.partial(_streamed_data_rows, path, sheet, max_rows)
    return Table("xlsx", header, file_hash(path), rows, Counted(count))


def _xls_sheet(path: Path) -> tuple[Any, Any]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path))
    except Exception as exc:  # xlrd reads a damaged file's bytes at face value and fails
        # in any way (IndexError, struct.error, KeyError…) besides its own XLRDError.
        reason = str(exc) if isinstance(exc, xlrd.XLRDError | OSError) else "it is damaged"
        raise BadFile(f"Cannot read {path.name} as an .xls workbook: {reason}") from None
    return book, book.sheet_by_index(0)


class _XlsRows:
    """``open_rows`` of a loaded .xls sheet (pickled: loaded again in the checker process)."""

    def __init__(self, path: Path, loaded: tuple[Any, Any] | None) -> None:
        self.path, self.loaded = path, loaded

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "loaded": None}

    def __call__(self) -> Iterator[tuple[int, list[Cell]]]:
        book, sheet = self.loaded or _xls_sheet(self.path)
        for r in range(1, sheet.nrows):
            yield r + 1, _xls_row(book, sheet, r)


def xls_table(path: Path, max_rows: int) -> Table:
    book, sheet = _xls_sheet(path)
    if sheet.nrows == 0:
        raise BadFile("The file is empty: it needs a header row and data rows")
    header = clean_headers(_xls_row(book, sheet, 0))
    count = sum(1 for r in range(1, sheet.nrows) if not is_blank(_xls_row(book, sheet, r)))
    check_row_count(count, max_rows)
    return Table("xls", header, file_hash(path), _XlsRows(path, (book, sheet)), Counted(count))


def _xls_row(book: Any, sheet: Any, r: int) -> list[Cell]:
    import xlrd

    cells: list[Cell] = []
    for cell in sheet.row(r):
        if cell.ctype == xlrd.XL_CELL_DATE:
            cells.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
        elif cell.ctype == xlrd.XL_CELL_ERROR:
            cells.append(CellError(xlrd.error_text_from_code.get(cell.value, "#ERROR")))
        elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
            cells.append(bool(cell.value))
        elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            cells.append(None)
        else:
            cells.append(cell.value)
    return cells
