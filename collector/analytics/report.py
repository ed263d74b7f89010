"""Analytics answers assembled from the store; the API serializes them, the UI renders them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from collector.analytics import periods
from collector.analytics.model import Breakdown, Scope
from collector.analytics.params import EventParams
from collector.completions import resolve_event_name
from collector.errors import FieldError
from collector.model import CompletionQuery, EventDefinition, StoredCompletion
from collector.storage import Store


@dataclass(frozen=True, slots=True)
class Sample:
    """Property values were read from the ``window`` most recent completions of the period
    only: those from ``since_ms`` on."""

    window: int
    since_ms: int


@dataclass(frozen=True, slots=True)
class Bucket:
    start: int  # first day
    last: int  # last day (included)
    completions: int | None  # None: the bucket lies before a sample's window
    partial: bool = False  # a sample's window starts inside this bucket


@dataclass(frozen=True, slots=True)
class EventReport:
    params: EventParams
    buckets: tuple[Bucket, ...]
    completions: int
    adjusted: int
    unique_records: int
    sample: Sample | None


def scope(event_name: str, params: EventParams, window: int) -> Scope:
    return Scope(event_name, params.period.start_ms, params.period.end_ms, params.filters,
                 window, params.several)


async def sample_of(store: Store, portal_id: int, where: Scope) -> Sample | None:
    start = await store.window_start(portal_id, where)
    return None if start is None else Sample(where.window, start)


async def event_report(store: Store, portal_id: int, event_name: str, params: EventParams,
                       window: int, *, uniques: bool = True) -> EventReport:
    """Completions over time, adjusted ones and unique records of the event in the period
    (``uniques=False``: not counted, reported as 0)."""
    period, interval = params.period, params.interval
    rollup = await store.event_days(portal_id, event_name, period.first, period.last)
    if not params.filters:
        counts = {d.day: d.completions for d in rollup}
        buckets = tuple(Bucket(start, periods.next_bucket(start, interval) - 1, n)
                        for start, n in periods.bucket_counts(counts, period, interval))
        unique = await store.unique_records(portal_id, event_name, period.start_ms,
                                            period.end_ms) if uniques else 0
        return EventReport(params, buckets, sum(counts.values()),
                           sum(d.adjusted for d in rollup), unique, None)
    where = scope(event_name, params, window)
    sample = (await sample_of(store, portal_id, where)
              if sum(d.completions for d in rollup) > window else None)
    found = await store.window_counts(portal_id, where)
    counts = {day: n for day, (n, _) in found.days.items()}
    buckets = tuple(_sampled(start, periods.next_bucket(start, interval) - 1, n, sample)
                    for start, n in periods.bucket_counts(counts, period, interval))
    return EventReport(params, buckets, sum(counts.values()),
                       sum(a for _, a in found.days.values()), found.unique_records, sample)


def _sampled(start: int, last: int, n: int, sample: Sample | None) -> Bucket:
    if sample is None:
        return Bucket(start, last, n)
    first_day = periods.day_of(sample.since_ms)
    if last < first_day:
        return Bucket(start, last, None)
    return Bucket(start, last, n, partial=start < first_day
                  or (start == first_day and sample.since_ms % periods.DAY_MS > 0))


async def breakdown(store: Store, portal_id: int, event_name: str, params: EventParams,
                    prop: str, top: int, window: int) -> tuple[Breakdown, Sample | None]:
    where = scope(event_name, params, window)
    found = await store.breakdown(portal_id, where, prop, top)
    return found, await sample_of(store, portal_id, where)


async def latest(store: Store, portal_id: int, event_name: str, params: EventParams,
                 limit: int, before: tuple[int, int] | None,
                 window: int) -> list[StoredCompletion]:
    """The newest completions of the period (matching the filters among the window's);
    one more than ``limit`` when there are more."""
    return await store.latest_completions(portal_id, scope(event_name, params, window),
                                          limit + 1, before)


async def failed_hits(store: Store, portal_id: int, event_name: str,
                      period: periods.Period) -> int:
    """Hits for the event that could not be stored (e.g. sent while it was archived)."""
    counts = await store.failed_counts(portal_id, period.start_ms, period.end_ms)
    return sum(n for raw, n in counts.items()
               if resolve_event_name(raw, portal_id) == event_name)


def timeline_event(raw: str | None, portal_id: int, errors: list[FieldError]) -> str | None:
    """The internal name a timeline's event filter means (None: every event)."""
    if raw is None or not raw.strip():
        return None
    name = resolve_event_name(raw.strip(), portal_id)
    if name is None or len(name) > 200:
        errors.append(FieldError("query.event", "must be an event name of this portal",
                                 "INVALID"))
    return name


async def timeline(store: Store, portal_id: int, contact_id: int, event_name: str | None,
                   limit: int, after: tuple[int, int] | None) -> list[StoredCompletion]:
    """The contact's completions, newest first; one more than ``limit`` when there are more."""
    return await store.query_completions(portal_id, CompletionQuery(
        limit=limit, descending=True, event_name=event_name, object_type="CONTACT",
        object_id=contact_id, after=after))


@dataclass(frozen=True, slots=True)
class EventRow:
    name: str
    completions: int
    adjusted: int
    total: int
    last_day: int | None
    failed: int


@dataclass(frozen=True, slots=True)
class EventsSummary:
    period: periods.Period
    rows: dict[str, EventRow]  # by internal name: every defined event and any that has data
    unknown: dict[str, int]  # failed hits naming events that are not defined


async def events_summary(store: Store, portal_id: int,
                         definitions: Mapping[str, EventDefinition],
                         period: periods.Period) -> EventsSummary:
    """Counts per event in ``period``: every definition, and any other event with data
    (page views). Failed hits count for the definition they name, else as unknown."""
    totals = {t.event_name: t for t in await store.event_totals(portal_id, period.first,
                                                                period.last)}
    failed: dict[str, int] = {}
    unknown: dict[str, int] = {}
    for raw, n in (await store.failed_counts(portal_id, period.start_ms,
                                                      period.end_ms)).items():
        name = resolve_event_name(raw, portal_id)
        if name is not None and name in definitions:
            failed[name] = failed.get(name, 0) + n
        else:
            unknown[raw] = unknown.get(raw, 0) + n
    rows = {}
    for name in sorted(set(definitions) | set(totals)):
        t = totals.get(name)
        rows[name] = EventRow(name, t.completions if t else 0, t.adjusted if t else 0,
                              t.total if t else 0, t.last_day if t else None,
                              failed.get(name, 0))
    return EventsSummary(period, rows, unknown)
