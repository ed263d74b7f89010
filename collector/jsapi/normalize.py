"""The JS path's adjustments (SPEC section 3): clean, fold, coerce, truncate — and record.

Everything here goes through ``collector.limits`` (the same module the HTTP API checks
against) and ``collector.properties.coerce_value``; nothing fails. Each change is one
adjustment ``{"field", "action", "message"}`` stored on the completion.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from collector.limits import Limits, clean_property_name, fold_properties, truncate_text
from collector.properties import (
    PROPERTY_ALIASES,
    STANDARD_PROPERTIES,
    BadValue,
    PropertyDef,
    coerce_value,
)

Lookup = Callable[[str], PropertyDef | None]
Adjustments = list[dict[str, object]]


def adjust(adjustments: Adjustments, field: str, action: str, message: str) -> None:
    adjustments.append({"field": field, "action": action, "message": message})


def safe_text(text: str) -> str:
    """Lone surrogates (possible in JS strings) become U+FFFD so the value stays UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def shown(text: str, limit: int = 100) -> str:
    """``text`` as an adjustment quotes it: storable, and short (a client's names and values
    may be megabytes long; the adjustment only has to say which one)."""
    text = safe_text(text)
    return text if len(text) <= limit else text[:limit] + "…"


def normalize_properties(raw: Any, lookup: Lookup, limits: Limits,
                         adjustments: Adjustments) -> dict[str, str]:
    """The stored properties of a hit's ``properties`` object, with every change recorded."""
    if not isinstance(raw, dict):
        if raw is not None:
            adjust(adjustments, "properties", "DROPPED", "must be a JSON object")
        return {}
    if not raw:  # a page view has none
        return {}
    folded, dropped = fold_properties(raw, limits)
    for name in dropped:
        reason = ("duplicate of a name differing only by case" if name.lower() in folded
                  else f"more than {limits.properties_per_completion} properties")
        adjust(adjustments, f"properties.{shown(name)}", "DROPPED", reason)
    source = {name.lower(): name for name in sorted(raw)}
    values: dict[str, str] = {}
    sent_as: dict[str, str] = {}
    for key in folded:  # in the order of the names as sent: a later one wins
        cleaned = _clean_name(source[key], limits, adjustments)
        if cleaned is None:
            continue
        name = cleaned
        text = _value(name, folded[key], lookup, limits, adjustments)
        if text is None:
            continue
        if name in values:
            adjust(adjustments, f"properties.{name}", "DROPPED",
                   f"the value sent as {shown(sent_as[name])!r}: {shown(source[key])!r}"
                   " names the same property after cleaning and comes later")
        values[name] = text
        sent_as[name] = source[key]
    return values


def _clean_name(original: str, limits: Limits, adjustments: Adjustments) -> str | None:
    quoted = shown(original)
    name = clean_property_name(original, limits)
    if not name:
        adjust(adjustments, f"properties.{quoted}", "DROPPED", "not a usable property name")
        return None
    name = PROPERTY_ALIASES.get(name, name)
    if name != original:
        adjust(adjustments, f"properties.{name}", "RENAMED", f"sent as {quoted!r}")
    return name


def _value(name: str, value: object, lookup: Lookup, limits: Limits,
           adjustments: Adjustments) -> str | None:
    prop = lookup(name)
    if prop is None:
        adjust(adjustments, f"properties.{name}", "DROPPED", "unknown property")
        return None
    try:
        text = coerce_value(prop, value)
    except BadValue as exc:
        adjust(adjustments, f"properties.{name}", "DROPPED", shown(str(exc), 300))
        return None
    if prop.type == "enumeration":
        return _fit_options(name, text, limits, adjustments)
    return truncate_value(name, text, limits, adjustments)


def _fit_options(name: str, text: str, limits: Limits, adjustments: Adjustments) -> str | None:
    """An enumeration's chosen options cut to the value limit a whole option at a time (a
    cut inside one would store a value that is no option)."""
    max_length = limits.value_length_for(name)
    if len(text) <= max_length:
        return text
    options = text.split(";")
    kept: list[str] = []
    length = -1  # the first option needs no separator
    for option in options:
        length += 1 + len(option)
        if length > max_length:
            break
        kept.append(option)
    if not kept:
        adjust(adjustments, f"properties.{name}", "DROPPED",
               f"its option is longer than {max_length} characters")
        return None
    adjust(adjustments, f"properties.{name}", "TRUNCATED",
           f"kept the first {len(kept)} of {len(options)} options ({max_length} characters"
           " at most)")
    return ";".join(kept)


def truncate_value(name: str, text: str, limits: Limits, adjustments: Adjustments) -> str:
    """Cut to the property's limit on a code-point boundary, recording the cut."""
    text = safe_text(text)
    max_length = limits.value_length_for(name)
    if len(text) > max_length:
        adjust(adjustments, f"properties.{name}", "TRUNCATED",
               f"cut from {len(text)} to {max_length} characters")
        text = truncate_text(text, max_length)
    return text


@functools.lru_cache(maxsize=8)
def standard_text_limits(limits: Limits) -> Mapping[str, int]:
    """The length limit of each standard property of type string (a page view's lookup)."""
    return {name: limits.value_length_for(name)
            for name, prop in STANDARD_PROPERTIES.items() if prop.type == "string"}


def enrichment_values(raw: dict[str, object], lookup: Lookup, limits: Limits,
                      adjustments: Adjustments,
                      text_limits: Mapping[str, int] | None = None) -> dict[str, str]:
    """Server-side page and user-agent properties the event accepts, cut to their limits.
    ``text_limits``: the string properties ``lookup`` knows and their limits, when known
    beforehand (``standard_text_limits``): a short ASCII value of one is kept as it is."""
    values: dict[str, str] = {}
    for name, value in raw.items():
        if text_limits is not None and type(value) is str and value.isascii() \
                and len(value) <= text_limits.get(name, -1):
            values[name] = value  # as below, without the lookup
            continue
        prop = lookup(name)
        if prop is None:
            continue
        if (type(value) is str and prop.type == "string" and value.isascii()
                and len(value) <= limits.value_length_for(name)):
            values[name] = value  # what coerce and truncate would return, without the calls
            continue
        try:
            text = coerce_value(prop, value)
        except BadValue:
            continue
        values[name] = truncate_value(name, text, limits, adjustments)
    return values
