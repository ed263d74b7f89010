"""UTC days, buckets and periods: pure arithmetic on day numbers (days since 1970-01-01).

A bucket is the day number of its first day: any day for ``day``, a Monday for ``week``
(ISO weeks), the 1st for ``month``. A period is an inclusive range of whole days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DAY_MS = 86_400_000
INTERVALS = ("day", "week", "month")
_EPOCH = date(1970, 1, 1)
_DEFAULT_BUCKETS = {"day": 30, "week": 12, "month": 12}


def day_of(ms: int) -> int:
    return ms // DAY_MS


def to_date(day: int) -> date:
    return _EPOCH + timedelta(days=day)


def from_date(value: date) -> int:
    return (value - _EPOCH).days


def bucket_start(day: int, interval: str) -> int:
    if interval == "week":
        return day - (day + 3) % 7  # 1970-01-01 was a Thursday
    if interval == "month":
        return from_date(to_date(day).replace(day=1))
    return day


def next_bucket(start: int, interval: str) -> int:
    if interval == "week":
        return start + 7
    if interval == "month":
        first = to_date(start)
        year, month = divmod(first.month, 12)
        return from_date(date(first.year + year, month + 1, 1))
    return start + 1


@dataclass(frozen=True, slots=True)
class Period:
    """Whole UTC days ``first..last`` (both included)."""

    first: int
    last: int

    @property
    def start_ms(self) -> int:
        return self.first * DAY_MS

    @property
    def end_ms(self) -> int:
        """The first millisecond after the period."""
        return (self.last + 1) * DAY_MS

    @property
    def days(self) -> int:
        return self.last - self.first + 1


def widen(period: Period, interval: str) -> Period:
    """The period grown to whole buckets of ``interval``."""
    last = next_bucket(bucket_start(period.last, interval), interval) - 1
    return Period(bucket_start(period.first, interval), last)


def buckets(period: Period, interval: str) -> list[int]:
    """Start days of the buckets that make up a widened period."""
    found = []
    start = bucket_start(period.first, interval)
    while start <= period.last:
        found.append(start)
        start = next_bucket(start, interval)
    return found


def default_period(interval: str, today: int) -> Period:
    """The latest 30 days, 12 weeks or 12 months, the current one included."""
    last = next_bucket(bucket_start(today, interval), interval) - 1
    first = bucket_start(today, interval)
    for _ in range(_DEFAULT_BUCKETS[interval] - 1):
        first = bucket_start(first - 1, interval)
    return Period(first, last)


def bucket_counts(days: dict[int, int], period: Period, interval: str) -> list[tuple[int, int]]:
    """``(bucket start, sum of days[d] for the bucket's days)`` for every bucket."""
    starts = buckets(period, interval)
    totals = dict.fromkeys(starts, 0)
    for day, count in days.items():
        if period.first <= day <= period.last:
            totals[bucket_start(day, interval)] += count
    return sorted(totals.items())
