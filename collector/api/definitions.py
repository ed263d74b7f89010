"""``/events/v3/event-definitions``: create, list, read, change and archive definitions."""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import Response

from collector.api.common import (
    authenticated,
    bool_param,
    int_param,
    json_body,
    services,
    unknown_params,
)
from collector.completions import resolve_event_name
from collector.definitions import (
    apply_patch,
    definition_json,
    parse_new_definition,
    parse_property,
    patch_property,
)
from collector.errors import ClientError, Conflict, FieldError, NotFound, ValidationFailed
from collector.model import EventDefinition
from collector.responses import JSONResponse
from collector.storage.queries import now_ms


async def _definition(request: Request, portal_id: int, *, fresh: bool = True) -> EventDefinition:
    raw = request.path_params["event_name"]
    name = resolve_event_name(raw, portal_id)
    found = (await services(request).definitions.get(portal_id, fresh=fresh)).get(name or "")
    if found is None:
        raise NotFound(f"No event definition named {raw!r}",
                       (FieldError("eventName", "unknown event", "NOT_FOUND"),))
    return found


async def _save(request: Request, definition: EventDefinition) -> None:
    svc = services(request)
    await svc.store.save_definition(definition)
    svc.definitions.invalidate(definition.portal_id)


@authenticated
async def create_definition(request: Request, portal_id: int) -> Response:
    svc = services(request)
    definition = parse_new_definition(await json_body(request), portal_id, svc.settings.limits,
                                      now_ms())
    new_id = await svc.store.insert_definition(definition,
                                               svc.settings.limits.definitions_per_portal)
    svc.definitions.invalidate(portal_id)
    return JSONResponse(definition_json(replace(definition, id=new_id)), status_code=201)


@authenticated
async def list_definitions(request: Request, portal_id: int) -> Response:
    errors = unknown_params(request, {"after", "limit", "searchString", "archived"})
    limit = int_param(request, "limit", 100, 1, 500, errors)
    after = int_param(request, "after", 0, 0, 2**63 - 1, errors)
    archived = bool_param(request, "archived", errors)
    if errors:
        raise ValidationFailed(errors)
    search = request.query_params.get("searchString", "").lower()
    everything = (await services(request).definitions.get(portal_id, fresh=True)).values()
    matching = sorted((d for d in everything if d.archived == archived and (
        search in d.name or search in d.label.lower())), key=lambda d: d.id)
    page = [d for d in matching if d.id > after][:limit]
    body: dict[str, object] = {"total": len(matching),
                               "results": [definition_json(d) for d in page]}
    if len(page) == limit and page[-1].id != matching[-1].id:
        next_after = str(page[-1].id)
        link = str(request.url.include_query_params(after=next_after))
        body["paging"] = {"next": {"after": next_after, "link": link}}
    return JSONResponse(body)


@authenticated
async def get_definition(request: Request, portal_id: int) -> Response:
    return JSONResponse(definition_json(await _definition(request, portal_id)))


@authenticated
async def update_definition(request: Request, portal_id: int) -> Response:
    current = await _definition(request, portal_id)
    changed = apply_patch(current, await json_body(request), services(request).settings.limits,
                          now_ms())
    await _save(request, changed)
    return JSONResponse(definition_json(changed))


@authenticated
async def archive_definition(request: Request, portal_id: int) -> Response:
    current = await _definition(request, portal_id)
    if not current.archived:
        now = now_ms()
        await _save(request, replace(current, archived=True, archived_at=now, updated_at=now))
    return Response(status_code=204)


@authenticated
async def create_property(request: Request, portal_id: int) -> Response:
    current = await _definition(request, portal_id)
    limits = services(request).settings.limits
    prop = parse_property(await json_body(request), limits)
    assert prop is not None  # parse_property raises when it cannot build one
    if any(p.name == prop.name for p in current.custom_properties):
        raise Conflict(f"Property {prop.name!r} already exists on {current.name}",
                       (FieldError("name", "is already taken", "CONFLICT"),))
    if len(current.custom_properties) >= limits.properties_per_definition:
        raise ClientError(f"An event can have at most {limits.properties_per_definition} properties",
                          (FieldError("name", f"limit of {limits.properties_per_definition}"
                                      " properties reached", "LIMIT"),))
    await _save(request, replace(current, custom_properties=(*current.custom_properties, prop),
                                 updated_at=now_ms()))
    return JSONResponse(prop.to_json(), status_code=201)


def _custom_property_index(definition: EventDefinition, name: str) -> int:
    for index, prop in enumerate(definition.custom_properties):
        if prop.name == name:
            return index
    if definition.property_named(name) is not None:
        raise ClientError(f"{name!r} is a standard property and cannot be changed",
                          (FieldError("propertyName", "standard properties are fixed", "READ_ONLY"),))
    raise NotFound(f"No property {name!r} on {definition.name}",
                   (FieldError("propertyName", "unknown property", "NOT_FOUND"),))


@authenticated
async def update_property(request: Request, portal_id: int) -> Response:
    current = await _definition(request, portal_id)
    index = _custom_property_index(current, request.path_params["property_name"])
    props = list(current.custom_properties)
    props[index] = patch_property(props[index], await json_body(request),
                                  services(request).settings.limits)
    await _save(request, replace(current, custom_properties=tuple(props), updated_at=now_ms()))
    return JSONResponse(props[index].to_json())


@authenticated
async def delete_property(request: Request, portal_id: int) -> Response:
    current = await _definition(request, portal_id)
    name = request.path_params["property_name"]
    index = _custom_property_index(current, name)
    rule = current.matching_rule
    if rule is not None and rule.event_property == name:
        raise ClientError(f"{name!r} is used by customMatchingId and cannot be deleted",
                          (FieldError("propertyName", "used by customMatchingId", "IN_USE"),))
    props = current.custom_properties[:index] + current.custom_properties[index + 1:]
    await _save(request, replace(current, custom_properties=props, updated_at=now_ms()))
    return Response(status_code=204)
