"""Changing a portal's event definitions: the operations the JSON API and the UI share.

Each operation validates with ``collector.definitions`` (raising ``ClientError`` subclasses
that name every offending field), writes through the store and invalidates the portal's
definition cache, so the HTTP handlers and the management UI behave identically.

A change is a function of the definition it applies to, saved only if nobody saved the
definition since it was read (``Store.save_definition``'s version check). When someone
did — another request, another collector — the change runs again on the fresh definition,
its checks included, so concurrent changes are all kept or cleanly refused, never lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from collector.autotrack.rules import ELEMENT_PROPERTY
from collector.completions import resolve_event_name
from collector.definitions import apply_patch, parse_new_definition, parse_property, patch_property
from collector.errors import ClientError, Conflict, FieldError, NotFound, ValidationFailed
from collector.model import EventDefinition
from collector.properties import PropertyDef
from collector.services import Services
from collector.storage.queries import now_ms

MAX_CODE_CHARS = 20_000
_ATTEMPTS = 8  # a change that loses this many races (with other processes) is refused: 409


async def find_definition(svc: Services, portal_id: int, raw: str) -> EventDefinition:
    """The portal's definition named ``raw`` (internal or fully qualified name), archived
    ones included; NotFound for unknown names and other portals' ``pe<id>_`` names."""
    name = resolve_event_name(raw, portal_id)
    found = (await svc.definitions.get(portal_id, fresh=True)).get(name or "")
    if found is None:
        raise NotFound(f"No event definition named {raw!r}",
                       (FieldError("eventName", "unknown event", "NOT_FOUND"),))
    return found


async def change(svc: Services, current: EventDefinition,
                 make: Callable[[EventDefinition], EventDefinition]) -> EventDefinition:
    """Save ``make(definition)``, re-applied to the fresh definition whenever another writer
    saved it first; returns what was saved (``current`` itself when ``make`` returns it)."""
    async with svc.definitions.changing(current):
        for _ in range(_ATTEMPTS):
            changed = make(current)
            if changed is current:
                return current
            saved = await svc.store.save_definition(changed)
            svc.definitions.invalidate(current.portal_id)
            if saved:
                return replace(changed, version=changed.version + 1)
            current = await find_definition(svc, current.portal_id, current.name)
    raise Conflict(f"The event definition {current.name} is being changed by others; try again",
                   (FieldError("eventName", "changed concurrently", "CONFLICT"),))


async def create_definition(svc: Services, portal_id: int, body: Any) -> EventDefinition:
    definition = parse_new_definition(body, portal_id, svc.settings.limits, now_ms())
    new_id = await svc.store.insert_definition(definition,
                                               svc.settings.limits.definitions_per_portal)
    svc.definitions.invalidate(portal_id)
    return replace(definition, id=new_id)


async def update_definition(svc: Services, current: EventDefinition, body: Any) -> EventDefinition:
    """Change the label and/or description (the PATCH fields)."""
    return await change(svc, current,
                        lambda d: apply_patch(d, body, svc.settings.limits, now_ms()))


async def archive_definition(svc: Services, current: EventDefinition) -> EventDefinition:
    return await change(svc, current, archived)


def archived(definition: EventDefinition) -> EventDefinition:
    if definition.archived:
        return definition
    now = now_ms()
    return replace(definition, archived=True, archived_at=now, updated_at=now)


async def add_property(svc: Services, current: EventDefinition, body: Any) -> PropertyDef:
    limits = svc.settings.limits
    prop = parse_property(body, limits)
    assert prop is not None  # parse_property raises when it cannot build one

    def add(definition: EventDefinition) -> EventDefinition:
        if any(p.name == prop.name for p in definition.custom_properties):
            raise Conflict(f"Property {prop.name!r} already exists on {definition.name}",
                           (FieldError("name", "is already taken", "CONFLICT"),))
        if len(definition.custom_properties) >= limits.properties_per_definition:
            raise ClientError(
                f"An event can have at most {limits.properties_per_definition} properties",
                (FieldError("name", f"limit of {limits.properties_per_definition}"
                            " properties reached", "LIMIT"),))
        return replace(definition, custom_properties=(*definition.custom_properties, prop),
                       updated_at=now_ms())

    await change(svc, current, add)
    return prop


def custom_property_index(definition: EventDefinition, name: str) -> int:
    for index, prop in enumerate(definition.custom_properties):
        if prop.name == name:
            return index
    if definition.property_named(name) is not None:
        raise ClientError(f"{name!r} is a standard property and cannot be changed",
                          (FieldError("propertyName", "standard properties are fixed", "READ_ONLY"),))
    raise NotFound(f"No property {name!r} on {definition.name}",
                   (FieldError("propertyName", "unknown property", "NOT_FOUND"),))


async def update_property(svc: Services, current: EventDefinition, name: str,
                          body: Any) -> PropertyDef:
    """Change a custom property's label, description and/or options (the PATCH fields)."""

    def patch(definition: EventDefinition) -> EventDefinition:
        index = custom_property_index(definition, name)
        props = list(definition.custom_properties)
        props[index] = patch_property(props[index], body, svc.settings.limits)
        return replace(definition, custom_properties=tuple(props), updated_at=now_ms())

    saved = await change(svc, current, patch)
    return saved.custom_properties[custom_property_index(saved, name)]


def kept_properties(definition: EventDefinition) -> dict[str, str]:
    """The custom properties that cannot be deleted, each with the reason."""
    kept = {}
    rule = definition.matching_rule
    if rule is not None:
        kept[rule.event_property] = "used by customMatchingId"
    if definition.tracking_type == "CLICKED_ELEMENT":
        # The tracker sends it with every click (for retroactive matching): without it,
        # every click would be stored as adjusted.
        kept[ELEMENT_PROPERTY["name"]] = "the tracker records the clicked element in it"
    return kept


async def delete_property(svc: Services, current: EventDefinition, name: str) -> None:
    def delete(definition: EventDefinition) -> EventDefinition:
        index = custom_property_index(definition, name)
        if (reason := kept_properties(definition).get(name)) is not None:
            raise ClientError(f"{name!r} cannot be deleted: {reason}",
                              (FieldError("propertyName", reason, "IN_USE"),))
        props = definition.custom_properties[:index] + definition.custom_properties[index + 1:]
        return replace(definition, custom_properties=props, updated_at=now_ms())

    await change(svc, current, delete)


async def save_code(svc: Services, current: EventDefinition, code: str | None) -> EventDefinition:
    """Attach owner-edited JavaScript to the event (None or "" removes it); saved code of
    active events becomes part of the portal's tracking script."""
    if code is not None and len(code) > MAX_CODE_CHARS:
        raise ValidationFailed([FieldError("code", f"must be at most {MAX_CODE_CHARS} characters",
                                           "TOO_LONG")])

    def attach(definition: EventDefinition) -> EventDefinition:
        tracking = {k: v for k, v in definition.tracking.items() if k != "code"}
        if code:
            tracking["code"] = code
        return replace(definition, tracking=tracking, updated_at=now_ms())

    return await change(svc, current, attach)
