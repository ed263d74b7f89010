"""The OpenAPI 3.1 document of the whole HTTP API, served at ``/openapi.json``."""

from __future__ import annotations

from typing import Any

from collector import __version__
from collector.api.versions import DATE_VERSIONS, dated_paths
from collector.importer.dates import FORMATS_HELP
from collector.importer.mapping import TARGETS_HELP
from collector.importer.newprops import TYPES as NEW_PROPERTY_TYPES
from collector.openapi_analytics import analytics_paths
from collector.openapi_tracking import VISUALIZER_TOKEN, tracking_paths
from collector.properties import PROPERTY_TYPES

_REF = "#/components/schemas/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": _json(_ref("Error"), "Invalid input; every offending field is listed in errors"),
    "401": _json(_ref("Error"), "Missing or unknown bearer token"),
    "413": _json(_ref("Error"), "Body larger than the configured cap"),
    "415": _json(_ref("Error"), "Content-Type is not application/json, or names a charset"
                 " other than UTF-8, UTF-16, US-ASCII, ISO-8859-1 or windows-1252"),
    "503": _json(_ref("Error"), "The store could not write; nothing was stored; retry"),
}
_NO_CONTENT = {"204": {"description": "Stored durably"}}


def _op(summary: str, responses: dict[str, Any], *, body: str | None = None,
        params: list[dict[str, Any]] | None = None, tag: str = "events") -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": {**responses, **_ERRORS},
                          "security": [{"bearer": []}]}
    if body:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": _ref(body)}}}
    if params:
        op["parameters"] = params
    return op


def _param(name: str, where: str = "query", schema: dict[str, Any] | None = None,
           description: str = "", required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path",
            "schema": schema or {"type": "string"}, "description": description}


_STR, _INT, _BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
_NEW_PROPERTIES: dict[str, Any] = {"type": "array", "items": {
    "type": "object", "properties": {"name": _STR, "label": _STR, "type": {
        "enum": list(NEW_PROPERTY_TYPES)}}}}
_EVENT = _param("eventName", "path", description="Internal name or fullyQualifiedName")
_PROPERTY = _param("propertyName", "path")
_OBJECT_TYPE = _param("objectType", "path", description="contacts, companies, deals or tickets")

