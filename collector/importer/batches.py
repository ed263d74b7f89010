"""Check a batch of rows: a fast path for rows that pass, ``RowChecker.check`` for the rest.

Most rows of a real file are valid and repeat a few values (plans, flags, amounts, the
same contacts). The fast path takes such a row with memoised per-column conversions (the
same ``value_converter``, so the same rules) and properties JSON assembled from encoded
pieces; the moment anything about a row is not plainly fine it gives up, and the full check
runs on that row and names every problem. A row's outcome is the same either way; the
tests compare both paths on random rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii as _json_text

from collector.completions import valid_email
from collector.importer.rows import Reject, Rejection, RowChecker
from collector.importer.table import Cell, CellError, is_blank
from collector.storage.guard import problem as text_problem

Staged = tuple[int, str, str, int, str]  # (row, uuid, email, occurred_at, properties JSON)
_MISSING = object()
_MEMO_SIZE = 50_000
_EMAIL_MEMO_SIZE = 200_000


@dataclass(slots=True)
class CheckedBatch:
    rows: list[Staged] = field(default_factory=list)
    contacts: dict[str, dict[str, str]] = field(default_factory=dict)  # only emails with some
    rejections: list[Rejection] = field(default_factory=list)
    rejected_rows: int = 0


def json_piece(name: str, convert: Callable[[Cell], str | None], text_limit: int | None
               ) -> Callable[[Cell], str | None]:
    """A column's cell → ``"name":"text"`` as ``JSONEncoder`` writes it, None for a blank
    cell; raises Reject. ``text_limit`` is given for string properties, whose plain text
    (see ``plain_text``) is stored as it is; other results are memoised."""
    prefix = _json_text(name) + ":"
    memo: dict[object, str | None] = {}
    limit = -1 if text_limit is None else text_limit

    def piece(value: Cell) -> str | None:
        if type(value) is str:
            if len(value) <= limit and value.isascii() and value.isprintable() \
                    and value[:1] not in ("", " ") and value[-1:] != " ":
                return prefix + _json_text(value)
            key: object = value
        else:
            key = (type(value), value)
        found = memo.get(key, _MISSING)
        if found is _MISSING:
            text = convert(value)
            found = None if text is None else prefix + _json_text(text)
            if len(memo) < _MEMO_SIZE:
                memo[key] = found
        return found if isinstance(found, str) else None

    return piece


class BatchChecker:
    def __init__(self, checker: RowChecker) -> None:
        self.full = checker
        self._fast = _fast_path(checker) if _fast_path_fits(checker) else _no_fast_path

    def check(self, batch: list[tuple[int, list[Cell]]]) -> CheckedBatch:
        out = CheckedBatch()
        staged, contacts = out.rows, out.contacts
        fast, full = self._fast, self.full.check
        for number, cells in batch:
            found = fast(number, cells)
            if found is None:
                if is_blank(cells):
                    continue
                row, problems = full(number, cells)
                if problems or row is None:
                    out.rejected_rows += 1
                    out.rejections += problems
                    continue
                found = ((row.row, row.id, row.email, row.occurred_at, row.properties),
                         row.contact)
            staged.append(found[0])
            if found[1]:
                contacts.setdefault(found[0][2], {}).update(found[1])
        return out


FastPath = Callable[[int, list[Cell]], tuple[Staged, dict[str, str] | None] | None]


def _fast_path_fits(checker: RowChecker) -> bool:
    # The full path adds hs_asset_type after the fact, and checks a uuid column with its
    # own rules: leave such (rare) plans to it.
    return "hs_page_content_type" not in checker.event_types and checker.plan.uuid is None


def _no_fast_path(_number: int, _cells: list[Cell]) -> None:
    return None


def _fast_path(checker: RowChecker) -> FastPath:
    """The fast path for one plan, its columns and rules bound once as locals."""
    plan = checker.plan
    email_at, occurred_at = plan.email, plan.occurred_at
    width = 1 + max([email_at, occurred_at or 0, *(i for i, _ in plan.contact),
                     *(i for i, _ in plan.event)])
    pieces = [(i, json_piece(name, convert, checker.event_limits[name]
                             if checker.event_types[name] == "string" else None))
              for i, name, convert in checker.event]
    emails: dict[object, str] = {}  # keyed by the cell: any other kind of cell misses
    known_email = emails.get
    row_id, now, latest, epoch_ms = checker.row_id, checker.now, checker.latest, checker.epoch_ms
    has_contact = bool(checker.contact)

    def fast(number: int, cells: list[Cell]) -> tuple[Staged, dict[str, str] | None] | None:
        if len(cells) < width:
            return None
        value = cells[email_at]
        email = known_email(value)
        if email is None:
            email = _learn_email(emails, value)
            if email is None:
                return None
        occurred = now
        if occurred_at is not None:
            value = cells[occurred_at]
            if epoch_ms and type(value) is str and value.isdigit() and value.isascii():
                ms: int | None = int(value)  # what parse_timestamp_ms makes of plain digits
            else:
                ms = _parse_occurred(checker, value)
            if ms is None or ms > latest:
                return None
            occurred = ms
        parts: list[str] = []
        try:
            for index, piece in pieces:
                value = cells[index]
                if value is not None and (part := piece(value)) is not None:
                    parts.append(part)
            contact = _contact_of(checker, cells) if has_contact else None
        except Reject:
            return None
        return (number, row_id(number), email, occurred, "{" + ",".join(parts) + "}"), contact

    return fast


def _learn_email(emails: dict[object, str], value: Cell) -> str | None:
    """The stored form of a valid email cell (remembered), None for anything else."""
    if type(value) is not str:
        return None
    text = value.strip()
    if not valid_email(text) or text_problem(value):
        return None
    if len(emails) >= _EMAIL_MEMO_SIZE:
        emails.clear()
    email = emails[value] = text.lower()
    return email


def _parse_occurred(checker: RowChecker, value: Cell) -> int | None:
    if value is None or isinstance(value, CellError) or (
            isinstance(value, str) and not value.strip()):
        return None
    try:
        return checker.parse_date(value)
    except ValueError:
        return None


def _contact_of(checker: RowChecker, cells: list[Cell]) -> dict[str, str]:
    values: dict[str, str] = {}
    for index, name, convert in checker.contact:
        value = cells[index]
        if value is not None and (text := convert(value)) is not None:
            values[name] = text
    return values
