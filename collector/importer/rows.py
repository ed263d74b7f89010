"""One data row → a staged completion, or every reason it is rejected.

The checks are the HTTP API's (``coerce_value`` for types and enumeration options, the
limits module for lengths, the send validator's email rule, the store guard for text no
backend may hold), applied column by column; a row with any problem is not imported and
each problem becomes one line of the error report. Conversions of repeated text values
(options, flags, amounts) are memoised per column, since a million rows repeat them.
The uuid column's uuids are remembered (``uuids.FirstRows``): a row that repeats one is
rejected, naming the row that had it first.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from collector.emails import normalize_email, valid_email
from collector.importer.dates import DateParser, digit_bounds, native_ms
from collector.importer.mapping import LIFECYCLE_STAGES, Plan
from collector.importer.table import Cell, CellError
from collector.importer.uuids import FirstRows
from collector.limits import Limits
from collector.properties import BadValue, PropertyDef, coerce_value
from collector.storage.guard import problem as text_problem
from collector.storage.jsontext import compact_json
from collector.timeparse import OCCURRED_MIN_MS, OCCURRED_TOO_EARLY, format_ms

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://footfall.invalid/import")
_TEXT = PropertyDef("contact", "Contact property", "string")
_MEMO_SIZE = 50_000


class Reject(ValueError):
    """A cell cannot be imported; the message is the report's reason."""


@dataclass(frozen=True, slots=True)
class Rejection:
    row: int
    column: str
    value: str
    reason: str


@dataclass(frozen=True, slots=True)
class StagedRow:
    row: int
    id: str
    email: str
    occurred_at: int
    properties: str  # JSON text, as stored
    contact: dict[str, str]


def rows_key(content_hash: str, event_name: str) -> str:
    """What a row's id is made of besides its number: the file's content and the event it
    is imported into (the same file into another event is other completions)."""
    return f"{content_hash}:{event_name}"


def row_uuid(key: str, row: int) -> str:
    """``uuid5(namespace, "<rows key>:<row>")``: importing the same file into the same event
    again adds nothing."""
    return str(uuid.uuid5(_NAMESPACE, f"{key}:{row}"))