_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["status", "message", "correlationId", "category"],
              "properties": {"status": _STR, "message": _STR, "correlationId": _STR,
                             "category": _STR, "errors": {"type": "array", "items": {
                                 "type": "object", "properties": {
                                     "message": _STR, "in": _STR, "code": _STR}}}}},
    "Option": {"type": "object", "required": ["label", "value"],
               "properties": {"label": _STR, "value": _STR, "displayOrder": _INT,
                              "description": _STR, "hidden": _BOOL}},
    "PropertyCreate": {"type": "object", "required": ["label", "type"], "properties": {
        "name": _STR, "label": _STR, "description": _STR, "options": {
            "type": "array", "items": _ref("Option")},
        "type": {"enum": list(PROPERTY_TYPES)}}},
    "PropertyUpdate": {"type": "object", "properties": {
        "label": _STR, "description": _STR, "options": {"type": "array", "items": _ref("Option")}}},
    "Property": {"type": "object", "properties": {
        "name": _STR, "label": _STR, "description": _STR, "type": _STR, "fieldType": _STR,
        "groupName": _STR, "options": {"type": "array", "items": _ref("Option")},
        "hubspotDefined": _BOOL}},
    "DefinitionCreate": {"type": "object", "required": ["label"], "properties": {
        "label": _STR, "name": _STR, "description": _STR,
        "primaryObject": {"enum": ["CONTACT", "COMPANY", "DEAL", "TICKET"]},
        "includeDefaultProperties": _BOOL,
        "propertyDefinitions": {"type": "array", "items": _ref("PropertyCreate")},
        "customMatchingId": {"type": "object", "properties": {"primaryObjectRule": {
            "type": "object", "properties": {"targetObjectPropertyName": _STR,
                                             "eventPropertyName": _STR}}}}}},
    "DefinitionUpdate": {"type": "object", "properties": {"label": _STR, "description": _STR}},
    "Definition": {"type": "object", "properties": {
        "id": _STR, "name": _STR, "fullyQualifiedName": _STR, "label": _STR,
        "description": _STR, "primaryObject": _STR, "objectTypeId": _STR, "trackingType": _STR,
        "properties": {"type": "array", "items": _ref("Property")},
        "createdAt": _STR, "updatedAt": _STR, "archived": _BOOL}},
    "DefinitionPage": {"type": "object", "properties": {
        "total": _INT, "results": {"type": "array", "items": _ref("Definition")},
        "paging": _ref("Paging")}},
    "Paging": {"type": "object", "required": ["next"], "properties": {
        "next": {"type": "object", "properties": {"after": _STR, "link": _STR}},
        "prev": {"type": "object", "description": "Completions only, past the first page",
                 "properties": {"before": _STR, "link": _STR}}}},
    "SendInput": {"type": "object", "required": ["eventName"], "properties": {
        "eventName": _STR, "objectId": {"type": ["string", "integer"]}, "email": _STR,
        "utk": _STR, "occurredAt": {"type": ["string", "integer"],
                                    "description": "ISO 8601 or epoch milliseconds"},
        "uuid": {"type": "string", "format": "uuid",
                 "description": "Idempotency key, unique within the event: a uuid repeated"
                                " for the same event is stored once"},
        "properties": {"type": "object", "additionalProperties": {
            "type": ["string", "number", "boolean"]}}}},
    "SendBatch": {"type": "object", "required": ["inputs"], "properties": {"inputs": {
        "type": "array", "maxItems": 500, "items": _ref("SendInput")}}},
    "Completion": {"type": "object", "properties": {
        "objectType": _STR, "objectId": _STR, "eventType": _STR, "occurredAt": _STR,
        "id": _STR, "properties": {"type": "object", "additionalProperties": _STR}}},
    "CompletionPage": {"type": "object", "properties": {
        "results": {"type": "array", "items": _ref("Completion")}, "paging": _ref("Paging")}},
    "CrmObjectCreate": {"type": "object", "required": ["properties"], "properties": {
        "properties": {"type": "object", "additionalProperties": {"type": ["string", "number"]}}}},
    "ImportUpload": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": ".csv, .xlsx or .xls"},
        "eventName": {"type": "string", "description": "The existing event every row completes"
                      " (give this or createEvent)"},
        "createEvent": {"type": "string", "description": "Instead of eventName: the label of a"
                        " new contact event with one property per column not mapped to the"
                        " contact, typed from the first rows (a dry run only shows it)"},
        "dryRun": {"enum": ["true", "false"]},
        "dateFormat": {"type": "string", "description": FORMATS_HELP},
        "mapping": {"type": "string", "description": "JSON object column → target: "
                    + TARGETS_HELP}}},
    "ImportJob": {"type": "object", "properties": {
        "id": _STR, "state": {"enum": ["running", "checked", "committed", "failed", "cancelled",
                                       "abandoned"]},
        "dryRun": _BOOL, "fileName": _STR, "eventName": _STR, "rows": _INT,
        "processedRows": _INT, "validRows": _INT, "rejectedRows": _INT, "problems": _INT,
        "completionsInserted": _INT, "contactsCreated": _INT, "contactsUpdated": _INT,
        "mapping": {"type": "object", "additionalProperties": _STR}, "message": _STR,
        "createdEvent": _ref("Definition"),
        "createdProperties": {**_NEW_PROPERTIES, "description": "The properties the import"
                              " adds (a dry run: would add) to its event, from the mapping's"
                              " new-event-property targets"}}},
    "MappingProposal": {"type": "object", "properties": {
        "fileName": _STR, "fileType": _STR, "rows": _INT,
        "headers": {"type": "array", "items": _STR},
        "mapping": {"type": "object", "additionalProperties": _STR},
        "proposedEvent": {**_ref("DefinitionCreate"), "description": "With createEvent: the body"
                          " of the event the import would create"},
        "proposedProperties": {**_NEW_PROPERTIES, "description": "With eventName and a mapping"
                               " with new-event-property targets: the properties the import"
                               " would add"}}},
    "CrmObject": {"type": "object", "properties": {
        "id": _STR, "properties": {"type": "object"}, "createdAt": _STR, "updatedAt": _STR,
        "archived": _BOOL, "propertiesWithHistory": {
            "type": "object", "description": "With propertiesWithHistory: no history is kept,"
            " the one entry is the current value as of the record's last change"}}},
}

