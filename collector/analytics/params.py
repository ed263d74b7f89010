"""Read analytics query parameters (the API's and the UI's GET forms alike).

Every problem becomes a ``FieldError`` naming the parameter (``query.<name>``); callers
collect them all before answering, so one response names every offending parameter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from collector.analytics import periods
from collector.analytics.periods import Period
from collector.errors import FieldError
from collector.limits import PROPERTY_NAME_RE
from collector.model import EventDefinition
from collector.numerals import decimal
from collector.properties import STANDARD_PROPERTIES, BadValue, PropertyDef, coerce_value

MAX_BUCKETS = 400
MAX_FILTERS = 5
MAX_VALUE = 1024
EVENT_PARAMS = {"interval", "from", "to"}
_FILTER = re.compile(r"filter\[(.*)\]\Z", re.DOTALL)
FIRST_DATE, LAST_DATE = date(1970, 1, 1), date(9998, 12, 31)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")

Items = Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class EventParams:
    interval: str
    period: Period  # widened to whole buckets of the interval
    filters: tuple[tuple[str, str], ...]
    several: frozenset[str] = frozenset()  # the event's enumerations (see Scope)


def unknown(items: Items, allowed: set[str], errors: list[FieldError], *,
            filters: bool = False) -> None:
    """One error per parameter that is neither allowed nor, where ``filters`` are taken,
    a ``filter[<property>]``."""
    shown = ", ".join(sorted(allowed) + (["filter[<property>]"] if filters else []))
    for key in sorted({k for k, _ in items
                       if k not in allowed and not (filters and _FILTER.match(k))}):
        errors.append(FieldError(f"query.{key}", f"unknown parameter (allowed: {shown})",
                                 "UNKNOWN_PARAMETER"))


def single(items: Items, name: str, errors: list[FieldError]) -> str | None:
    values = [v for k, v in items if k == name]
    if len(values) > 1:
        errors.append(FieldError(f"query.{name}", "must be given once", "INVALID"))
    return values[0] if values else None


def integer(items: Items, name: str, default: int, low: int, high: int,
            errors: list[FieldError]) -> int:
    raw = single(items, name, errors)
    if raw is None:
        return default
    number = decimal(raw.strip())
    if number is not None and low <= number <= high:
        return number
    errors.append(FieldError(f"query.{name}", f"must be an integer from {low} to {high}"
                             f" (got {raw[:40]!r})", "OUT_OF_RANGE"))
    return default


def _day(items: Items, name: str, errors: list[FieldError]) -> int | None:
    raw = single(items, name, errors)
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        value = date.fromisoformat(text) if _DATE.match(text) else None
    except ValueError:
        value = None
    if value is None or not FIRST_DATE <= value <= LAST_DATE:
        errors.append(FieldError(f"query.{name}", f"must be a date YYYY-MM-DD (UTC) from"
                                 f" {FIRST_DATE} to {LAST_DATE} (got {raw[:40]!r})", "INVALID"))
        return None
    return periods.from_date(value)


def event_params(items: Items, today: int, errors: list[FieldError]) -> EventParams:
    """``interval`` (day, week, month), ``from``/``to`` (dates, both included) and filters."""
    interval = single(items, "interval", errors) or "day"
    if interval not in periods.INTERVALS:
        errors.append(FieldError("query.interval", "must be day, week or month", "INVALID"))
        interval = "day"
    first, last = _day(items, "from", errors), _day(items, "to", errors)
    period = periods.default_period(interval, last if last is not None else today)
    if first is not None:
        period = Period(first, last if last is not None else max(first, period.last))
    if period.first > period.last:
        errors.append(FieldError("query.from", "must not be after to", "INVALID"))
        period = Period(period.last, period.last)
    period = periods.widen(period, interval)
    if len(periods.buckets(period, interval)) > MAX_BUCKETS:
        errors.append(FieldError("query.from", f"the period has more than {MAX_BUCKETS}"
                                 f" {interval}s; choose a shorter period or a longer interval",
                                 "OUT_OF_RANGE"))
        period = periods.default_period(interval, today)
    return EventParams(interval, period, filters(items, errors))


def filters(items: Items, errors: list[FieldError]) -> tuple[tuple[str, str], ...]:
    """``filter[<property>]=<value>`` pairs: equality on the property's stored value."""
    found: dict[str, str] = {}
    for key, value in items:
        match = _FILTER.match(key)
        if match is None:
            continue
        name = match.group(1)
        if not PROPERTY_NAME_RE.match(name):
            errors.append(FieldError(f"query.{key}", "must name a property (lowercase"
                                     " letters, digits, underscores)", "INVALID"))
        elif name in found:
            errors.append(FieldError(f"query.{key}", "only one filter per property", "INVALID"))
        elif len(value) > MAX_VALUE:
            errors.append(FieldError(f"query.{key}", f"at most {MAX_VALUE} characters",
                                     "TOO_LONG"))
        else:
            found[name] = value
    if len(found) > MAX_FILTERS:
        errors.append(FieldError("query.filter", f"at most {MAX_FILTERS} filters", "TOO_MANY"))
    return tuple(sorted(found.items()))


def event_properties(definition: EventDefinition | None) -> dict[str, PropertyDef]:
    """The properties a completion of the event can carry (page views: the standard ones)."""
    if definition is None:
        return dict(STANDARD_PROPERTIES)
    return {p.name: p for p in definition.all_properties}


def for_event(query: EventParams, known: dict[str, PropertyDef]) -> EventParams:
    """``query`` knowing which of the event's properties are enumerations, its filter values
    of typed properties in the form they are stored in."""
    several = frozenset(name for name, prop in known.items() if prop.type == "enumeration")
    filters = tuple((name, _as_stored(known.get(name), value)) for name, value in query.filters)
    return replace(query, several=several, filters=filters)


_STORED_FORMS = frozenset({"number", "bool", "date", "datetime"})


def _as_stored(prop: PropertyDef | None, value: str) -> str:
    """A typed property's value as stored (``12.50`` → ``12.5``, ``True`` → ``true``, a
    datetime → ``…T10:00:00.000Z``), so a filter written as the value was sent matches it;
    a value the type refuses is kept, and matches nothing."""
    if prop is None or prop.type not in _STORED_FORMS:
        return value
    try:
        return coerce_value(prop, value)
    except BadValue:
        return value


def check_properties(names: Sequence[tuple[str, str]], known: dict[str, PropertyDef],
                     errors: list[FieldError]) -> None:
    """``(parameter, property name)`` pairs naming a property the event does not have."""
    for where, name in names:
        if PROPERTY_NAME_RE.match(name) and name not in known:
            errors.append(FieldError(f"query.{where}", f"{name!r} is not a property of this"
                                     " event", "UNKNOWN_PROPERTY"))


def property_name(items: Items, known: dict[str, PropertyDef],
                  errors: list[FieldError]) -> str | None:
    """The required ``property`` parameter: a property of the event."""
    name = single(items, "property", errors)
    if name is None or not name.strip():
        errors.append(FieldError("query.property", "is required", "REQUIRED"))
        return None
    if not PROPERTY_NAME_RE.match(name):
        errors.append(FieldError("query.property", "must name a property (lowercase letters,"
                                 " digits, underscores)", "INVALID"))
        return None
    check_properties([("property", name)], known, errors)
    return name
