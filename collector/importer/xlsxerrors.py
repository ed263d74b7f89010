"""Scans of a workbook's first sheet XML: its declared and real size, and its error cells
(``t="e"``).

python-calamine turns error cells into empty strings; this scan lets the importer report
``#DIV/0!`` as an error instead of importing a blank. It streams the sheet XML, so memory
stays small whatever the sheet's size.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# A cell, its formula and value, each with or without a namespace prefix (x:c, x:v).
_P = rb"(?:\w+:)?"
_FORMULA_AND_VALUE = (rb"(?:<" + _P + rb"f[^>]*/>|<" + _P + rb"f[^>]*>[^<]*</" + _P + rb"f>)?"
                      rb"(?:<" + _P + rb"v>([^<]*)</" + _P + rb"v>)?")
_ERROR_CELL = re.compile(rb"<" + _P + rb'c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>'
                         + _FORMULA_AND_VALUE)
_ERROR_CELL_T_FIRST = re.compile(rb"<" + _P + rb'c\b[^>]*?\bt="e"[^>]*?\br="([A-Z]+)(\d+)"[^>]*>'
                                 + _FORMULA_AND_VALUE)
_SHEET_TARGET = re.compile(rb'Target="/?(?:xl/)?(worksheets/[^"]+)"')
_CHUNK = 1 << 20
_REFERENCE = re.compile(rb'\sr="([A-Z]+)(\d+)"')
MAX_COLUMNS = 16_384  # Excel's last column, XFD
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+(\d+)(?::([A-Z]+)(\d+))?"')


def xlsx_dimension(path: Path) -> tuple[int, int]:
    """(last row, column count) the first sheet declares in ``<dimension>``; (0, 0) if none."""
    try:
        with zipfile.ZipFile(path) as archive:
            name = _first_sheet(archive)
            if name is None:
                return 0, 0
            with archive.open(name) as xml:
                head = xml.read(4096)
    except (zipfile.BadZipFile, KeyError, OSError):
        return 0, 0
    found = _DIMENSION.search(head)
    if found is None:
        return 0, 0
    if found.group(2) is None:
        return int(found.group(1)), 1
    return int(found.group(3)), _column(found.group(2)) + 1


@dataclass(slots=True)
class SheetScan:
    """What one pass over the first sheet's XML finds: the last row and the column count its
    cell references really reach (a file may declare a small ``<dimension>`` and still hold a
    cell at XFD1048576), and its error cells ``{(row number, 0-based column): code}``."""

    rows: int = 0
    cols: int = 0
    errors: dict[tuple[int, int], str] = field(default_factory=dict)


def xlsx_scan(path: Path) -> SheetScan:
    scan = SheetScan()
    width = 0  # the longest column name seen: only a longer or equal one can be further right

    def take(part: bytes) -> None:
        nonlocal width
        for m in _REFERENCE.finditer(part):
            letters = m.group(1)
            scan.rows = max(scan.rows, int(m.group(2)[:12]))
            if len(letters) >= width:
                width = len(letters)
                scan.cols = max(scan.cols, _column(letters[:8]) + 1)
        if b't="e"' in part:
            for pattern in (_ERROR_CELL, _ERROR_CELL_T_FIRST):
                for m in pattern.finditer(part):
                    code = (m.group(3) or b"#ERROR").decode("utf-8", "replace")
                    scan.errors[(int(m.group(2)), _column(m.group(1)))] = code

    _each_part(path, take)
    return scan


def _each_part(path: Path, take: Callable[[bytes], None]) -> None:
    """The first sheet's XML, streamed, in parts that each end before a cell starts."""
    try:
        with zipfile.ZipFile(path) as archive:
            name = _first_sheet(archive)
            if name is not None:
                with archive.open(name) as xml:
                    _scan(xml.read, _CHUNK, take)
    except (zipfile.BadZipFile, KeyError, OSError):
        return


def xlsx_first_sheet(path: Path) -> str | None:
    """The archive member that holds the workbook's first sheet."""
    try:
        with zipfile.ZipFile(path) as archive:
            return _first_sheet(archive)
    except (zipfile.BadZipFile, OSError):
        return None


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    names = set(archive.namelist())
    try:
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        rels = b""
    found = _SHEET_TARGET.search(rels)
    if found is not None and "xl/" + found.group(1).decode() in names:
        return "xl/" + found.group(1).decode()
    candidates = sorted(n for n in names if n.startswith("xl/worksheets/sheet"))
    return candidates[0] if candidates else None


def _scan(read: Callable[[int], bytes], size: int, take: Callable[[bytes], None]) -> None:
    """Hand ``take`` the stream in parts cut where a cell (``<c …`` or ``<x:c …``) starts, so
    no cell is split. What is carried to the next part is at most one cell; a run without any
    tag start (a huge comment) is handed on whole rather than carried and copied again."""
    carry = b""
    while True:
        chunk = read(size)
        if not chunk:
            take(carry)
            return
        data = carry + chunk
        cut = data.rfind(b"<c ")
        prefixed = data.rfind(b":c ")  # <x:c …>
        if prefixed > cut:
            cut = data.rfind(b"<", 0, prefixed)
        if cut <= 0 and len(data) > 2 * size:  # no cell starts in it: keep only the tail
            cut = len(data) - 8
        elif cut < 0:
            cut = 0
        take(data[:cut])
        carry = data[cut:]


def _column(letters: bytes) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ch - 64
    return index - 1
