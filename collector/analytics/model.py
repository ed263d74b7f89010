"""Plain records passed between the analytics queries, the store and their callers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class EventDay:
    """One row of the daily rollup."""

    event_name: str
    day: int
    completions: int
    adjusted: int


@dataclass(frozen=True, slots=True)
class EventTotals:
    """An event's completions (and adjusted ones) in a range of days, and its latest day."""

    event_name: str
    completions: int
    adjusted: int
    total: int
    last_day: int


@dataclass(frozen=True, slots=True)
class Scope:
    """Completions of one event in ``[start_ms, end_ms)`` matching every ``filters`` pair,
    read from at most the ``window`` most recent completions of that range.

    ``several`` names the enumeration properties, whose value may be several options joined
    with ";": a filter matches a value that holds its option, and a breakdown counts each
    option a completion holds."""

    event_name: str
    start_ms: int
    end_ms: int
    filters: tuple[tuple[str, str], ...] = ()
    window: int = 20_000
    several: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """Matching completions of a scope's window: per day ``[completions, adjusted]`` and
    how many distinct records they belong to."""

    days: dict[int, tuple[int, int]]
    unique_records: int


@dataclass(frozen=True, slots=True)
class BreakdownRow:
    value: str | None  # None: the completion has no value for the property
    count: int


@dataclass(frozen=True, slots=True)
class Breakdown:
    """The top values of a property among a scope's matching completions.

    ``matched`` counts every matching completion, ``distinct`` every distinct value
    (no value counts as one); the rest beyond ``rows`` is ``matched - sum(rows)``. For an
    enumeration a completion counts once for each option it holds, so the rows may add up to
    more than ``matched``; ``rest`` then counts the completions holding none of the rows'.
    """

    prop: str
    rows: tuple[BreakdownRow, ...]
    matched: int
    distinct: int
    rest: int | None = None

    @property
    def other(self) -> int:
        if self.rest is not None:
            return self.rest
        return self.matched - sum(row.count for row in self.rows)


@dataclass(frozen=True, slots=True)
class ContactSummary:
    """A contact with its number of completions and its latest one (None: never active)."""

    id: int
    email: str | None
    properties: dict[str, Any]
    created_at: int
    completions: int = 0
    last_occurred_at: int | None = None
    events: dict[str, int] = field(default_factory=dict)
