"""What the event detail page shows, computed from analytics answers (pure functions).

Bucket labels, the chart's bars and description, the property choices of the breakdown and
filter forms, and links that change one setting of the page while keeping the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from collector.analytics import periods
from collector.analytics.params import EventParams
from collector.analytics.report import EventReport
from collector.model import EventDefinition
from collector.properties import STANDARD_PROPERTIES
from collector.ui.chart import Bar

INTERVAL_WORDS = {"day": "day", "week": "week", "month": "month"}


def bucket_label(start: int, interval: str) -> tuple[str, str]:
    """``(full label, short axis label)`` of the bucket starting on day ``start``."""
    first = periods.to_date(start)
    if interval == "month":
        return first.strftime("%B %Y"), first.strftime("%b %Y")
    day = f"{first.strftime('%a')} {first.day} {first.strftime('%b %Y')}"
    short = f"{first.day} {first.strftime('%b')}"
    return (f"Week of {day}", short) if interval == "week" else (day, short)


def bars(found: EventReport) -> list[Bar]:
    return [Bar(*bucket_label(b.start, found.params.interval), b.completions, b.partial)
            for b in found.buckets]


def chart_text(found: EventReport, label: str) -> tuple[str, str]:
    """The chart's title and a one-sentence description of what it shows."""
    interval = found.params.interval
    period = found.params.period
    title = f"{label}: completions per {INTERVAL_WORDS[interval]}"
    counted = [b for b in found.buckets if b.completions is not None]
    text = (f"{found.completions:,} completions from {periods.to_date(period.first)} to"
            f" {periods.to_date(period.last)} (UTC)")
    if counted and found.completions:
        best = max(counted, key=lambda b: b.completions or 0)
        text += f"; the most, {best.completions:,}, in {bucket_label(best.start, interval)[0]}"
    return title, text + "."


@dataclass(frozen=True, slots=True)
class PropertyGroup:
    label: str
    options: list[tuple[str, str]]  # (internal name, label)


def property_groups(definition: EventDefinition | None) -> list[PropertyGroup]:
    """The event's own properties, then the standard ones it carries."""
    groups = []
    if definition is not None and definition.custom_properties:
        groups.append(PropertyGroup("Event properties", [
            (p.name, p.label) for p in definition.custom_properties]))
    if definition is None or definition.include_default_properties:
        groups.append(PropertyGroup("Standard properties", sorted(
            ((p.name, p.label) for p in STANDARD_PROPERTIES.values()), key=lambda o: o[1])))
    return groups


def default_breakdown(definition: EventDefinition | None) -> str | None:
    if definition is not None and definition.custom_properties:
        return definition.custom_properties[0].name
    if definition is None or definition.include_default_properties:
        return "hs_page_url"
    return None


@dataclass(frozen=True, slots=True)
class PageQuery:
    """The detail page's settings, and links that change some of them."""

    path: str
    params: EventParams
    by: str | None

    def pairs(self, **changes: str | None) -> list[tuple[str, str]]:
        values: dict[str, str | None] = {
            "interval": self.params.interval,
            "from": periods.to_date(self.params.period.first).isoformat(),
            "to": periods.to_date(self.params.period.last).isoformat(), "by": self.by}
        filters = dict(self.params.filters)
        for key, value in changes.items():
            if key.startswith("filter_"):
                name = key.removeprefix("filter_")
                if value is None:
                    filters.pop(name, None)
                else:
                    filters[name] = value
            else:
                values[key] = value
        found = [(k, v) for k, v in values.items() if v is not None]
        return found + [(f"filter[{k}]", v) for k, v in sorted(filters.items())]

    def href(self, **changes: str | None) -> str:
        return f"{self.path}?{urlencode(self.pairs(**changes))}"

    def preset(self, interval: str, today: int) -> str:
        """The latest 30 days, 12 weeks or 12 months, other settings kept."""
        period = periods.default_period(interval, today)
        return self.href(interval=interval, **{
            "from": periods.to_date(period.first).isoformat(),
            "to": periods.to_date(period.last).isoformat()})


def share(count: int, total: int) -> float:
    """``count`` as a percentage of ``total`` (0 for an empty total), one decimal."""
    return round(100 * count / total, 1) if total else 0.0


@dataclass(frozen=True, slots=True)
class Controls:
    """What the period-and-filter form shows: the page's settings or, when some were
    refused, what was sent (so the owner fixes one field instead of typing all again)."""

    interval: str
    from_date: str
    to_date: str
    by: str | None
    filter_property: str
    filter_value: str
    chips: list[tuple[str, str, str, str]]  # (internal name, label, value, removal link)


def controls(page: PageQuery, groups: Sequence[PropertyGroup]) -> Controls:
    """The form of a page whose settings were accepted."""
    labels = _labels(groups)
    pairs = dict(page.pairs())
    return Controls(page.params.interval, pairs["from"], pairs["to"], page.by, "", "", [
        (name, labels.get(name, name), value, page.href(**{f"filter_{name}": None}))
        for name, value in page.params.filters])


def typed_controls(path: str, sent: Sequence[tuple[str, str]], default: PageQuery,
                   groups: Sequence[PropertyGroup]) -> Controls:
    """The form of a page whose settings were refused: the values ``sent`` in its URL."""
    labels = _labels(groups)
    query = dict(sent)
    adding = query.get("filter_property", "").strip()
    kept = [(k, v) for k, v in sent if k != "after"]
    chips = [(k[7:-1], labels.get(k[7:-1], k[7:-1]), v,
              f"{path}?{urlencode([item for item in kept if item[0] != k])}")
             for k, v in kept if k.startswith("filter[") and k.endswith("]")
             and k != f"filter[{adding}]"]
    fallback = dict(default.pairs())
    by = query.get("by")
    return Controls(query.get("interval") or default.params.interval,
                    query.get("from") or str(fallback["from"]), query.get("to") or str(fallback["to"]),
                    by if by in labels else default.by, adding,
                    query.get("filter_value", ""), chips)


def _labels(groups: Sequence[PropertyGroup]) -> dict[str, str]:
    return {name: label for group in groups for name, label in group.options}


# The standard properties that say most about a completion, in the order a list shows them
# (a page view's summary reads "title · URL · referrer", not "browser · device · language").
_TELLING = {name: rank for rank, name in enumerate((
    "hs_page_title", "hs_page_url", "hs_element_text", "hs_link_href", "hs_referrer",
    "hs_touchpoint_source"))}


def ordered(properties: dict[str, str]) -> list[tuple[str, str]]:
    """An event's own properties first (by name), then the standard ``hs_*`` ones: the
    telling ones first, the rest by name."""
    return sorted(properties.items(), key=lambda item: (
        item[0].startswith("hs_"), _TELLING.get(item[0], len(_TELLING)), item[0]))
