"""Event definitions: the rules for creating and changing them, and their JSON shape."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from collector.errors import FieldError, ValidationFailed
from collector.limits import (
    Limits,
    event_name_problem,
    name_from_label,
    property_name_problem,
)
from collector.model import (
    OBJECT_TYPE_IDS,
    EventDefinition,
    MatchingRule,
    normalize_object_type,
)
from collector.properties import PROPERTY_TYPES, STANDARD_PROPERTIES, Option, PropertyDef
from collector.storage import guard
from collector.timeparse import format_ms

CREATE_FIELDS = {"label", "name", "description", "primaryObject", "propertyDefinitions",
                 "includeDefaultProperties", "customMatchingId"}
PATCH_FIELDS = {"label", "description"}
PROPERTY_FIELDS = {"name", "label", "type", "description", "options"}
PROPERTY_PATCH_FIELDS = {"label", "description", "options"}


class _Errors:
    """Collects every FieldError of a payload so all are reported at once."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, where: str, message: str, code: str = "INVALID") -> None:
        self.items.append(FieldError(where, message, code))

    def raise_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)


def _require_object(body: Any, allowed: set[str], errors: _Errors, where: str = "") -> dict[str, Any]:
    """The object's fields, a null one left out: HubSpot's generated clients send every
    optional field they model, unset ones as null, and mean "not given"."""
    if not isinstance(body, dict):
        errors.add(where or "body", "must be a JSON object", "WRONG_TYPE")
        errors.raise_any()
    for key in sorted(set(body) - allowed):
        errors.add(f"{where}{key}", f"unknown field (allowed: {', '.join(sorted(allowed))})",
                   "UNKNOWN_FIELD")
    return {key: value for key, value in body.items() if value is not None}


def _text(body: dict[str, Any], key: str, max_length: int, errors: _Errors, where: str = "",
          required: bool = False) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            errors.add(f"{where}{key}", "is required", "REQUIRED")
        return None
    if not isinstance(value, str):
        errors.add(f"{where}{key}", "must be a string", "WRONG_TYPE")
        return None
    if required and not value.strip():
        errors.add(f"{where}{key}", "must not be empty", "REQUIRED")
    if (reason := guard.problem(value)) is not None:  # a form's field: JSON was checked
        errors.add(f"{where}{key}", reason, "UNSTORABLE_TEXT")
    if len(value) > max_length:
        errors.add(f"{where}{key}", f"must be at most {max_length} characters", "TOO_LONG")
    return value


def parse_new_definition(body: Any, portal_id: int, limits: Limits, now: int) -> EventDefinition:
    errors = _Errors()
    body = _require_object(body, CREATE_FIELDS, errors)
    label = _text(body, "label", limits.event_label_length, errors, required=True)
    description = _text(body, "description", limits.description_length, errors) or ""
    name = _text(body, "name", limits.event_name_length, errors)
    if name is None and label:
        name = name_from_label(label, limits)[: limits.event_name_length]
        if problem := event_name_problem(name, limits):
            errors.add("name", f"the name {name!r} derived from the label {problem};"
                       " send a name", "INVALID_NAME")
    elif name is not None and (problem := event_name_problem(name, limits)):
        errors.add("name", problem, "INVALID_NAME")
    primary = body.get("primaryObject", "CONTACT")
    primary_object = normalize_object_type(primary) if isinstance(primary, str) else None
    if primary_object is None:
        errors.add("primaryObject", f"must be one of {', '.join(OBJECT_TYPE_IDS)}")
    include = body.get("includeDefaultProperties", True)
    if not isinstance(include, bool):
        errors.add("includeDefaultProperties", "must be true or false", "WRONG_TYPE")
    props = _property_list(body.get("propertyDefinitions", []), limits, errors)
    rule = _matching_rule(body.get("customMatchingId"), props, errors)
    errors.raise_any()
    assert name is not None
    assert label is not None
    assert primary_object is not None
    return EventDefinition(
        portal_id=portal_id, id=0, name=name, label=label, description=description,
        primary_object=primary_object, tracking_type="MANUAL", custom_properties=props,
        include_default_properties=include, matching_rule=rule, created_at=now, updated_at=now,
    )


def _property_list(raw: Any, limits: Limits, errors: _Errors) -> tuple[PropertyDef, ...]:
    if not isinstance(raw, list):
        errors.add("propertyDefinitions", "must be a list", "WRONG_TYPE")
        return ()
    if len(raw) > limits.properties_per_definition:
        errors.add("propertyDefinitions",
                   f"at most {limits.properties_per_definition} properties", "TOO_MANY")
    props: list[PropertyDef] = []
    for index, item in enumerate(raw):
        prop = parse_property(item, limits, errors, f"propertyDefinitions[{index}].")
        if prop is None:
            continue
        if any(p.name == prop.name for p in props):
            errors.add(f"propertyDefinitions[{index}].name", f"duplicate property {prop.name!r}",
                       "DUPLICATE")
        props.append(prop)
    return tuple(props)


def parse_property(item: Any, limits: Limits, errors: _Errors | None = None,
                   where: str = "") -> PropertyDef | None:
    """A custom property definition from its JSON; problems go to ``errors``."""
    own = errors is None
    errors = errors or _Errors()
    if not isinstance(item, dict):
        errors.add(where.rstrip(".") or "body", "must be a JSON object", "WRONG_TYPE")
        if own:
            errors.raise_any()
        return None
    item = _require_object(item, PROPERTY_FIELDS, errors, where)
    label = _text(item, "label", limits.property_label_length, errors, where, required=True)
    name = _text(item, "name", limits.property_name_length, errors, where)
    if name is None and label:
        name = name_from_label(label, limits)
    elif name is not None and (problem := property_name_problem(name, limits)):
        errors.add(f"{where}name", problem, "INVALID_NAME")
    if name and (name.startswith("hs_") or name in STANDARD_PROPERTIES):
        errors.add(f"{where}name", "names starting with hs_ are reserved for standard properties",
                   "RESERVED")
    kind = item.get("type")
    if kind not in PROPERTY_TYPES:
        errors.add(f"{where}type", f"must be one of {', '.join(PROPERTY_TYPES)}")
    description = _text(item, "description", limits.description_length, errors, where) or ""
    options = _options(item.get("options"), kind, limits, errors, f"{where}options")
    if own:
        errors.raise_any()
    if not (name and label and kind in PROPERTY_TYPES):
        return None
    return PropertyDef(name, label, str(kind), description, options)


