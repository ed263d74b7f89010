"""What every reader produces: a header row and a re-iterable stream of data rows.

Row numbers are the ones the owner sees in the spreadsheet: the header is row 1, the first
data row is row 2. Readers raise ``BadFile`` with a sentence that says what to fix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collector.errors import ClientError


class BadFile(ClientError):
    """The file cannot be imported as a whole (unreadable, malformed, too many rows, …)."""


@dataclass(frozen=True, slots=True)
class CellError:
    """A spreadsheet error cell such as ``#DIV/0!``: no value to import."""

    code: str

    def __str__(self) -> str:
        return self.code

    @property
    def reason(self) -> str:
        return f"the cell holds the error {self.code}"


@dataclass(frozen=True, slots=True)
class UnsavedFormula(CellError):
    """A formula cell the file stores no value for (written by a program that does not
    calculate formulas): no value to import either. ``code`` is the formula."""

    cell: str  # its reference, such as B7

    @property
    def reason(self) -> str:
        return (f"cell {self.cell} holds a formula whose value the file does not store (the"
                " program that wrote it does not calculate formulas): open the file in a"
                " spreadsheet program and save it, so that the formula's value is stored")


Cell = object  # str, int, float, bool, datetime, date, CellError (UnsavedFormula), or None (empty)
RowStream = Iterator[tuple[int, list[Cell]]]


@dataclass(frozen=True, slots=True)
class Table:
    kind: str
    headers: list[str]
    content_hash: str
    open_rows: Callable[[], RowStream]  # each call streams (row number, cells) afresh
    # The data rows that are not blank: known on opening, or counted (a pass over the file)
    # on first call; raises BadFile past the row limit.
    count_rows: Callable[[], int]

    @property
    def row_count(self) -> int:
        return self.count_rows()


@dataclass(frozen=True, slots=True)
class Counted:
    """A row count known when the file was opened."""

    count: int

    def __call__(self) -> int:
        return self.count


class CountedLater:
    """The data rows that are not blank, counted on first call by a pass over the file;
    past ``max_rows`` it raises ``BadFile``. ``blank``: a reader's own, faster test for
    the cells it makes (a CSV's are all text)."""

    def __init__(self, open_rows: Callable[[], RowStream], max_rows: int,
                 blank: Callable[[Any], bool] | None = None) -> None:
        self.open_rows, self.max_rows = open_rows, max_rows
        self.blank = blank or is_blank
        self.found: int | None = None

    def __call__(self) -> int:
        if self.found is None:
            blank = self.blank
            count = sum(1 for _number, cells in self.open_rows() if not blank(cells))
            check_row_count(count, self.max_rows)
            self.found = count
        return self.found


def file_hash(path: Path) -> str:
    """SHA-256 of the file's bytes, read in chunks (the idempotency key of its rows)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def clean_headers(raw: list[Cell]) -> list[str]:
    """Header texts; empty ones become ``column N``; duplicates (ignoring case) are refused."""
    headers = [str(h).strip() if h not in (None, "") else f"column {i + 1}"
               for i, h in enumerate(raw)]
    while headers and headers[-1] == f"column {len(headers)}":
        headers.pop()  # trailing empty header cells are just the sheet's width
    seen: dict[str, int] = {}
    for i, name in enumerate(headers):
        key = name.lower()
        if key in seen:
            raise BadFile(f"Column {i + 1} header {name!r} duplicates column {seen[key] + 1}:"
                          " give every column a distinct header")
        seen[key] = i
    if not headers:
        raise BadFile("The file has no header row: the first row must name the columns")
    return headers


def check_row_count(count: int, limit: int) -> None:
    if count == 0:
        raise BadFile("The file has a header row but no data rows")
    if count > limit:
        raise BadFile(f"The file has {count:,} data rows; at most {limit:,} can be imported at"
                      " once: split it into several files")


def is_blank(cells: Sequence[Cell]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)
