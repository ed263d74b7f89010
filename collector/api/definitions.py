"""``/events/v3/event-definitions``: create, list, read, change and archive definitions.

The operations themselves live in ``collector.definition_ops`` (shared with the UI); these
handlers parse the request and shape the response.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from collector import definition_ops as ops
from collector.api.common import (
    authenticated,
    bool_param,
    int_param,
    json_body,
    services,
    single_param,
    unknown_params,
)
from collector.definitions import definition_json
from collector.errors import FieldError, ValidationFailed
from collector.model import EventDefinition
from collector.responses import JSONResponse


async def _definition(request: Request, portal_id: int) -> EventDefinition:
    return await ops.find_definition(services(request), portal_id,
                                     request.path_params["event_name"])


@authenticated
async def create_definition(request: Request, portal_id: int) -> Response:
    created = await ops.create_definition(services(request), portal_id, await json_body(request))
    return JSONResponse(definition_json(created), status_code=201)


@authenticated
async def list_definitions(request: Request, portal_id: int) -> Response:
    """Definitions in the order they were created (``sortOrder=DESC``: newest first);
    ``includeProperties`` is HubSpot's and accepted: properties always come along."""
    errors = unknown_params(request, {"after", "limit", "searchString", "archived",
                                      "includeProperties", "sortOrder"})
    limit = int_param(request, "limit", 100, 1, 500, errors)
    after = int_param(request, "after", 0, 0, 2**63 - 1, errors)
    archived = bool_param(request, "archived", errors)
    bool_param(request, "includeProperties", errors)
    order = single_param(request, "sortOrder", errors)
    order = "ASC" if order is None else order.strip().upper()
    if order not in ("ASC", "DESC", "ASCENDING", "DESCENDING"):
        errors.append(FieldError("query.sortOrder", "must be ASC or DESC", "INVALID"))
    search = (single_param(request, "searchString", errors) or "").lower()
    if errors:
        raise ValidationFailed(errors)
    newest_first = order.startswith("DESC")
    everything = (await services(request).definitions.get(portal_id, fresh=True)).values()
    matching = sorted((d for d in everything if d.archived == archived and (
        search in d.name or search in d.label.lower())), key=lambda d: d.id,
        reverse=newest_first)
    page = [d for d in matching if not after or (d.id < after if newest_first else d.id > after)
            ][:limit]
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
    changed = await ops.update_definition(services(request), current, await json_body(request))
    return JSONResponse(definition_json(changed))


@authenticated
async def archive_definition(request: Request, portal_id: int) -> Response:
    await ops.archive_definition(services(request), await _definition(request, portal_id))
    return Response(status_code=204)


@authenticated
async def create_property(request: Request, portal_id: int) -> Response:
    current = await _definition(request, portal_id)
    prop = await ops.add_property(services(request), current, await json_body(request))
    return JSONResponse(prop.to_json(), status_code=201)


@authenticated
async def update_property(request: Request, portal_id: int) -> Response:
    current = await _definition(request, portal_id)
    name = request.path_params["property_name"]
    ops.custom_property_index(current, name)  # an unknown property is a 404 whatever the body
    prop = await ops.update_property(services(request), current, name, await json_body(request))
    return JSONResponse(prop.to_json())


@authenticated
async def delete_property(request: Request, portal_id: int) -> Response:
    current = await _definition(request, portal_id)
    await ops.delete_property(services(request), current, request.path_params["property_name"])
    return Response(status_code=204)