def _options(raw: Any, kind: Any, limits: Limits, errors: _Errors, where: str) -> tuple[Option, ...]:
    if kind != "enumeration":
        if raw:
            errors.add(where, "options are only allowed on enumeration properties")
        return ()
    if not isinstance(raw, list) or not raw:
        errors.add(where, "an enumeration needs a non-empty list of options", "REQUIRED")
        return ()
    if len(raw) > limits.options_per_property:
        errors.add(where, f"at most {limits.options_per_property} options", "TOO_MANY")
    options: list[Option] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        at = f"{where}[{index}]"
        if not isinstance(item, dict):
            errors.add(at, "must be an object with label and value", "WRONG_TYPE")
            continue
        item = _require_object(item, {"label", "value", "displayOrder", "description",
                                      "hidden"}, errors, f"{at}.")
        label = _text(item, "label", limits.value_length, errors, f"{at}.", required=True)
        value = _text(item, "value", limits.value_length, errors, f"{at}.", required=True)
        description = _text(item, "description", limits.description_length, errors, f"{at}.")
        hidden = item.get("hidden", False)
        if not isinstance(hidden, bool):
            errors.add(f"{at}.hidden", "must be true or false", "WRONG_TYPE")
        order = item.get("displayOrder", index)
        if isinstance(order, bool) or not isinstance(order, int):
            errors.add(f"{at}.displayOrder", "must be an integer", "WRONG_TYPE")
            order = index
        if value is not None and (";" in value or value in seen):
            errors.add(f"{at}.value", "must be unique and must not contain ';'")
        if label and value:
            seen.add(value)
            options.append(Option(label, value, order, description or "", hidden is True))
    return tuple(sorted(options, key=lambda o: o.display_order))


def _matching_rule(raw: Any, props: tuple[PropertyDef, ...], errors: _Errors) -> MatchingRule | None:
    if raw is None:
        return None
    if isinstance(raw, dict):
        raw = _require_object(raw, {"primaryObjectRule"}, errors, "customMatchingId.")
    rule = raw.get("primaryObjectRule") if isinstance(raw, dict) else None
    if isinstance(rule, dict):
        rule = _require_object(rule, {"targetObjectPropertyName", "eventPropertyName"}, errors,
                               "customMatchingId.primaryObjectRule.")
    target = rule.get("targetObjectPropertyName") if isinstance(rule, dict) else None
    source = rule.get("eventPropertyName") if isinstance(rule, dict) else None
    if not (isinstance(target, str) and isinstance(source, str)):
        errors.add("customMatchingId", "must be {primaryObjectRule: {targetObjectPropertyName,"
                   " eventPropertyName}}")
        return None
    if not any(p.name == source for p in props):
        errors.add("customMatchingId.primaryObjectRule.eventPropertyName",
                   f"{source!r} is not one of the event's custom properties")
    if property_name_problem(target, Limits()) and target != "email":
        errors.add("customMatchingId.primaryObjectRule.targetObjectPropertyName",
                   "must be a valid property name")
    return MatchingRule(target, source)


def apply_patch(d: EventDefinition, body: Any, limits: Limits, now: int) -> EventDefinition:
    errors = _Errors()
    body = _require_object(body, PATCH_FIELDS, errors)
    label = _text(body, "label", limits.event_label_length, errors)
    if label is not None and not label.strip():
        errors.add("label", "must not be empty", "REQUIRED")
    description = _text(body, "description", limits.description_length, errors)
    errors.raise_any()
    return replace(d, label=label or d.label,
                   description=d.description if description is None else description,
                   updated_at=now)


def patch_property(prop: PropertyDef, body: Any, limits: Limits) -> PropertyDef:
    errors = _Errors()
    body = _require_object(body, PROPERTY_PATCH_FIELDS, errors)
    label = _text(body, "label", limits.property_label_length, errors)
    if label is not None and not label.strip():
        errors.add("label", "must not be empty", "REQUIRED")
    description = _text(body, "description", limits.description_length, errors)
    options = prop.options
    if "options" in body:
        options = _options(body["options"], prop.type, limits, errors, "options")
    errors.raise_any()
    return PropertyDef(prop.name, label or prop.label, prop.type,
                       prop.description if description is None else description, options)


def definition_json(d: EventDefinition) -> dict[str, Any]:
    return {
        "id": str(d.id),
        "name": d.name,
        "fullyQualifiedName": d.fully_qualified_name,
        "label": d.label,
        "labels": {"singular": d.label, "plural": None},
        "description": d.description,
        "primaryObject": d.primary_object,
        "objectTypeId": OBJECT_TYPE_IDS[d.primary_object],
        "trackingType": d.tracking_type,
        "properties": [p.to_json() for p in d.all_properties],
        "customMatchingId": d.matching_rule.to_json() if d.matching_rule else None,
        "associations": [],
        "createdAt": format_ms(d.created_at),
        "updatedAt": format_ms(d.updated_at),
        "archived": d.archived,
        "archivedAt": format_ms(d.archived_at) if d.archived_at else None,
    }
