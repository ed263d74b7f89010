"""Open an uploaded file as a ``Table`` by its extension (.csv, .xlsx, .xls)."""

from __future__ import annotations

from pathlib import Path

from collector.importer.csvfile import csv_table
from collector.importer.sheets import xls_table, xlsx_table
from collector.importer.table import BadFile, Table

FILE_TYPES = (".csv", ".xlsx", ".xls")
REPORT_NAME = "errors.csv"  # an import job's error report, in the folder of its file


def stored_name(name: str) -> str:
    """The file name an upload is kept under on the server: the uploader's own, so that a
    reader's message ("Cannot read Q3 sales.xlsx …") names the file they chose, or
    ``upload.<ext>`` when that name cannot be a file name here."""
    fallback = "upload" + Path(name).suffix.lower()
    if (Path(name).name != name or name in (".", "..") or "\x00" in name
            or name.lower() == REPORT_NAME):  # the job's error report is kept beside it
        return fallback
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate
        return fallback
    return name if size <= 200 else fallback


def open_table(path: Path, max_rows: int, name: str | None = None, *,
               count: bool = True) -> Table:
    """Read the header and count the rows up front (where that takes a pass over the file,
    a CSV's or a large sheet's without a declared size, ``count=False`` leaves it to the
    first ``count_rows()``); ``name`` is the upload's own name."""
    suffix = Path(name or path.name).suffix.lower()
    if suffix not in FILE_TYPES:
        raise BadFile(f"{name or path.name}: unsupported file type; import a .csv, .xlsx or"
                      " .xls file")
    if not path.is_file():
        raise BadFile(f"{path} does not exist or is not a file")
    if path.stat().st_size == 0:
        raise BadFile("The file is empty: it needs a header row and data rows")
    if suffix == ".csv":
        return csv_table(path, max_rows, count=count)
    table = xlsx_table(path, max_rows) if suffix == ".xlsx" else xls_table(path, max_rows)
    if count:
        table.count_rows()
    return table
