"""Check a batch of rows: whole columns at once, else row by row, else the full check.

Most rows of a real file are valid and repeat a few values (plans, flags, amounts, the
same contacts). A batch whose every row is plainly fine is checked column by column
(``columns``); otherwise each row tries the fast path, memoised per column (the same
``value_converter``, so the same rules) with properties JSON assembled from encoded pieces.
The moment anything about a row is not plainly fine the full check runs on that row and
names every problem. A row's outcome is the same on every path; the tests compare them on
random rows.
"""

from __future__ import annotations

from collections.abc import Callable

from collector.importer.columns import check_columns
from collector.importer.pieces import (
    CheckedBatch,
    FastPlan,
    Staged,
    contact_values,
    fast_plan,
    parse_occurred,
)
from collector.importer.rows import Reject, RowChecker
from collector.importer.table import Cell, is_blank
from collector.numerals import decimal

__all__ = ["BatchChecker", "CheckedBatch"]

FastPath = Callable[[int, list[Cell]], tuple[Staged, dict[str, str] | None] | None]


class BatchChecker:
    def __init__(self, checker: RowChecker) -> None:
        self.full = checker
        self._plan = fast_plan(checker)
        self._fast = _fast_path(self._plan) if self._plan else _no_fast_path

    def check(self, batch: list[tuple[int, list[Cell]]]) -> CheckedBatch:
        if self._plan is not None and (whole := check_columns(self._plan, batch)) is not None:
            return whole
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


def _no_fast_path(_number: int, _cells: list[Cell]) -> None:
    return None


def _fast_path(fast_plan: FastPlan) -> FastPath:
    """The row-by-row fast path, its columns and rules bound once as locals."""
    checker, width, values, emails = (fast_plan.checker, fast_plan.width, fast_plan.values,
                                      fast_plan.emails)
    email_at, occurred_at = checker.plan.email, checker.plan.occurred_at
    known_email, learn_email = emails.known.get, emails.learn
    row_id, now, latest = checker.row_id, checker.now, checker.latest
    days_below, below = checker.digit_bounds or (None, 0)
    has_contact = bool(checker.contact)

    def fast(number: int, cells: list[Cell]) -> tuple[Staged, dict[str, str] | None] | None:
        if len(cells) < width:
            return None
        value = cells[email_at]
        email = known_email(value) or learn_email(value)
        if email is None:
            return None
        occurred = now
        if occurred_at is not None:
            value = cells[occurred_at]
            if (days_below is not None and type(value) is str
                    and (digits := decimal(value)) is not None and digits >= days_below):
                # what the date parser makes of plain digits from ``days_below`` on: seconds
                # below ``below``, else milliseconds
                ms: int | None = digits if digits >= below else digits * 1000
            else:
                ms = parse_occurred(checker, value)
            if ms is None or ms > latest:
                return None
            occurred = ms
        parts: list[str] = []
        try:
            for index, json_value in values:
                value = cells[index]
                if value is not None and (text := json_value(value)) is not None:
                    parts.append(json_value.key + text)
            contact = contact_values(checker, cells) if has_contact else None
        except Reject:
            return None
        return (number, row_id(number), email, occurred, "{" + ",".join(parts) + "}"), contact

    return fast
