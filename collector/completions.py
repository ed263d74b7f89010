"""HTTP-path validation of completions: every violation is reported, nothing is adjusted."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Mapping
from typing import Any

from collector.emails import normalize_email, valid_email
from collector.errors import MAX_LISTED_ERRORS, FieldError
from collector.limits import Limits, case_duplicates
from collector.model import BUILT_IN_EVENTS, EventDefinition, NewCompletion
from collector.numerals import decimal
from collector.properties import PROPERTY_ALIASES, BadValue, coerce_value
from collector.timeparse import OCCURRED_MIN_MS, OCCURRED_TOO_EARLY, parse_timestamp_ms

SEND_FIELDS = frozenset({"eventName", "objectId", "email", "utk", "occurredAt", "properties",
                         "uuid"})
_UTK = re.compile(r"[A-Za-z0-9_-]{1,100}\Z")
_OTHER_PORTAL = re.compile(r"pe\d+_")
_NO_PROPERTIES: dict[str, Any] = {}


@functools.lru_cache(maxsize=4096)
def _prefix(portal_id: int) -> str:
    return f"pe{portal_id}_"  # built once per portal: this runs for every completion sent


def event_type(name: str, portal_id: int) -> str:
    """The name the APIs show for an internal event name: ``pe<portal>_<name>``, or a
    built-in event's own name (``e_visited_page``), as HubSpot shows them."""
    return name if name in BUILT_IN_EVENTS else _prefix(portal_id) + name


def resolve_event_name(raw: str, portal_id: int) -> str | None:
    """The internal name from ``pe<portal>_<name>`` (or a bare name); None for other portals."""
    prefix = _prefix(portal_id)
    if raw.startswith(prefix):
        return raw[len(prefix):]
    return None if _OTHER_PORTAL.match(raw) else raw