class _RowIds:
    """``row_uuid`` with the hash of the shared prefix computed once."""

    def __init__(self, key: str) -> None:
        self._base = hashlib.sha1(_NAMESPACE.bytes + f"{key}:".encode(), usedforsecurity=False)

    def __call__(self, row: int) -> str:
        return self.many((row,))[0]

    def many(self, rows: Iterable[int]) -> list[str]:
        base, variant, ids = self._base, _VARIANT, []
        for row in rows:
            digest = base.copy()
            digest.update(b"%d" % row)
            h = digest.hexdigest()  # version 5 in the 13th hex digit, the variant in the 17th
            ids.append(f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{variant[h[16]]}{h[17:20]}-{h[20:32]}")
        return ids


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def _empty(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _shown(cell: Cell) -> str:
    return "" if cell is None else str(cell)


def plain_text(limit: int) -> Callable[[str], bool]:
    """Is this text stored as it is under a string property: short printable ASCII, not
    blank, no edge spaces (so no rule of the general path can change or refuse it)?"""

    def plain(value: str) -> bool:
        return len(value) <= limit and value.isascii() and value.isprintable() \
            and value[:1] not in ("", " ") and value[-1:] != " "

    return plain


def value_converter(prop: PropertyDef, limit: int,
                    lifecycle: bool = False) -> Callable[[Cell], str | None]:
    """A column's cell → stored text, None for a blank cell (raises Reject); repeated text
    values are memoised, plain short text skips the general path."""
    memo: dict[str, str | Reject | None] = {}
    plain = plain_text(limit) if prop.type == "string" and not lifecycle else None

    def convert(value: Cell) -> str | None:
        if type(value) is str:
            if plain is not None and plain(value):
                return value
            found = memo.get(value, memo)
            if found is memo:
                found = _convert_blank(prop, value, limit, lifecycle)
                if len(memo) < _MEMO_SIZE:
                    memo[value] = found
            if isinstance(found, Reject):
                raise found
            return found if isinstance(found, str) or found is None else None
        if isinstance(value, CellError):
            raise Reject(value.reason)
        if isinstance(value, datetime | date):
            ms = native_ms(value)
            value = ms if prop.type in ("datetime", "date") or ms is None else format_ms(ms)
        return _convert(prop, value, limit, lifecycle)

    return convert


def _convert_blank(prop: PropertyDef, value: str, limit: int,
                   lifecycle: bool) -> str | Reject | None:
    if not value.strip():
        return None
    try:
        return _convert(prop, value, limit, lifecycle)
    except Reject as exc:
        return exc


def _convert(prop: PropertyDef, value: object, limit: int, lifecycle: bool) -> str:
    try:
        text = coerce_value(prop, value)
    except BadValue as exc:
        raise Reject(str(exc)) from None
    if lifecycle:
        text = text.strip().lower()
        if text not in LIFECYCLE_STAGES:
            raise Reject(f"{text!r} is not a lifecycle stage (options: "
                         f"{', '.join(sorted(LIFECYCLE_STAGES))})")
    reason = text_problem(text) or (f"must be at most {limit} characters (got {len(text)})"
                                    if len(text) > limit else None)
    if reason:
        raise Reject(reason)
    return text


Columns = list[tuple[int, str, Callable[[Cell], str | None]]]


class RowChecker:
    def __init__(self, headers: list[str], plan: Plan, parse_date: DateParser, limits: Limits,
                 rows_key: str, now_ms: int, latest_ms: int) -> None:
        self.headers, self.plan, self.parse_date = headers, plan, parse_date
        self.now, self.latest = now_ms, latest_ms
        self.row_id = _RowIds(rows_key)
        self.digit_bounds = digit_bounds(parse_date)  # for plain digits, if not None
        self.event_types = {p.name: p.type for _, p in plan.event}
        self.event_limits = {p.name: limits.value_length_for(p.name) for _, p in plan.event}
        self.event: Columns = [(i, p.name, value_converter(p, self.event_limits[p.name]))
                               for i, p in plan.event]
        self.contact: Columns = [(i, n, value_converter(_TEXT, limits.value_length,
                                                        n == "lifecyclestage"))
                                 for i, n in plan.contact]
        # The uuid column's uuids so far: a row is checked once, in the file's order, and a
        # later row with an earlier row's uuid is refused, dry run or not (an import would
        # store the first and skip it as "already present").
        self._first_rows = FirstRows() if plan.uuid is not None else None

    def check(self, row: int, cells: list[Cell]) -> tuple[StagedRow | None, list[Rejection]]:
        problems: list[Rejection] = []
        width = len(cells)
        plan = self.plan

        def cell(index: int | None) -> Cell:
            return cells[index] if index is not None and index < width else None

        def fail(index: int, reason: str) -> None:
            problems.append(Rejection(row, self.headers[index], _shown(cell(index)), reason))

        email = self._email(cell(plan.email), fail)
        occurred = self._occurred(cell(plan.occurred_at), fail)
        row_id = self.uuid_of(row, cell(plan.uuid), fail)
        props = self._columns(self.event, cells, fail)
        contact = self._columns(self.contact, cells, fail)
        if problems or email is None:
            return None, problems
        if "hs_page_content_type" in props:
            props["hs_asset_type"] = props["hs_page_content_type"]
        return StagedRow(row, row_id, email, occurred, compact_json(props), contact), problems

    @staticmethod
    def _columns(columns: Columns, cells: list[Cell],
                 fail: Callable[[int, str], None]) -> dict[str, str]:
        values: dict[str, str] = {}
        width = len(cells)
        for index, name, convert in columns:
            value = cells[index] if index < width else None
            if value is None:
                continue
            try:
                text = convert(value)
            except Reject as exc:
                fail(index, str(exc))
                continue
            if text is not None:
                values[name] = text
        return values

    def _email(self, value: Cell, fail: Callable[[int, str], None]) -> str | None:
        index = self.plan.email
        if isinstance(value, CellError):
            fail(index, value.reason)
        elif _empty(value):
            fail(index, "missing identifier: the email is empty (events import for contacts only)")
        elif not isinstance(value, str) or not valid_email(normalize_email(value)):
            fail(index, "must be an email address")
        elif reason := text_problem(value):
            fail(index, reason)
        else:
            return normalize_email(value)
        return None

    def _occurred(self, value: Cell, fail: Callable[[int, str], None]) -> int:
        index = self.plan.occurred_at
        if index is None:
            return self.now
        if isinstance(value, CellError):
            fail(index, value.reason)
            return 0
        if _empty(value):
            fail(index, "the occurred-at date is empty")
            return 0
        try:
            ms = self.parse_date(value)
        except ValueError as exc:
            fail(index, str(exc))
            return 0
        if ms > self.latest:
            fail(index, "must not be in the future")
        elif ms < OCCURRED_MIN_MS:
            fail(index, OCCURRED_TOO_EARLY)
        return ms

    def uuid_of(self, row: int, value: Cell, fail: Callable[[int, str], None]) -> str:
        index = self.plan.uuid
        if index is None or self._first_rows is None or _empty(value):
            return self.row_id(row)
        if isinstance(value, CellError):
            fail(index, value.reason)
            return ""
        try:
            found = uuid.UUID(str(value).strip())
        except ValueError:
            fail(index, "must be a UUID such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301")
            return ""
        if (earlier := self._first_rows.first(found, row)) is not None:
            fail(index, f"the same uuid as row {earlier}: each row needs its own uuid (delete"
                        " the repeated row or give it another uuid)")
        return str(found)
