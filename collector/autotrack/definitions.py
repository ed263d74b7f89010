"""Creating and changing clicked-element and visited-URL definitions, and their JSON."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from collector.autotrack import rules
from collector.definitions import parse_new_definition
from collector.errors import FieldError, ValidationFailed
from collector.limits import Limits
from collector.model import EventDefinition
from collector.timeparse import format_ms


def is_auto(d: EventDefinition) -> bool:
    return d.tracking_type in rules.AUTO_TYPES and not d.archived


def new_definition(body: Any, portal_id: int, limits: Limits, now: int) -> EventDefinition:
    body = rules.check_fields(body, rules.CREATE_FIELDS)
    kind = body.get("trackingType")
    if kind not in rules.AUTO_TYPES:
        raise ValidationFailed([FieldError("trackingType",
                                           f"must be one of {', '.join(rules.AUTO_TYPES)}")])
    errors: list[FieldError] = []
    tracking = rules.parse_tracking(body, kind, {}, errors)
    base = {k: body[k] for k in ("label", "name", "description") if k in body}
    if kind == "CLICKED_ELEMENT":
        base["propertyDefinitions"] = [rules.ELEMENT_PROPERTY]
    try:
        definition = parse_new_definition(base, portal_id, limits, now)
    except ValidationFailed as exc:
        errors = list(exc.errors) + errors
    if errors:
        raise ValidationFailed(errors)
    return replace(definition, tracking_type=kind, tracking=tracking)


def changed_definition(current: EventDefinition, body: Any, limits: Limits,
                       now: int) -> EventDefinition:
    body = rules.check_fields(body, rules.PATCH_FIELDS)
    errors: list[FieldError] = []
    tracking = rules.parse_tracking(body, current.tracking_type, current.tracking, errors)
    label, description = body.get("label", current.label), body.get("description",
                                                                    current.description)
    if not isinstance(label, str) or not label.strip() or len(label) > limits.event_label_length:
        errors.append(FieldError("label", f"must be 1 to {limits.event_label_length} characters"))
    if not isinstance(description, str) or len(description) > limits.description_length:
        errors.append(FieldError("description", "must be a string", "WRONG_TYPE"))
    if errors:
        raise ValidationFailed(errors)
    return replace(current, label=label, description=description, tracking=tracking,
                   updated_at=now)


def auto_json(d: EventDefinition) -> dict[str, Any]:
    return {"name": d.name, "fullyQualifiedName": d.fully_qualified_name, "label": d.label,
            "description": d.description, "trackingType": d.tracking_type, **d.tracking,
            "createdAt": format_ms(d.created_at), "updatedAt": format_ms(d.updated_at)}


def tracker_rules(definitions: Iterable[EventDefinition]) -> dict[str, list[dict[str, Any]]]:
    """What the tracker's autotrack module needs: ``c`` clicked elements, ``v`` visited URLs
    (keys are documented at the top of ``snippets/static/autotrack.js``)."""
    clicks: list[dict[str, Any]] = []
    visits: list[dict[str, Any]] = []
    for d in definitions:
        if not is_auto(d):
            continue
        t, capture = d.tracking, d.tracking.get("capture", {})
        if d.tracking_type == "CLICKED_ELEMENT":
            clicks.append({"n": d.fully_qualified_name, "s": t.get("selector"),
                           "r": t.get("scope"), "g": t.get("page", "/"),
                           "t": int(capture.get("text", True)),
                           "h": int(capture.get("href", True))})
        else:
            visits.append({"n": d.fully_qualified_name, "r": t.get("rule")})
    return {"c": clicks, "v": visits}
