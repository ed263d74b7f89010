"""What the fast paths share: the plan's columns, their JSON values, remembered emails.

Each applies the full check's rules (``value_converter``, the send API's email rule, the
date parser) and says "not plainly fine" (None, or ``Reject``) where the full check would
have something to report, so that the full check runs on that row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from json.encoder import encode_basestring_ascii as json_text
from typing import Any

from collector.emails import valid_email
from collector.importer.rows import Rejection, RowChecker, plain_text
from collector.importer.table import Cell, CellError
from collector.storage.guard import problem as text_problem
from collector.timeparse import OCCURRED_MIN_MS

Staged = tuple[int, str, str, int, str]  # (row, uuid, email, occurred_at, properties JSON)


@dataclass(slots=True)
class CheckedBatch:
    rows: list[Staged] = field(default_factory=list)
    contacts: dict[str, dict[str, str]] = field(default_factory=dict)  # only emails with some
    rejections: list[Rejection] = field(default_factory=list)
    rejected_rows: int = 0


@dataclass(frozen=True, slots=True)
class FastPlan:
    """The plan as the fast paths use it: column indexes, JSON pieces, remembered emails."""

    checker: RowChecker
    width: int
    values: list[tuple[int, JsonValue]]  # the event property columns
    emails: Emails


def fast_plan(checker: RowChecker) -> FastPlan | None:
    """None when the plan needs the full check for every row: it adds hs_asset_type after
    the fact, and checks a uuid column with its own rules (remembering each uuid, so that a
    repeat is refused: every row must pass ``RowChecker.check`` once, in order)."""
    plan = checker.plan
    if "hs_page_content_type" in checker.event_types or plan.uuid is not None:
        return None
    width = 1 + max([plan.email, plan.occurred_at or 0, *(i for i, _ in plan.contact),
                     *(i for i, _ in plan.event)])
    values = [(i, JsonValue(name, convert, checker.event_limits[name]
                            if checker.event_types[name] == "string" else None))
              for i, name, convert in checker.event]
    return FastPlan(checker, width, values, Emails())


_MISSING = object()
_MEMO_SIZE = 50_000
_EMAIL_MEMO_SIZE = 200_000


class JsonValue:
    """A column's cell → its stored text JSON-encoded as ``JSONEncoder`` writes it, None for
    a blank cell; raises Reject. For a string property (``text_limit`` given) plain text is
    stored as it is; other results are memoised. ``key`` is the encoded property name."""

    def __init__(self, name: str, convert: Callable[[Cell], str | None],
                 text_limit: int | None) -> None:
        self.key = json_text(name) + ":"
        self.memo: dict[object, str | None] = {}
        self.text_limit = text_limit
        self._convert = convert
        self._plain = plain_text(text_limit) if text_limit is not None else None

    def __call__(self, value: Cell) -> str | None:
        key: object = value
        if type(value) is str:
            if self._plain is not None and self._plain(value):
                return json_text(value)
        else:
            key = (type(value), value)
        found = self.memo.get(key, _MISSING)
        if found is _MISSING:
            text = self._convert(value)
            found = None if text is None else json_text(text)
            if len(self.memo) < _MEMO_SIZE:
                self.memo[key] = found
        return found if isinstance(found, str) else None

    def column(self, values: Sequence[Cell]) -> list[str | None]:
        """The values of a whole column (raises Reject), its common cases in bulk."""
        if not all_text(values):
            return [None if v is None else self(v) for v in values]
        texts: Sequence[str] = values  # type: ignore[assignment]  # all str, just checked
        if self.text_limit is not None and plain_column(texts, self.text_limit):
            return list(map(json_text, texts))
        found: list[Any] = list(map(self.memo.get, texts, repeat(_MISSING)))
        return [self(v) if f is _MISSING else f for v, f in zip(texts, found, strict=True)]


def all_text(values: Sequence[Cell]) -> bool:
    return set(map(type, values)) == {str}


def plain_column(texts: Sequence[str], limit: int) -> bool:
    """``plain_text`` of every text in the column, tested on all of them at once."""
    joined = "\x01".join(texts)  # a separator no plain text holds
    return (all(texts) and max(map(len, texts)) <= limit and joined.isascii()
            and "".join(texts).isprintable() and joined[:1] != " " and joined[-1:] != " "
            and " \x01" not in joined and "\x01 " not in joined)


class Emails:
    """Email cells seen before → their stored form (valid ones only; bounded)."""

    def __init__(self) -> None:
        self.known: dict[object, str] = {}  # keyed by the cell: any other kind of cell misses

    def learn(self, value: Cell) -> str | None:
        """The stored form of a valid email cell (remembered), None for anything else."""
        if type(value) is not str:
            return None
        text = value.strip()
        if not valid_email(text) or text_problem(value):
            return None
        if len(self.known) >= _EMAIL_MEMO_SIZE:
            self.known.clear()
        email = text.lower()
        self.known[value] = email = value if email == value else email  # one object if equal
        return email


def parse_occurred(checker: RowChecker, value: Cell) -> int | None:
    """Epoch ms of an occurred-at cell the full check accepts, else None."""
    if value is None or isinstance(value, CellError) or (
            isinstance(value, str) and not value.strip()):
        return None
    try:
        ms = checker.parse_date(value)
    except ValueError:
        return None
    return ms if OCCURRED_MIN_MS <= ms <= checker.latest else None


def contact_values(checker: RowChecker, cells: Sequence[Cell]) -> dict[str, str]:
    values: dict[str, str] = {}
    for index, name, convert in checker.contact:
        value = cells[index]
        if value is not None and (text := convert(value)) is not None:
            values[name] = text
    return values
