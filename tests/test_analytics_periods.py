"""UTC day, week and month arithmetic of the analytics periods (pure functions)."""

from __future__ import annotations

from datetime import date

import pytest

from collector.analytics import params, periods
from collector.analytics.periods import Period
from collector.errors import FieldError


def day(text: str) -> int:
    return periods.from_date(date.fromisoformat(text))


def text(number: int) -> str:
    return periods.to_date(number).isoformat()


@pytest.mark.parametrize(("when", "interval", "start"), [
    ("2024-03-06", "day", "2024-03-06"),
    ("2024-03-06", "week", "2024-03-04"),  # a Wednesday: its week starts on Monday the 4th
    ("2024-03-04", "week", "2024-03-04"),
    ("2024-03-10", "week", "2024-03-04"),  # Sunday ends the ISO week
    ("1970-01-01", "week", "1969-12-29"),
    ("2024-02-29", "month", "2024-02-01"),
    ("2024-12-31", "month", "2024-12-01"),
])
def test_bucket_start(when: str, interval: str, start: str) -> None:
    assert text(periods.bucket_start(day(when), interval)) == start


def test_next_bucket_crosses_years() -> None:
    assert text(periods.next_bucket(day("2024-12-01"), "month")) == "2025-01-01"
    assert text(periods.next_bucket(day("2024-12-30"), "week")) == "2025-01-06"


def test_day_of_is_utc_midnight() -> None:
    assert periods.day_of(86_400_000 - 1) == 0
    assert periods.day_of(86_400_000) == 1
    assert Period(1, 1).start_ms == 86_400_000
    assert Period(1, 2).end_ms == 3 * 86_400_000


@pytest.mark.parametrize(("interval", "first", "last", "count"), [
    ("day", "2024-02-16", "2024-03-16", 30),
    ("week", "2023-12-25", "2024-03-17", 12),
    ("month", "2023-04-01", "2024-03-31", 12),
])
def test_default_periods_end_with_the_current_bucket(interval: str, first: str, last: str,
                                                     count: int) -> None:
    found = periods.default_period(interval, day("2024-03-16"))
    assert (text(found.first), text(found.last)) == (first, last)
    assert len(periods.buckets(found, interval)) == count


def test_bucket_counts_sum_days_into_buckets() -> None:
    period = periods.widen(Period(day("2024-01-30"), day("2024-02-02")), "month")
    days = {day("2024-01-01"): 2, day("2024-01-31"): 3, day("2024-02-29"): 4, day("2023-12-31"): 9}
    assert [(text(s), n) for s, n in periods.bucket_counts(days, period, "month")] == [
        ("2024-01-01", 5), ("2024-02-01", 4)]


def parse(**query: str) -> tuple[params.EventParams, list[FieldError]]:
    errors: list[FieldError] = []
    return params.event_params(list(query.items()), day("2024-03-16"), errors), errors


def test_only_from_runs_to_the_current_bucket() -> None:
    found, errors = parse(**{"from": "2024-03-01"})
    assert errors == []
    assert (text(found.period.first), text(found.period.last)) == ("2024-03-01", "2024-03-16")


def test_only_to_takes_the_default_length_before_it() -> None:
    found, errors = parse(interval="month", to="2023-06-15")
    assert errors == []
    assert (text(found.period.first), text(found.period.last)) == ("2022-07-01", "2023-06-30")


def test_filters_are_sorted_and_checked() -> None:
    found, errors = parse(**{"filter[b]": "2", "filter[a]": "1", "filter[A]": "x",
                             "filter[]": "y"})
    assert found.filters == (("a", "1"), ("b", "2"))
    assert [e.where for e in errors] == ["query.filter[A]", "query.filter[]"]