_RETRIEVAL_PARAMS = [
    _param("eventType", description="fullyQualifiedName, e.g. pe123_my_event"),
    _param("objectType", description="contact(s), company/companies, deal(s), ticket(s)"),
    _param("objectId", schema=_INT),
    _param("objectProperty.{name}", description="e.g. objectProperty.email=ann@example.com;"
           " several must all hold"),
    _param("property.{name}", description="equality on an event property; spaces as %20 or +;"
           " repeated, any of the values (at most 100 property and objectProperty filters)"),
    _param("occurredAfter", description="ISO 8601 or epoch ms, exclusive"),
    _param("occurredBefore", description="ISO 8601 or epoch ms, exclusive"),
    _param("id", description="completion ids, repeated or comma-separated (any of them)"),
    _param("sort", description="-occurredAt (or DESCENDING) for newest first; the default,"
           " occurredAt (or ASCENDING), is oldest first",
           schema={"enum": ["occurredAt", "-occurredAt", "ASCENDING", "DESCENDING"]}),
    _param("limit", schema={"type": "integer", "minimum": 1, "maximum": 1000, "default": 20}),
    _param("after", description="cursor from paging.next.after"),
    _param("before", description="cursor from paging.prev.before: the page before it"),
    _param("properties", description="the properties to return, repeated or comma-separated"
           " (default: all)"),
    _param("indexTableName", description="HubSpot's; accepted and ignored"),
    _param("indexSpecificMetadata", description="HubSpot's; accepted and ignored"),
]


_LAUNCH = {"type": "object", "required": ["url"], "additionalProperties": False, "properties": {
    "url": {"type": "string", "description": "A page on one of the portal's allowed domains"},
    "ttlSeconds": {"type": "integer", "minimum": 60, "maximum": 28800, "default": 3600}}}
_LAUNCHED = {"type": "object", "properties": {
    "token": _STR, "launchUrl": _STR, "portalId": _INT, "origin": _STR, "expiresAt": _INT}}
_HEALTH = {"type": "object", "properties": {"results": {"type": "array", "items": {
    "type": "object", "properties": {
        "name": _STR, "fullyQualifiedName": _STR, "label": _STR, "trackingType": _STR,
        "selector": {"type": ["string", "null"]}, "rule": {"type": ["object", "null"]},
        "fired": _INT, "lastFiredAt": {"type": ["string", "null"]},
        "missingOn": {"type": "array", "items": {"type": "object"}}, "broken": _BOOL,
        "brokenOn": {"type": "array", "items": _STR}}}}}}
_VISUALIZER_PATHS: dict[str, Any] = {
    "/footfall/v1/visualizer/tokens": {"post": {**_op(
        "Issue a visualizer token and launch URL (short-lived, one portal, one site)",
        {"201": _json(_LAUNCHED)}, tag="visualizer"),
        "requestBody": {"required": True, "content": {"application/json": {"schema": _LAUNCH}}}}},
    "/footfall/v1/visualizer/health": {"get": _op(
        "Selector health of clicked-element and visited-URL definitions",
        {"200": _json(_HEALTH)}, tag="visualizer")},
}


# Changes are re-applied when another writer saved the definition first; one that keeps
# losing (many collectors changing it at once) is refused (collector.definition_ops).
_RACED = {"409": _json(_ref("Error"), "The definition kept changing meanwhile; retry")}


def openapi_document() -> dict[str, Any]:
    document = _document()
    paths = document["paths"]
    for path, item in list(paths.items()):
        for dated in dated_paths(path):
            paths[dated] = item
    return document


