"""Property definitions, the standard ``hs_*`` properties, and typed value coercion.

Stored property values are strings (HubSpot returns strings); ``coerce_value`` turns a
client's value into that canonical string or raises ``BadValue`` with a sentence.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal

from collector.timeparse import format_ms, parse_timestamp_ms

PROPERTY_TYPES = ("string", "number", "enumeration", "datetime", "date", "bool")
FIELD_TYPES = {
    "string": "text", "number": "number", "enumeration": "select",
    "datetime": "date", "date": "date", "bool": "booleancheckbox",
}
MAX_SAFE_NUMBER = 2**53 - 1
_NUMBER_TEXT = re.compile(r"-?\d+(\.\d+)?\Z")
_DAY_MS = 86_400_000


class BadValue(ValueError):
    """A property value does not fit its type; the message says why."""


@dataclass(frozen=True, slots=True)
class Option:
    label: str
    value: str
    display_order: int = 0
    description: str = ""
    hidden: bool = False

    def to_json(self) -> dict[str, object]:
        return {"label": self.label, "value": self.value, "displayOrder": self.display_order,
                "description": self.description, "hidden": self.hidden}


@dataclass(frozen=True, slots=True)
class PropertyDef:
    name: str
    label: str
    type: str
    description: str = ""
    options: tuple[Option, ...] = ()
    standard: bool = False
    option_values: frozenset[str] = field(default=frozenset(), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "option_values", frozenset(o.value for o in self.options))

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name, "label": self.label, "description": self.description,
            "type": self.type, "fieldType": FIELD_TYPES[self.type],
            "options": [o.to_json() for o in self.options],
            "groupName": "event_standard_properties" if self.standard else "event_properties",
            "hidden": False, "archived": False, "hubspotDefined": self.standard,
        }


def _enum(name: str, label: str, values: str) -> PropertyDef:
    options = tuple(Option(v.replace("_", " ").title(), v, i) for i, v in enumerate(values.split()))
    return PropertyDef(name, label, "enumeration", options=options, standard=True)


EVENT_NAME_PATTERN = r"[a-z][a-z0-9_-]*"  # an event's internal name (limits.EVENT_NAME_RE)
# The asset types' option CUSTOM_BEHAVIORAL_EVENT_NAME stands for "the internal name of a
# custom event, e.g. pe123456_manually_tracked_event" (HubSpot's guide): such a name is a
# value of hs_asset_type and hs_page_content_type too.
CUSTOM_EVENT_ASSET = re.compile(r"pe[0-9]{1,19}_" + EVENT_NAME_PATTERN + r"\Z")
ASSET_TYPES = ("hs_asset_type", "hs_page_content_type")
_CONTENT_TYPES = ("STANDARD_PAGE LANDING_PAGE BLOG_POST KNOWLEDGE_ARTICLE AD CALL CONTACT_IMPORT "
                  "CONVERSATION CUSTOM_BEHAVIORAL_EVENT_NAME EMAIL EXTERNAL_PAGE INTEGRATIONS "
                  "MARKETING_EVENT MEDIA_BRIDGE MEETING SALES_EMAIL SEQUENCE SOCIAL_POST OTHER")
_TOUCHPOINTS = ("CONVERSATION DIRECT_TRAFFIC EMAIL_MARKETING HUBSPOT_CRM INTEGRATION MARKETING_EVENT "
                "OFFLINE ORGANIC_SEARCH OTHER_CAMPAIGNS PAID_SEARCH PAID_SOCIAL REFERRALS SALES "
                "SOCIAL_MEDIA")

_STANDARD_STRINGS = (
    "hs_asset_description hs_browser hs_campaign_id hs_city hs_country hs_device_name "
    "hs_device_type hs_element_class hs_element_id hs_element_text hs_language hs_link_href "
    "hs_operating_system hs_operating_version hs_page_id hs_page_title hs_page_url "
    "hs_parent_module_id hs_referrer hs_region hs_tracking_name hs_user_agent hs_utm_campaign "
    "hs_utm_content hs_utm_medium hs_utm_source hs_utm_term"
)


def _label(name: str) -> str:
    return name.removeprefix("hs_").replace("_", " ").capitalize()


STANDARD_PROPERTIES: dict[str, PropertyDef] = {
    p.name: p
    for p in sorted(
        [PropertyDef(n, _label(n), "string", standard=True) for n in _STANDARD_STRINGS.split()]
        + [PropertyDef(n, _label(n), "number", standard=True)
           for n in ("hs_screen_height", "hs_screen_width")]
        + [_enum("hs_asset_type", "Asset type", _CONTENT_TYPES),
           _enum("hs_page_content_type", "Page content type", _CONTENT_TYPES),
           _enum("hs_touchpoint_source", "Touchpoint source", _TOUCHPOINTS)],
        key=lambda p: p.name,
    )
}
assert len(STANDARD_PROPERTIES) == 32
# Accepted on input and stored under the name on the right.
PROPERTY_ALIASES = {"hs_asset_title": "hs_page_title"}


_PLAIN_KINDS = frozenset({"string", "number"})  # an int is stored as its decimal text


def coerce_value(prop: PropertyDef, value: object) -> str:
    """The canonical stored string for ``value`` under ``prop``'s type."""
    kind = prop.type
    # The usual cases first (this runs for every property of every completion sent).
    if type(value) is str and kind == "string":
        return value
    if type(value) is int and kind in _PLAIN_KINDS and -MAX_SAFE_NUMBER <= value <= MAX_SAFE_NUMBER:
        return str(value)
    if value is None or isinstance(value, dict | list):
        raise BadValue(f"must be a {prop.type} value, not {_kind(value)}")
    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        return _number_text(value) if isinstance(value, int | float) else str(value)
    if kind == "number":
        return _coerce_number(value)
    if kind == "bool":
        return _coerce_bool(value)
    if kind in ("datetime", "date"):
        return _coerce_time(value, date_only=kind == "date")
    return _coerce_enumeration(prop, value)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return "an object" if isinstance(value, dict) else "a list"


