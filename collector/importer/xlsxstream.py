"""Stream the first sheet of an .xlsx, row by row, in bounded memory.

The sheet XML is decompressed and read a megabyte at a time, cut after its last complete
row. One regular expression reads the cells of such a piece in the forms spreadsheet
programs write (``<c r="B2" s="1" t="s"><v>4</v></c>``, inline strings, cached formula
results); every ``<c`` of the piece must be one of its matches. A piece holding anything
else (entities, rich text, another attribute order, namespace prefixes) is parsed with
ElementTree instead, so every row is read exactly and the common ones quickly. Cell values
are those of openpyxl's reader (whose date rules it uses): numbers as floats, date-styled
numbers as ``datetime``, error cells as ``CellError``, empty cells as None; a formula
without a saved value (``xlsxerrors.formula_unsaved``) is an ``UnsavedFormula``. The
regular expression takes no such cell, and in a workbook flagged ``fullCalcOnLoad`` a piece
with any formula is parsed, so ElementTree decides those.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from defusedxml import ElementTree as SafeTree  # uploads are untrusted: no DTDs, no entities

from collector.importer.table import BadFile, Cell, CellError, UnsavedFormula
from collector.importer.xlsxerrors import MAX_COLUMNS, formula_code, formula_unsaved, uncalculated

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CHUNK = 1 << 20
_ROOT = re.compile(r"<(\w+:)?worksheet\b[^>]*>")
_CELL = re.compile(r'<c r="([A-Z]{1,3})(\d+)"(?: s="(\d+)")?(?: t="(\w+)")?(?:/>|>'
                   r'(?:(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)(?=<v>[^<&]))?'  # a formula, if saved
                   r'(?:<v>([^<&]*)</v>|<is><t(?: xml:space="preserve")?>([^<&]*)</t></is>)?</c>)')
_COORDINATE = re.compile(r"([A-Z]{1,3})(\d+)")
_MIDNIGHT = time()


class _Cells:
    """Turns a cell's type, style and text into its value (openpyxl's rules)."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        styles = _xml(archive, "xl/styles.xml")
        formats: dict[int, str] = dict(BUILTIN_FORMATS)
        xfs: list[int] = []
        if styles is not None:
            for fmt in styles.iter(f"{_MAIN}numFmt"):
                formats[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "")
            cell_xfs = styles.find(f"{_MAIN}cellXfs")
            xfs = [int(xf.get("numFmtId", "0")) for xf in cell_xfs or ()]
        self.dates = {str(i) for i, f in enumerate(xfs) if is_date_format(formats.get(f))}
        self.durations = {str(i) for i, f in enumerate(xfs) if is_timedelta_format(formats.get(f))}
        book = _xml(archive, "xl/workbook.xml")
        pr = book.find(f"{_MAIN}workbookPr") if book is not None else None
        mac = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if mac else CALENDAR_WINDOWS_1900
        self.strings = _shared_strings(archive)
        self.uncalculated = uncalculated(archive)

    def value(self, kind: str, style: str, text: str | None) -> Cell:
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        if kind == "inlineStr":
            return text
        if not text:
            return None
        if kind in ("", "n"):
            number = float(text)
            if style not in self.dates:
                return number
            try:
                moment: Cell = from_excel(number, self.epoch, timedelta=style in self.durations)
            except (OverflowError, ValueError):
                return CellError("#VALUE!")
            if isinstance(moment, datetime) and moment.time() == _MIDNIGHT:
                return moment.date()  # as calamine gives it (the same instant either way)
            return moment
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "e":
            return CellError(text)
        if kind == "d":
            found: Cell = from_ISO8601(text)
            return found
        return text  # "str": a formula's text result


