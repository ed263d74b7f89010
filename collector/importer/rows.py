"""One data row → a staged completion, or every reason it is rejected.

The checks are the HTTP API's (``coerce_value`` for types and enumeration options, the
limits module for lengths, the send validator's email rule, the store guard for text no
backend may hold), applied column by column; a row with any problem is not imported and
each problem becomes one line of the error report.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from collector.completions import valid_email
from collector.importer.dates import DateParser, native_ms
from collector.importer.mapping import LIFECYCLE_STAGES, Plan
from collector.importer.table import Cell, CellError
from collector.limits import Limits
from collector.properties import BadValue, PropertyDef, coerce_value
from collector.storage.guard import problem as text_problem
from collector.timeparse import format_ms

Fail = Callable[[int, str], None]
CellAt = Callable[[int | None], Cell]
Complain = Callable[[str], None]
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://footfall.invalid/import")
_TEXT = PropertyDef("contact", "Contact property", "string")


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


def row_uuid(content_hash: str, row: int) -> str:
    """Stable per file content and row: importing the same file again adds nothing."""
    return str(uuid.uuid5(_NAMESPACE, f"{content_hash}:{row}"))


def _empty(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _shown(cell: Cell) -> str:
    return "" if cell is None else str(cell)


class RowChecker:
    def __init__(self, headers: list[str], plan: Plan, parse_date: DateParser, limits: Limits,
                 content_hash: str, now_ms: int, latest_ms: int) -> None:
        self.headers, self.plan, self.parse_date, self.limits = headers, plan, parse_date, limits
        self.content_hash, self.now, self.latest = content_hash, now_ms, latest_ms

    def check(self, row: int, cells: list[Cell]) -> tuple[StagedRow | None, list[Rejection]]:
        problems: list[Rejection] = []

        def cell(index: int | None) -> Cell:
            return cells[index] if index is not None and index < len(cells) else None

        def fail(index: int, reason: str) -> None:
            problems.append(Rejection(row, self.headers[index], _shown(cell(index)), reason))

        email = self._email(cell(self.plan.email), lambda r: fail(self.plan.email, r))
        occurred = self._occurred(cell(self.plan.occurred_at), fail)
        row_id = self._uuid(row, cell(self.plan.uuid), fail)
        props = self._event_properties(cell, fail)
        contact = self._contact_properties(cell, fail)
        if problems or email is None:
            return None, problems
        return StagedRow(row, row_id, email, occurred, json.dumps(props, separators=(",", ":")),
                         contact), problems

    def _email(self, value: Cell, fail: Complain) -> str | None:
        if isinstance(value, CellError):
            fail(f"the cell holds the error {value.code}")
        elif _empty(value):
            fail("missing identifier: the email is empty (events import for contacts only)")
        elif not isinstance(value, str) or not valid_email(value.strip()):
            fail("must be an email address")
        else:
            return value.strip().lower()
        return None

    def _occurred(self, value: Cell, fail: Fail) -> int:
        index = self.plan.occurred_at
        if index is None:
            return self.now
        if isinstance(value, CellError):
            fail(index, f"the cell holds the error {value.code}")
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
        return ms

    def _uuid(self, row: int, value: Cell, fail: Fail) -> str:
        if self.plan.uuid is None or _empty(value):
            return row_uuid(self.content_hash, row)
        try:
            return str(uuid.UUID(str(value).strip()))
        except ValueError:
            fail(self.plan.uuid, "must be a UUID such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301")
            return ""

    def _event_properties(self, cell: CellAt, fail: Fail) -> dict[str, str]:
        values: dict[str, str] = {}
        for index, prop in self.plan.event:
            text = self._value(prop, cell(index), partial(fail, index))
            if text is not None:
                values[prop.name] = text
        if "hs_page_content_type" in values:
            values["hs_asset_type"] = values["hs_page_content_type"]
        return values

    def _contact_properties(self, cell: CellAt, fail: Fail) -> dict[str, str]:
        values: dict[str, str] = {}
        for index, name in self.plan.contact:
            text = self._value(_TEXT, cell(index), partial(fail, index), name)
            if text is None:
                continue
            if name == "lifecyclestage":
                text = text.strip().lower()
                if text not in LIFECYCLE_STAGES:
                    fail(index, f"{text!r} is not a lifecycle stage (options: "
                         f"{', '.join(sorted(LIFECYCLE_STAGES))})")
                    continue
            values[name] = text
        return values

    def _value(self, prop: PropertyDef, value: Cell, fail: Complain,
               name: str | None = None) -> str | None:
        if _empty(value):
            return None
        if isinstance(value, CellError):
            fail(f"the cell holds the error {value.code}")
            return None
        if isinstance(value, datetime | date):
            ms = native_ms(value)
            value = ms if prop.type in ("datetime", "date") or ms is None else format_ms(ms)
        try:
            text = coerce_value(prop, value)
        except BadValue as exc:
            fail(str(exc))
            return None
        limit = self.limits.value_length_for(name or prop.name)
        reason = text_problem(text) or (f"must be at most {limit} characters (got {len(text)})"
                                        if len(text) > limit else None)
        if reason:
            fail(reason)
            return None
        return text
