"""The downloadable error report: one CSV line per rejected value (row, column, value, reason)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from itertools import islice
from pathlib import Path
from types import TracebackType

from collector.importer.rows import Rejection

REPORT_HEADER = ("row", "column", "value", "reason")
_SAFE_CELLS = ("column", "value")  # the cells written through safe_cell
# Formula starts, and the apostrophe itself: a spreadsheet hides one leading apostrophe, so
# text that has one keeps it only when written with another.
_PREFIXED = ("=", "+", "-", "@", "\t", "\r", "'")


def safe_cell(text: str) -> str:
    """Neutralise formula-looking text so opening the report in a spreadsheet runs nothing;
    a NUL (refused in any value, and cut off or choked on by spreadsheets) is shown as ␀."""
    if "\x00" in text:
        text = text.replace("\x00", "\u2400")
    return "'" + text if text.startswith(_PREFIXED) else text


def readable_cell(text: str) -> str:
    """The text ``safe_cell`` was given (for showing a report's lines on a page)."""
    return text[1:] if text.startswith("'") else text


class ErrorReport:
    """Streams rejections to a CSV file (UTF-8 with BOM, which spreadsheets open correctly)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._file = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(REPORT_HEADER)

    def add(self, rejections: Iterable[Rejection]) -> None:
        for r in rejections:
            self._writer.writerow((r.row, safe_cell(r.column), safe_cell(r.value), r.reason))
            self.count += 1

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ErrorReport:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def first_lines(path: Path, limit: int) -> list[dict[str, str]]:
    """The report's first ``limit`` lines as ``{row, column, value, reason}``, as sent (no
    spreadsheet prefix; each value cut at 200 characters), for showing beside the download."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{key: (readable_cell(line[key]) if key in _SAFE_CELLS else line[key])[:200]
                 for key in REPORT_HEADER} for line in islice(csv.DictReader(handle), limit)]
