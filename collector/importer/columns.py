"""Check a whole batch column by column, when every row of it is plainly fine.

Each column is tested and converted in bulk (one join, one ``map``) with the rules of the
row-by-row fast path; the first column that is not plainly fine for every row gives the
batch back to that path (``None``). Rows come out exactly as the row-by-row path makes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

from collector.importer.pieces import CheckedBatch, FastPlan, all_text, parse_occurred
from collector.importer.rows import Reject
from collector.importer.table import Cell


def check_columns(plan: FastPlan, batch: list[tuple[int, list[Cell]]]) -> CheckedBatch | None:
    checker = plan.checker
    rows = [cells for _, cells in batch]
    if not rows or min(map(len, rows)) < plan.width:
        return None
    columns = [list(map(itemgetter(i), rows)) for i in range(plan.width)]
    emails = _emails(plan, columns[checker.plan.email])
    if emails is None:
        return None
    occurred = _occurred(plan, columns, len(rows))
    if occurred is None:
        return None
    try:
        properties = _properties(plan, columns, len(rows))
        contacts = _contacts(plan, columns, emails) if checker.contact else {}
    except Reject:
        return None
    numbers = [number for number, _ in batch]
    staged = list(zip(numbers, checker.row_id.many(numbers), emails, occurred, properties,
                      strict=True))
    return CheckedBatch(staged, contacts)


def _emails(plan: FastPlan, column: Sequence[Cell]) -> list[str] | None:
    found = list(map(plan.emails.known.get, column))
    if None not in found:
        return found  # type: ignore[return-value]  # no None in it
    learned = [f or plan.emails.learn(v) for f, v in zip(found, column, strict=True)]
    return None if None in learned else learned  # type: ignore[return-value]


def _occurred(plan: FastPlan, columns: list[list[Cell]], count: int) -> list[int] | None:
    checker = plan.checker
    if checker.plan.occurred_at is None:
        return [checker.now] * count
    column = columns[checker.plan.occurred_at]
    bounds = checker.digit_bounds
    if bounds is not None and all_text(column):
        days_below, below = bounds
        texts: Sequence[str] = column  # type: ignore[assignment]  # all str, just checked
        joined = "".join(texts)
        # Plain digits, each of them, and short (int() refuses 4,300 digits or more; anything
        # longer than 2**63's is the row-by-row path's to refuse).
        if all(texts) and joined.isdigit() and joined.isascii() and max(map(len, texts)) < 20:
            found = list(map(int, texts))
            if min(found) >= days_below:  # no spreadsheet day numbers (the parser's to read)
                if min(found) < below:  # epoch seconds among them
                    found = [ms if ms >= below else ms * 1000 for ms in found]
                return found if max(found) <= checker.latest else None
    parsed = [parse_occurred(checker, v) for v in column]
    return None if None in parsed else parsed  # type: ignore[return-value]


def _properties(plan: FastPlan, columns: list[list[Cell]], count: int) -> list[str]:
    values = [json_value.column(columns[index]) for index, json_value in plan.values]
    if not values:
        return ["{}"] * count
    if not any(None in column for column in values):  # every row has every property
        row = "{" + ",".join(v.key.replace("%", "%%") + "%s" for _, v in plan.values) + "}"
        return list(map(row.__mod__, zip(*values, strict=True)))
    pieces = [[None if text is None else v.key + text for text in column]
              for (_, v), column in zip(plan.values, values, strict=True)]
    return ["{" + ",".join(filter(None, row)) + "}" for row in zip(*pieces, strict=True)]


def _contacts(plan: FastPlan, columns: list[list[Cell]],
              emails: list[str]) -> dict[str, dict[str, str]]:
    names, values = [], []
    for index, name, convert in plan.checker.contact:
        names.append(name)
        values.append([None if v is None else convert(v) for v in columns[index]])
    contacts: dict[str, dict[str, str]] = {}
    for email, row in zip(emails, zip(*values, strict=True), strict=True):
        found = {name: text for name, text in zip(names, row, strict=True) if text is not None}
        if found:
            contacts.setdefault(email, {}).update(found)
    return contacts