def _document() -> dict[str, Any]:
    base = "/events/v3/event-definitions"
    return {
        "openapi": "3.1.0",
        "info": {"title": "Footfall events API", "version": __version__,
                 "description": "Wire-compatible with HubSpot's custom behavioral events v3 API"
                                f" and its date-versioned paths ({', '.join(DATE_VERSIONS)})."},
        "components": {"schemas": _SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "visualizerToken": VISUALIZER_TOKEN}},
        "paths": {
            base: {
                "post": _op("Create an event definition", {"201": _json(_ref("Definition")),
                            "409": _json(_ref("Error"), "Name taken")}, body="DefinitionCreate"),
                "get": _op("List event definitions", {"200": _json(_ref("DefinitionPage"))},
                           params=[_param("after"), _param("limit", schema=_INT),
                                   _param("searchString"), _param("archived", schema=_BOOL),
                                   _param("sortOrder", schema={"enum": ["ASC", "DESC"]},
                                          description="by creation; ASC by default"),
                                   _param("includeProperties", schema=_BOOL,
                                          description="HubSpot's; properties always come")]),
            },
            base + "/{eventName}": {
                "get": _op("Read an event definition", {"200": _json(_ref("Definition"))},
                           params=[_EVENT]),
                "patch": _op("Change label or description", {"200": _json(_ref("Definition")),
                                                                       **_RACED},
                             body="DefinitionUpdate", params=[_EVENT]),
                "delete": _op("Archive an event definition", {"204": {"description": "Archived"},
                                                              **_RACED}, params=[_EVENT]),
            },
            base + "/{eventName}/property": {
                "post": _op("Add a custom property", {"201": _json(_ref("Property")), "409": _json(
                    _ref("Error"), "Name taken, or the definition kept changing meanwhile")},
                            body="PropertyCreate", params=[_EVENT]),
            },
            base + "/{eventName}/property/{propertyName}": {
                "patch": _op("Change a custom property", {"200": _json(_ref("Property")),
                                                            **_RACED},
                             body="PropertyUpdate", params=[_EVENT, _PROPERTY]),
                "delete": _op("Delete a custom property", {"204": {"description": "Deleted"},
                                                           **_RACED}, params=[_EVENT, _PROPERTY]),
            },
            "/events/v3/send": {"post": _op("Send one completion", {
                **_NO_CONTENT, "429": _json(_ref("Error"), "Monthly quota reached")},
                body="SendInput")},
            "/events/v3/send/batch": {"post": _op("Send up to 500 completions (all or none)", {
                **_NO_CONTENT, "429": _json(_ref("Error"), "Monthly quota reached")},
                body="SendBatch")},
            "/events/v3/events": {"get": _op("Retrieve completions", {
                "200": _json(_ref("CompletionPage"))}, params=_RETRIEVAL_PARAMS)},
            "/events/v3/events/event-types": {"get": _op("List event types", {"200": _json(
                {"type": "object", "properties": {"eventTypes": {"type": "array",
                                                                 "items": _STR}}})})},
            "/events/v3/limits": {"get": _op("The published limits", {"200": _json(
                {"type": "object"})})},
            **_VISUALIZER_PATHS,
            "/openapi.json": {"get": {"summary": "This document", "tags": ["meta"], "security": [],
                                      "responses": {"200": _json({"type": "object"})}}},
            "/healthz": {"get": {"summary": "Health check: the database answers a read",
                                 "tags": ["meta"], "security": [],
                                 "responses": {"200": _json({"type": "object", "properties": {
                                     "status": _STR}}), "503": _json({"type": "object",
                                     "properties": {"status": _STR}},
                                     "The database does not answer")}}},
            "/crm/v3/objects/{objectType}": {"post": _op(
                "Create a CRM record", {"201": _json(_ref("CrmObject")), "409": _json(
                    _ref("Error"), "A contact with this email exists; the message is"
                    " HubSpot's, \"Contact already exists. Existing ID: <id>\"")},
                body="CrmObjectCreate", params=[_OBJECT_TYPE], tag="crm")},
            "/crm/v3/objects/{objectType}/{objectId}": {"get": _op(
                "Read a CRM record", {"200": _json(_ref("CrmObject"))}, tag="crm",
                params=[_OBJECT_TYPE, _param("objectId", "path", description=(
                            "A contact id merged away by an identify reads as the contact it"
                            " was merged into (its own id; hs_merged_object_ids lists the"
                            " merged ids, ';'-separated)")),
                        _param("idProperty", description="e.g. email"),
                        _param("properties", description="HubSpot's; every property comes"),
                        _param("archived", schema=_BOOL,
                               description="HubSpot's; records here are never archived"),
                        _param("propertiesWithHistory", description="names, comma-separated"
                               " or repeated"),
                        _param("associations", description="accepted as HubSpot's clients"
                               " send it; records here have no associations")])},
            **_import_paths(),
            **analytics_paths(_op, _param, _json, "/footfall/v1/analytics"),
            **tracking_paths(_op, _param, _json),
        },
    }


def _import_paths() -> dict[str, Any]:
    base = "/footfall/v1/imports"
    job = _param("jobId", "path")
    upload = {"required": True, "content": {"multipart/form-data": {"schema": _ref("ImportUpload")}}}
    start = _op("Start a spreadsheet import (or a dry run)", {
        "202": _json(_ref("ImportJob"), "Started; poll the job")}, tag="imports")
    mapping = _op("Propose a column mapping from a file's headers", {
        "200": _json(_ref("MappingProposal"))}, tag="imports")
    start["requestBody"] = mapping["requestBody"] = upload
    return {
        base: {"post": start},
        base + "/mapping": {"post": mapping},
        base + "/{jobId}": {
            "get": _op("Import job status and counts", {"200": _json(_ref("ImportJob")),
                       "404": _json(_ref("Error"), "No such import")}, params=[job],
                       tag="imports"),
            "delete": _op("Cancel a running import (nothing of it is stored)", {
                "202": _json(_ref("ImportJob"), "Cancelling"),
                "409": _json(_ref("Error"), "The import has already ended")},
                params=[job], tag="imports")},
        base + "/{jobId}/errors": {"get": _op("Download the error report (CSV: row, column,"
                                              " value, reason)", {"200": {
            "description": "The report", "content": {"text/csv": {"schema": _STR}}}},
            params=[job], tag="imports")},
    }
