"""Scans of a workbook's first sheet XML: its declared size, and its error cells (``t="e"``).

python-calamine turns error cells into empty strings; this scan lets the importer report
``#DIV/0!`` as an error instead of importing a blank. It streams the sheet XML, so memory
stays small whatever the sheet's size.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

_ERROR_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>'
                         rb'(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?(?:<v>([^<]*)</v>)?')
_ERROR_CELL_T_FIRST = re.compile(rb'<c\b[^>]*?\bt="e"[^>]*?\br="([A-Z]+)(\d+)"[^>]*>'
                                 rb'(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?(?:<v>([^<]*)</v>)?')
_SHEET_TARGET = re.compile(rb'Target="/?(?:xl/)?(worksheets/[^"]+)"')
_CHUNK = 1 << 20
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


def xlsx_error_cells(path: Path) -> dict[tuple[int, int], str]:
    """``{(row number, 0-based column): code}`` for the first worksheet."""
    try:
        with zipfile.ZipFile(path) as archive:
            name = _first_sheet(archive)
            if name is None:
                return {}
            with archive.open(name) as xml:
                return _scan(xml.read, _CHUNK)
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}


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


def _scan(read: object, size: int) -> dict[tuple[int, int], str]:
    assert callable(read)
    found: dict[tuple[int, int], str] = {}
    carry = b""
    while True:
        chunk = read(size)
        data = carry + chunk
        cut = data.rfind(b"</c>") + 4 if chunk else len(data)
        if cut < 4:
            cut = 0 if chunk else len(data)
        part, carry = data[:cut], data[cut:]
        if b't="e"' in part:
            for pattern in (_ERROR_CELL, _ERROR_CELL_T_FIRST):
                for m in pattern.finditer(part):
                    code = (m.group(3) or b"#ERROR").decode("utf-8", "replace")
                    found[(int(m.group(2)), _column(m.group(1)))] = code
        if not chunk:
            return found


def _column(letters: bytes) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ch - 64
    return index - 1