class SendValidator:
    """Validates send inputs of one portal against its definitions (a name→definition map)."""

    def __init__(self, portal_id: int, definitions: Mapping[str, EventDefinition], limits: Limits,
                 now_ms: int, future_skew_ms: int) -> None:
        self.portal_id, self.definitions, self.limits = portal_id, definitions, limits
        self.now, self.latest = now_ms, now_ms + future_skew_ms

    def validate(self, body: Any, where: str, errors: list[FieldError]) -> NewCompletion | None:
        """A NewCompletion, or None with every problem of ``body`` appended to ``errors``.

        This runs once per completion sent; absent optional fields cost one lookup each."""
        start = len(errors)

        def fail(field: str, message: str, code: str = "INVALID") -> None:
            errors.append(FieldError(f"{where}{field}", message, code))

        if not isinstance(body, dict):
            errors.append(FieldError(where.rstrip(".") or "body", "must be a JSON object",
                                     "WRONG_TYPE"))
            return None
        if not body.keys() <= SEND_FIELDS:
            for key in sorted(body.keys() - SEND_FIELDS)[:MAX_LISTED_ERRORS + 1]:
                fail(key, f"unknown field (allowed: {', '.join(sorted(SEND_FIELDS))})",
                     "UNKNOWN_FIELD")
        get = body.get
        definition = self._definition(get("eventName"), fail)
        raw_time, raw_id = get("occurredAt"), get("uuid")
        occurred_at = self.now if raw_time is None else self._occurred_at(raw_time, fail)
        completion_id = "" if raw_id is None else self._uuid(raw_id, fail)  # "": the writer's
        object_id, email, utk = self._identity(body, definition, fail)
        # null, like every optional field here, is "not given" (generated clients send it)
        raw_props = get("properties")
        if raw_props is None:
            raw_props = _NO_PROPERTIES
        props = self._properties(raw_props, definition, fail, errors)
        rule = definition.matching_rule if definition is not None else None
        matchable = (rule is not None and isinstance(raw_props, dict)
                     and raw_props.get(rule.event_property) is not None)
        # Other objects are named by id only (their email and utk were refused above).
        identifiers = (("objectId", "email", "utk") if definition is not None
                       and definition.primary_object == "CONTACT" else ("objectId",))
        if definition is not None and not matchable and all(get(k) is None for k in identifiers):
            fail("objectId", self._required(definition), "REQUIRED")
        if len(errors) > start or definition is None:
            return None
        # With a customMatchingId, the matching property's value decides the object (HubSpot
        # sets or overwrites objectId from it); the identifiers sent stand in when no object
        # has that value.
        match = None
        if rule is not None and rule.event_property in props:
            match = (rule.target_object_property, props[rule.event_property],
                     rule.event_property)
        return NewCompletion(completion_id, definition.name, definition.primary_object,
                             occurred_at, self.now, props, "HTTP", where, object_id, email, utk,
                             match)

    def _definition(self, raw: Any, fail: Any) -> EventDefinition | None:
        if raw is None:
            fail("eventName", "is required", "REQUIRED")
            return None
        if not isinstance(raw, str):
            fail("eventName", "must be a string", "WRONG_TYPE")
            return None
        name = resolve_event_name(raw, self.portal_id)
        definition = self.definitions.get(name) if name is not None else None
        if definition is None:
            fail("eventName", f"unknown event {raw!r} (use the fullyQualifiedName, "
                 f"pe{self.portal_id}_<name>)", "UNKNOWN_EVENT")
            return None
        if definition.archived:
            fail("eventName", f"event {raw!r} is archived", "ARCHIVED_EVENT")
            return None
        return definition

    def _occurred_at(self, raw: Any, fail: Any) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            fail("occurredAt", "must be an ISO 8601 string or epoch milliseconds", "WRONG_TYPE")
            return self.now
        try:
            ms = parse_timestamp_ms(raw)
        except ValueError as exc:
            fail("occurredAt", str(exc), "INVALID_TIMESTAMP")
            return self.now
        if ms > self.latest:
            fail("occurredAt", "must not be in the future", "FUTURE_TIMESTAMP")
        elif ms < OCCURRED_MIN_MS:
            fail("occurredAt", OCCURRED_TOO_EARLY, "INVALID_TIMESTAMP")
        return ms

    def _uuid(self, raw: Any, fail: Any) -> str:
        try:
            return str(uuid.UUID(raw)) if isinstance(raw, str) else _bad_uuid()
        except ValueError:
            fail("uuid", "must be a UUID such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301",
                 "INVALID_UUID")
            return ""

    def _identity(self, body: dict[str, Any], definition: EventDefinition | None,
                  fail: Any) -> tuple[int | None, str | None, str | None]:
        object_id = self._object_id(body.get("objectId"), fail)
        email, utk = body.get("email"), body.get("utk")
        if isinstance(email, str):
            email = normalize_email(email)
        if email is not None and not (isinstance(email, str) and valid_email(email)):
            fail("email", "must be an email address", "INVALID_EMAIL")
            email = None
        if utk is not None and not (isinstance(utk, str) and _UTK.match(utk)):
            fail("utk", "must be a visitor token of 1-100 letters, digits, '-' or '_'",
                 "INVALID_UTK")
            utk = None
        if definition is None:
            return None, None, None
        if definition.primary_object != "CONTACT":
            for key in ("email", "utk"):
                if body.get(key) is not None:
                    fail(key, f"only contacts are identified by {key}; this event's object is"
                         f" {definition.primary_object}", "WRONG_OBJECT")
            return object_id, None, None
        # A value given but refused was reported above; null is no identifier (a missing
        # one is reported by validate, which knows the properties a customMatchingId reads).
        return object_id, email or None, utk

    @staticmethod
    def _required(definition: EventDefinition) -> str:
        """What to send when a completion names no object."""
        rule = definition.matching_rule
        if rule is not None and definition.primary_object != "CONTACT":
            return f"objectId or the {rule.event_property} property is required"
        if rule is not None:
            return f"one of objectId, email, utk or the {rule.event_property} property is required"
        if definition.primary_object != "CONTACT":
            return "is required"
        return "one of objectId, email or utk is required"

    def _object_id(self, raw: Any, fail: Any) -> int | None:
        if raw is None:
            return None
        if isinstance(raw, str) and (number := decimal(raw)) is not None:
            raw = number
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 < raw < 2**63:
            fail("objectId", "must be a positive integer id", "INVALID_ID")
            return None
        return raw

    def _properties(self, raw: Any, definition: EventDefinition | None, fail: Any,
                    errors: list[FieldError]) -> dict[str, str]:
        if not isinstance(raw, dict):
            fail("properties", "must be a JSON object", "WRONG_TYPE")
            return {}
        limits = self.limits
        if len(raw) > limits.properties_per_completion:
            fail("properties", f"at most {limits.properties_per_completion} properties"
                 f" (got {len(raw)})", "TOO_MANY")
        if (len(raw) > 1 and not "".join(raw).islower()  # no capitals: no two names alike
                and len({name.lower() for name in raw}) < len(raw)):
            for group in case_duplicates(list(raw))[:MAX_LISTED_ERRORS + 1]:
                fail(f"properties.{group[-1]}", "names differing only by case are duplicates: "
                     + ", ".join(group), "DUPLICATE")
        if definition is None:
            return {}
        lookup = definition.property_named
        values: dict[str, str] = {}
        for name, value in raw.items():
            assert isinstance(name, str)
            if len(errors) > MAX_LISTED_ERRORS:
                break  # the answer lists no more (a body of many bad names costs no more)
            canonical: str = PROPERTY_ALIASES.get(name, name)
            prop = lookup(canonical)
            if prop is None:
                hint = " (property names are lowercase)" if lookup(name.lower()) else ""
                fail(f"properties.{name}", f"unknown property of {definition.name}{hint}",
                     "UNKNOWN_PROPERTY")
                continue
            try:
                text = coerce_value(prop, value)
            except BadValue as exc:
                fail(f"properties.{name}", str(exc), "WRONG_TYPE")
                continue
            max_length = limits.value_length_for(canonical)
            if len(text) > max_length:
                fail(f"properties.{name}", f"must be at most {max_length} characters"
                     f" (got {len(text)})", "TOO_LONG")
                continue
            if canonical in values and name != canonical:
                continue  # the standard name wins over its alias
            values[canonical] = text
        if "hs_page_content_type" in values:
            values["hs_asset_type"] = values["hs_page_content_type"]
        return values


def _bad_uuid() -> str:
    raise ValueError("not a string")