def xlsx_rows(path: Path, sheet: str, chunk: int = _CHUNK) -> Iterator[tuple[int, list[Cell]]]:
    """``(row number, cells)`` of every row that has cells, column A first."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(sheet) as xml:
            yield from _rows(xml, _Cells(archive), chunk)
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError, ValueError,
            IndexError) as exc:
        raise BadFile(f"Cannot read {path.name} as an .xlsx workbook: {exc}") from None


def _rows(xml: Any, cells: _Cells, size: int) -> Iterator[tuple[int, list[Cell]]]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    carry, root = "", None
    while True:
        chunk = xml.read(size)
        data = carry + decoder.decode(chunk, final=not chunk)
        if root is None and (root := _ROOT.search(data)) is None and chunk:
            carry = data
            continue
        if root is None:
            raise ValueError("no worksheet element")
        prefix = root.group(1) or ""
        end = f"</{prefix}row>"
        cut = data.rfind(end) + len(end) if chunk else len(data)
        if cut < len(end):
            carry = data
            continue
        piece, carry = data[:cut], data[cut:]
        found = _CELL.findall(piece) if not prefix else None
        if found is not None and len(found) == piece.count("<c ") + piece.count("<c>") and not (
                cells.uncalculated and "<f" in piece):
            yield from _fast_rows(found, cells)
        else:
            yield from _parsed_rows(piece, root.group(0), prefix, cells)
        if not chunk:
            return


def _fast_rows(found: list[tuple[str, ...]], cells: _Cells) -> Iterator[tuple[int, list[Cell]]]:
    value = cells.value
    row_no = ""
    row: list[Cell] = []
    columns: list[str] = []
    for column, number, style, kind, text, inline in found:
        if number != row_no:
            if row:
                yield int(row_no), _placed(row, columns)
            row_no, row, columns = number, [], []
        if kind or style in cells.dates:
            row.append(value(kind, style, inline if kind == "inlineStr" else text))
        else:
            row.append(float(text) if text else None)
        columns.append(column)
    if row:
        yield int(row_no), _placed(row, columns)


def _placed(row: list[Cell], columns: list[str]) -> list[Cell]:
    """The row with each value at its column's index (a None for every missing cell)."""
    if _column_index(columns[-1]) == len(row) - 1:
        return row  # no gaps: columns are ascending
    placed: list[Cell] = []
    for letters, value in zip(columns, row, strict=True):
        placed += [None] * (_column_index(letters) - len(placed))
        placed.append(value)
    return placed


def _column_index(letters: str) -> int:
    """0-based; a column past Excel's last (XFD) is refused, not padded up to."""
    index = 0
    for ch in letters[:4]:
        index = index * 26 + ord(ch) - 64
    if len(letters) > 3 or index > MAX_COLUMNS:
        raise BadFile(f"The sheet has a cell in column {letters[:20]}, past Excel's last"
                      f" column (XFD): the file is damaged")
    return index - 1


def _parsed_rows(piece: str, root_tag: str, prefix: str,
                 cells: _Cells) -> Iterator[tuple[int, list[Cell]]]:
    start = piece.find(f"<{prefix}row")
    if start < 0:
        return
    row_end = f"</{prefix}row>"
    stop = piece.rfind(row_end) + len(row_end)
    tree = SafeTree.fromstring(root_tag + piece[start:stop] + f"</{prefix}worksheet>")
    last = 0
    for element in tree.iter(f"{_MAIN}row"):
        last = int(element.get("r") or last + 1)
        row: list[Cell] = []
        for c in element.iter(f"{_MAIN}c"):
            found = _COORDINATE.match(c.get("r") or "")
            index = _column_index(found.group(1)) if found else len(row)
            row += [None] * (index - len(row))
            row.append(_element_value(c, cells, f"{_column_letters(index)}{last}"))
        if row:
            yield last, row


def _element_value(c: ElementTree.Element, cells: _Cells, reference: str) -> Cell:
    kind = c.get("t") or ""
    if kind == "inlineStr":
        inline = c.find(f"{_MAIN}is")
        return None if inline is None else _text_of(inline)
    text = c.findtext(f"{_MAIN}v")
    formula = c.find(f"{_MAIN}f")
    if formula is not None and formula_unsaved(kind, text, cells.uncalculated):
        return UnsavedFormula(formula_code(formula.text), reference)
    return cells.value(kind, c.get("s") or "", text)


def _column_letters(index: int) -> str:
    """0-based column → its letters (27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text_of(element: ElementTree.Element) -> str:
    """A string item's text: its ``t``, or the ``t`` of each rich-text run (not phonetics)."""
    direct = element.find(f"{_MAIN}t")
    if direct is not None:
        return direct.text or ""
    return "".join(r.findtext(f"{_MAIN}t") or "" for r in element.iter(f"{_MAIN}r"))


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    try:
        xml = archive.open("xl/sharedStrings.xml")
    except KeyError:
        return []
    strings: list[str] = []
    root: ElementTree.Element | None = None
    with xml:
        for event, element in SafeTree.iterparse(xml, events=("start", "end")):
            if root is None:
                root = element
            elif event == "end" and element.tag == f"{_MAIN}si":
                strings.append(_text_of(element))
                root.clear()  # keep no parsed item: the table can be large
    return strings


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    try:
        element: ElementTree.Element = SafeTree.fromstring(archive.read(name))
    except KeyError:
        return None
    return element
