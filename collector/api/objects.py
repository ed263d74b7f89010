"""A minimal CRM (``/crm/v3/objects/{objectType}``) so completions have records to attach to."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from collector.api.common import (
    authenticated,
    json_body,
    list_param,
    reject_unknown_params,
    services,
    single_param,
)
from collector.emails import normalize_email, valid_email
from collector.errors import FieldError, NotFound, ValidationFailed
from collector.limits import PROPERTY_NAME_RE
from collector.model import CrmObject, normalize_object_type
from collector.numerals import decimal
from collector.responses import JSONResponse
from collector.timeparse import format_ms

# HubSpot's clients send associations and propertiesWithHistory when asked to: the records
# here have no associations (none are listed) and no history (see object_json).
READ_PARAMS = frozenset({"idProperty", "properties", "archived", "associations",
                         "propertiesWithHistory"})


def _object_type(request: Request) -> str:
    raw = request.path_params["object_type"]
    found = normalize_object_type(raw)
    if found is None:
        raise NotFound(f"Unknown object type {raw!r}",
                       (FieldError("objectType", "must be contacts, companies, deals or tickets"),))
    return found


def object_json(obj: CrmObject, with_history: frozenset[str] = frozenset()) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(obj.id), "properties": {**obj.properties, "hs_object_id": str(obj.id)},
        "createdAt": format_ms(obj.created_at), "updatedAt": format_ms(obj.updated_at),
        "archived": False}
    if with_history:  # no history is kept: the current value, as of the record's last change
        body["propertiesWithHistory"] = {
            name: [{"value": value, "timestamp": body["updatedAt"], "sourceType": "API"}]
            for name, value in body["properties"].items() if name in with_history}
    return body


# Set by the CRM, read-only on HubSpot: a record's own id, and the ids merged into it
# (``collector.storage.merges``). A create naming one would read as an id or a merge that
# never happened.
READ_ONLY = frozenset({"hs_object_id", "hs_merged_object_ids"})


def _properties(body: Any, max_length: int) -> dict[str, str]:
    raw = body.get("properties") if isinstance(body, dict) else None
    errors: list[FieldError] = []
    if isinstance(body, dict):
        errors += [FieldError(k, "unknown field (allowed: properties)", "UNKNOWN_FIELD")
                   for k in sorted(set(body) - {"properties", "associations"})]
    if not isinstance(raw, dict):
        raise ValidationFailed([*errors, FieldError("properties", "must be a JSON object",
                                                    "REQUIRED")])
    values: dict[str, str] = {}
    for name, value in raw.items():
        if not PROPERTY_NAME_RE.match(name):
            errors.append(FieldError(f"properties.{name}", "is not a valid property name"))
        elif name.lower() in READ_ONLY:
            errors.append(FieldError(f"properties.{name}", f"{name} is read-only: the CRM sets"
                                     " it", "READ_ONLY_VALUE"))
        elif isinstance(value, dict | list) or value is None:
            errors.append(FieldError(f"properties.{name}", "must be a string or number"))
        elif len(text := str(value).lower() if isinstance(value, bool) else str(value)) > max_length:
            errors.append(FieldError(f"properties.{name}", f"must be at most {max_length} characters"))
        else:
            values[name] = normalize_email(text) if name == "email" else text
    if "email" in values and not valid_email(values["email"]):
        errors.append(FieldError("properties.email", "must be an email address"))
    if errors:
        raise ValidationFailed(errors)
    return values


@authenticated
async def create_object(request: Request, portal_id: int) -> Response:
    object_type = _object_type(request)
    svc = services(request)
    props = _properties(await json_body(request), svc.settings.limits.value_length)
    created = await svc.store.create_object(portal_id, object_type, props)
    return JSONResponse(object_json(created), status_code=201)


@authenticated
async def get_object(request: Request, portal_id: int) -> Response:
    reject_unknown_params(request, set(READ_PARAMS))
    object_type = _object_type(request)
    store = services(request).store
    raw_id = request.path_params["object_id"]
    problems: list[FieldError] = []
    id_property = single_param(request, "idProperty", problems)
    if problems:
        raise ValidationFailed(problems)
    found = None
    if id_property:
        if not PROPERTY_NAME_RE.match(id_property):
            raise ValidationFailed([FieldError("query.idProperty", "is not a valid property name")])
        found = await store.find_object(portal_id, object_type, id_property, raw_id)
    elif (number := decimal(raw_id)) is not None and number < 2**63:
        found = await store.get_object(portal_id, object_type, number)
    if found is None:
        raise NotFound(f"No {object_type.lower()} {raw_id!r}",
                       (FieldError("objectId", "not found", "NOT_FOUND"),))
    return JSONResponse(object_json(found, frozenset(list_param(request, "propertiesWithHistory"))))