def _number_text(value: int | float) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BadValue("must be a finite number")
        if value.is_integer() and abs(value) <= MAX_SAFE_NUMBER:
            return str(int(value))
        text = repr(value)  # the shortest text that reads back as the same float
        return _positional(Decimal(text)) if "e-" in text else text
    return str(value)


def _positional(number: Decimal) -> str:
    """``number`` in plain decimal notation without trailing zeros: 1e-08 is stored as
    0.00000001 (the notation a number's text must have, and the one filters compare)."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _coerce_number(value: object) -> str:
    if isinstance(value, bool):
        raise BadValue("must be a number, not a boolean")
    if isinstance(value, str):
        text = value.strip()
        if not _NUMBER_TEXT.match(text):
            raise BadValue("must be numeric with at most one decimal point")
        # Leading zeros dropped before int(), which refuses a text of 4,300 digits or more.
        sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
        whole, dot, fraction = digits.partition(".")
        whole = whole.lstrip("0") or "0"
        if len(whole) > len(str(MAX_SAFE_NUMBER)):
            raise BadValue(f"must be between -{MAX_SAFE_NUMBER} and {MAX_SAFE_NUMBER}")
        # A decimal text is kept digit for digit (as a float, 12345678.123456789 lost its
        # last digits).
        value = Decimal(f"{sign}{whole}.{fraction}") if dot else int(sign + whole)
    if not isinstance(value, int | float | Decimal):
        raise BadValue("must be a number")
    if isinstance(value, float) and math.isnan(value):
        raise BadValue("must be a finite number")
    if not -MAX_SAFE_NUMBER <= value <= MAX_SAFE_NUMBER:
        raise BadValue(f"must be between -{MAX_SAFE_NUMBER} and {MAX_SAFE_NUMBER}")
    return _positional(value) if isinstance(value, Decimal) else _number_text(value)


def _coerce_bool(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower()
    raise BadValue("must be true or false")


def _coerce_time(value: object, *, date_only: bool) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadValue("must be an ISO 8601 string or epoch milliseconds")
    try:
        ms = parse_timestamp_ms(value)
    except ValueError as exc:
        raise BadValue(str(exc)) from None
    if not date_only:
        return format_ms(ms)
    if ms % _DAY_MS:
        raise BadValue("must be a date at UTC midnight")
    return format_ms(ms)[:10]  # the date part of the UTC timestamp


def _coerce_enumeration(prop: PropertyDef, value: object) -> str:
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadValue("must be one of the defined option values")
        value = _number_text(value)
    chosen = value.split(";")
    unknown = [v for v in chosen if v not in prop.option_values
               and not (prop.name in ASSET_TYPES and prop.standard
                        and CUSTOM_EVENT_ASSET.match(v))]
    if unknown:
        allowed = ", ".join(sorted(prop.option_values)[:20]) or "(none defined)"
        raise BadValue(f"{unknown[0]!r} is not an option of {prop.name} (options: {allowed})")
    return value
