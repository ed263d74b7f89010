"""Changing a portal's event definitions: the operations the JSON API and the UI share.

Each operation validates with ``collector.definitions`` (raising ``ClientError`` subclasses
that name every offending field), writes through the store and invalidates the portal's
definition cache, so the HTTP handlers and the management UI behave identically.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from collector.completions import resolve_event_name
from collector.definitions import apply_patch, parse_new_definition, parse_property, patch_property
from collector.errors import ClientError, Conflict, FieldError, NotFound, ValidationFailed
from collector.model import EventDefinition
from collector.properties import PropertyDef
from collector.services import Services
from collector.storage.queries import now_ms

MAX_CODE_CHARS = 20_000


async def find_definition(svc: Services, portal_id: int, raw: str) -> EventDefinition:
    """The portal's definition named ``raw`` (internal or fully qualified name), archived
    ones included; NotFound for unknown names and other portals' ``pe<id>_`` names."""
    name = resolve_event_name(raw, portal_id)
    found = (await svc.definitions.get(portal_id, fresh=True)).get(name or "")
    if found is None:
        raise NotFound(f"No event definition named {raw!r}",
                       (FieldError("eventName", "unknown event", "NOT_FOUND"),))
    return found


async def save(svc: Services, definition: EventDefinition) -> EventDefinition:
    await svc.store.save_definition(definition)
    svc.definitions.invalidate(definition.portal_id)
    return definition


async def create_definition(svc: Services, portal_id: int, body: Any) -> EventDefinition:
    definition = parse_new_definition(body, portal_id, svc.settings.limits, now_ms())
    new_id = await svc.store.insert_definition(definition,
                                               svc.settings.limits.definitions_per_portal)
    svc.definitions.invalidate(portal_id)
    return replace(definition, id=new_id)


async def update_definition(svc: Services, current: EventDefinition, body: Any) -> EventDefinition:
    """Change the label and/or description (the PATCH fields)."""
    return await save(svc, apply_patch(current, body, svc.settings.limits, now_ms()))


async def archive_definition(svc: Services, current: EventDefinition) -> EventDefinition:
    if current.archived:
        return current
    now = now_ms()
    return await save(svc, replace(current, archived=True, archived_at=now, updated_at=now))


async def add_property(svc: Services, current: EventDefinition, body: Any) -> PropertyDef:
    limits = svc.settings.limits
    prop = parse_property(body, limits)
    assert prop is not None  # parse_property raises when it cannot build one
    if any(p.name == prop.name for p in current.custom_properties):
        raise Conflict(f"Property {prop.name!r} already exists on {current.name}",
                       (FieldError("name", "is already taken", "CONFLICT"),))
    if len(current.custom_properties) >= limits.properties_per_definition:
        raise ClientError(f"An event can have at most {limits.properties_per_definition} properties",
                          (FieldError("name", f"limit of {limits.properties_per_definition}"
                                      " properties reached", "LIMIT"),))
    await save(svc, replace(current, custom_properties=(*current.custom_properties, prop),
                            updated_at=now_ms()))
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
    index = custom_property_index(current, name)
    props = list(current.custom_properties)
    props[index] = patch_property(props[index], body, svc.settings.limits)
    await save(svc, replace(current, custom_properties=tuple(props), updated_at=now_ms()))
    return props[index]


async def delete_property(svc: Services, current: EventDefinition, name: str) -> None:
    index = custom_property_index(current, name)
    rule = current.matching_rule
    if rule is not None and rule.event_property == name:
        raise ClientError(f"{name!r} is used by customMatchingId and cannot be deleted",
                          (FieldError("propertyName", "used by customMatchingId", "IN_USE"),))
    props = current.custom_properties[:index] + current.custom_properties[index + 1:]
    await save(svc, replace(current, custom_properties=props, updated_at=now_ms()))


async def save_code(svc: Services, current: EventDefinition, code: str | None) -> EventDefinition:
    """Attach owner-edited JavaScript to the event (None or "" removes it); saved code of
    active events becomes part of the portal's tracking script."""
    if code is not None and len(code) > MAX_CODE_CHARS:
        raise ValidationFailed([FieldError("code", f"must be at most {MAX_CODE_CHARS} characters",
                                           "TOO_LONG")])
    tracking = {k: v for k, v in current.tracking.items() if k != "code"}
    if code:
        tracking["code"] = code
    return await save(svc, replace(current, tracking=tracking, updated_at=now_ms()))
