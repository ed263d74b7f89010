"""CSV reading: encoding and delimiter detection, strict quoting, any line endings, streamed."""

from __future__ import annotations

import codecs
import csv
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO, cast

from collector.importer.table import (
    BadFile,
    CountedLater,
    RowStream,
    Table,
    clean_headers,
    file_hash,
)

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
DELIMITERS = ",;\t|"
_CHUNK = 1 << 20


def detect_encoding(path: Path) -> str:
    """BOM first; then UTF-16 without BOM (NUL bytes); then UTF-8, cp1252, latin-1."""
    with path.open("rb") as f:
        head = f.read(4096)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4:
        return "utf-16-le"
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4:
        return "utf-16-be"
    for name in ("utf-8", "cp1252"):
        if _decodes(path, name):
            return name
    return "latin-1"


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff_delimiter(first_line: str) -> str:
    """The candidate delimiter seen most often in the header line, outside quotes."""
    outside = first_line.split('"')[::2]
    counts = {d: sum(part.count(d) for part in outside) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _open(path: Path, encoding: str) -> TextIO:
    return path.open("r", encoding=encoding, newline="")


def _records(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    with _open(path, encoding) as f:
        reader = csv.reader(f, delimiter=delimiter, strict=True)
        number = 0
        try:
            for number, record in enumerate(reader, start=1):
                yield number, record
        except csv.Error as exc:
            raise BadFile(f"Row {number + 1} is malformed CSV ({exc}); check for an unbalanced"
                          " double quote") from None


def _data_rows(path: Path, encoding: str, delimiter: str) -> RowStream:
    records = _records(path, encoding, delimiter)
    next(records, None)  # the header
    return cast(RowStream, records)  # rows of text cells


def _blank(record: list[str]) -> bool:
    return not "".join(record).strip()


def csv_table(path: Path, max_rows: int, *, count: bool = True) -> Table:
    """The table of a CSV file; ``count=False`` leaves counting its rows to the first
    ``count_rows()`` (so that an import can check rows meanwhile)."""
    encoding = detect_encoding(path)
    with _open(path, encoding) as f:
        first_line = f.readline()
    delimiter = sniff_delimiter(first_line)
    first = next(_records(path, encoding, delimiter), None)
    if first is None:
        raise BadFile("The file is empty: it needs a header row and data rows")
    rows = functools.partial(_data_rows, path, encoding, delimiter)
    table = Table("csv", clean_headers(list(first[1])), file_hash(path), rows,
                  CountedLater(rows, max_rows, _blank))
    if count:
        table.count_rows()
    return table
