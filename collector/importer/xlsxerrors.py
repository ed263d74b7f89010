"""Scans of a workbook's first sheet XML: its declared and real size, its error cells
(``t="e"``) and its formulas without a saved value.

python-calamine turns error cells into empty strings, and formulas whose value the file does
not store into empty strings or nothing at all; this scan lets the importer report
``#DIV/0!`` as an error, and such a formula as a value to be saved first, instead of
importing a blank. It streams the sheet XML, so memory stays small whatever the sheet's size.

A formula has no saved value when its ``<v>`` is missing or empty (openpyxl writes
``<v />``), and also when it is the ``0`` that xlsxwriter and its kin store in its place: they
flag the workbook ``fullCalcOnLoad``, which a spreadsheet program clears once it has
calculated (so a 0 they were given as the value reads as no value too).
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from collector.importer.table import CellError, UnsavedFormula

# A cell, its formula and value, each with or without a namespace prefix (x:c, x:v).
_P = rb"(?:\w+:)?"
_FORMULA_AND_VALUE = (rb"(?:<" + _P + rb"f[^>]*/>|<" + _P + rb"f[^>]*>[^<]*</" + _P + rb"f>)?"
                      rb"(?:<" + _P + rb"v>([^<]*)</" + _P + rb"v>)?")
_ERROR_CELL = re.compile(rb"<" + _P + rb'c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>'
                         + _FORMULA_AND_VALUE)
_ERROR_CELL_T_FIRST = re.compile(rb"<" + _P + rb'c\b[^>]*?\bt="e"[^>]*?\br="([A-Z]+)(\d+)"[^>]*>'
                                 + _FORMULA_AND_VALUE)
# A cell's attributes, its formula (the text, unless one shared from another cell) and its
# value: an empty element, a text, or none at all.
_FORMULA_CELL = re.compile(rb"<" + _P + rb"c\b([^>/]*)>\s*<" + _P + rb"f\b[^>/]*(?:/>|>([^<]*)</"
                           + _P + rb"f>)\s*(?:(<" + _P + rb"v\s*/>)|<" + _P + rb"v>([^<]*)</" + _P
                           + rb"v>)?")
_CELL_REFERENCE = re.compile(rb'\sr="([A-Z]+)(\d+)"')
_CELL_TYPE = re.compile(rb'\st="(\w+)"')
_FULL_CALC_ON_LOAD = re.compile(rb'<(?:\w+:)?calcPr\b[^>]*\sfullCalcOnLoad="(?:1|true)"')
_SHEET_TARGET = re.compile(rb'Target="/?(?:xl/)?(worksheets/[^"]+)"')
_CHUNK = 1 << 20
_REFERENCE = re.compile(rb'\sr="([A-Z]+)(\d+)"')
MAX_COLUMNS = 16_384  # Excel's last column, XFD
_DIMENSION = re.compile(rb"<" + _P + rb'dimension ref="[A-Z]+(\d+)(?::([A-Z]+)(\d+))?"')


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


def uncalculated(archive: zipfile.ZipFile) -> bool:
    """Is the workbook flagged to be calculated in full on opening (``fullCalcOnLoad``)?"""
    try:
        return _FULL_CALC_ON_LOAD.search(archive.read("xl/workbook.xml")) is not None
    except KeyError:
        return False


def formula_unsaved(kind: str, value: str | None, uncalculated: bool) -> bool:
    """Does a formula cell of type ``kind`` (``t``) with this ``<v>`` text (None: no ``<v>``)
    hold no saved value? An empty text is the saved value of a formula that gives ``""``."""
    if value is None:
        return True
    if not value:
        return kind != "str"
    return uncalculated and value == "0" and kind in ("", "n")


def formula_code(text: str | None) -> str:
    """An unsaved formula's ``code``: its text with the ``=`` spreadsheets show."""
    return "=" + text if text else ""


@dataclass(slots=True)
class SheetScan:
    """What one pass over the first sheet's XML finds: the last row and the column count its
    cell references really reach (a file may declare a small ``<dimension>`` and still hold a
    cell at XFD1048576), and the cells calamine reads as blanks though they hold no blank:
    ``{(row number, 0-based column): CellError or UnsavedFormula}``."""

    rows: int = 0
    cols: int = 0
    errors: dict[tuple[int, int], CellError] = field(default_factory=dict)


def xlsx_scan(path: Path) -> SheetScan:
    scan = SheetScan()
    width = 0  # the longest column name seen: only a longer or equal one can be further right
    flagged = _uncalculated_at(path)

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
                    scan.errors[(int(m.group(2)), _column(m.group(1)))] = CellError(code)
        if b"<f" in part or b":f" in part:
            _unsaved_formulas(part, flagged, scan.errors)

    _each_part(path, take)
    return scan


def _unsaved_formulas(part: bytes, flagged: bool, found: dict[tuple[int, int], CellError]) -> None:
    for m in _FORMULA_CELL.finditer(part):
        attributes, formula, empty, value = m.groups()
        reference = _CELL_REFERENCE.search(attributes)
        if reference is None:
            continue
        kind = _CELL_TYPE.search(attributes)
        if formula_unsaved(kind.group(1).decode() if kind else "",
                           "" if empty else _text(value), flagged):
            letters, row = reference.groups()
            found[(int(row), _column(letters))] = UnsavedFormula(formula_code(_text(formula)),
                                                                 (letters + row).decode())


def _text(xml: bytes | None) -> str | None:
    return None if xml is None else html.unescape(xml.decode("utf-8", "replace"))


def _uncalculated_at(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return uncalculated(archive)
    except (zipfile.BadZipFile, OSError):
        return False


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
