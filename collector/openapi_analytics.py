"""The analytics API's part of the OpenAPI document (``/footfall/v1/analytics/...``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Op = Callable[..., dict[str, Any]]
Param = Callable[..., dict[str, Any]]

_STR, _INT, _BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
_DATE = {"type": "string", "format": "date"}
_NULL_DATE = {"type": ["string", "null"], "format": "date"}
_SAMPLE = {"type": ["object", "null"], "description": (
    "Set when property values were read from the most recent `window` completions of the"
    " period only (setting analytics_window): those since `since`."),
    "properties": {"window": _INT, "since": _STR}}
_HEAD = {"eventName": _STR, "fullyQualifiedName": _STR, "timeZone": {"const": "UTC"},
         "interval": {"enum": ["day", "week", "month"]}, "from": _DATE, "to": _DATE,
         "filters": {"type": "object", "additionalProperties": _STR}}
_COMPLETION = {"type": "object", "properties": {
    "id": _STR, "eventName": _STR, "objectType": _STR, "objectId": _STR, "occurredAt": _STR,
    "receivedAt": _STR, "source": {"enum": ["JS", "HTTP", "IMPORT"]},
    "properties": {"type": "object", "additionalProperties": _STR},
    "adjustments": {"type": "array", "description": "What the JS path changed (truncations,"
                    " dropped properties)", "items": {"type": "object", "properties": {
                        "field": _STR, "action": _STR, "message": _STR}}}}}
_PAGING = {"type": "object", "properties": {"next": {"type": "object", "properties": {
    "after": _STR, "link": _STR}}}}
_CONTACT_FIELDS: dict[str, Any] = {
    "id": _STR, "email": {"type": ["string", "null"]}, "properties": {"type": "object"},
    "createdAt": _STR, "completions": _INT, "lastCompletionAt": {"type": ["string", "null"]}}
_CONTACT = {"type": "object", "properties": _CONTACT_FIELDS}


def _obj(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def analytics_paths(op: Op, param: Param, json: Callable[..., dict[str, Any]],
                    base: str) -> dict[str, Any]:
    """Paths of the analytics API, built with openapi.py's helpers."""
    event = param("eventName", "path", description="Internal name or fullyQualifiedName;"
                  " e_visited_page for page views")
    period = [
        param("interval", schema={"enum": ["day", "week", "month"], "default": "day"},
              description="Bucket size; UTC days, ISO weeks (Monday), calendar months"),
        param("from", schema=_DATE, description="First day (UTC, included); default: 30"
              " days, 12 weeks or 12 months back. Widened to whole buckets"),
        param("to", schema=_DATE, description="Last day (UTC, included); default: today"),
        param("filter[{property}]", description="Only completions whose property has this"
              " value (equality; up to 5 filters, AND-ed; read from the sample window)"),
    ]
    page = [param("limit", schema={"type": "integer", "minimum": 1, "maximum": 200}),
            param("after", description="cursor from paging.next.after")]
    tag = "analytics"
    return {
        base + "/events/summary": {"get": op(
            "Completions per event in the last days (all events of the portal)", {
                "200": json(_obj({
                    "timeZone": _STR, "from": _DATE, "to": _DATE,
                    "results": {"type": "array", "items": _obj({
                        "name": _STR, "fullyQualifiedName": _STR, "label": _STR,
                        "trackingType": _STR, "archived": _BOOL, "completions": _INT,
                        "adjusted": _INT, "failed": _INT, "total": _INT,
                        "lastCompletedOn": _NULL_DATE,
                        "selectorBroken": {"type": ["boolean", "null"]}})},
                    "unknownEvents": {"type": "array", "items": _obj({
                        "eventName": _STR, "failed": _INT})}}))},
            params=[param("days", schema={"type": "integer", "minimum": 1, "maximum": 366,
                                          "default": 30})], tag=tag)},
        base + "/events/{eventName}/series": {"get": op(
            "Completions over time (one bucket per day, week or month)", {
                "200": json(_obj({**_HEAD, "completions": _INT, "sample": _SAMPLE,
                                  "buckets": {"type": "array", "items": _obj({
                                      "start": _DATE, "end": _DATE,
                                      "completions": {"type": ["integer", "null"],
                                                      "description": "null: before the"
                                                      " sample window"},
                                      "partial": _BOOL})}})),
                "404": json({"$ref": "#/components/schemas/Error"}, "No such event")},
            params=[event, *period], tag=tag)},
        base + "/events/{eventName}/summary": {"get": op(
            "Completions, unique records, adjusted completions and failed hits in a period", {
                "200": json(_obj({**_HEAD, "completions": _INT, "uniqueRecords": _INT,
                                  "adjusted": _INT, "failed": _INT, "sample": _SAMPLE})),
                "404": json({"$ref": "#/components/schemas/Error"}, "No such event")},
            params=[event, *period], tag=tag)},
        base + "/events/{eventName}/breakdown": {"get": op(
            "Top values of a property, with the rest as other", {
                "200": json(_obj({**_HEAD, "property": _STR, "other": _INT, "matched": _INT,
                                  "distinctValues": _INT, "sample": _SAMPLE,
                                  "values": {"type": "array", "items": _obj({
                                      "value": {"type": ["string", "null"]},
                                      "count": _INT})}})),
                "404": json({"$ref": "#/components/schemas/Error"}, "No such event")},
            params=[event, *period, param("property", required=True),
                    param("top", schema={"type": "integer", "minimum": 1, "maximum": 100,
                                         "default": 10})], tag=tag)},
        base + "/events/{eventName}/completions": {"get": op(
            "Latest completions with their properties, adjustments and source", {
                "200": json(_obj({**_HEAD, "results": {"type": "array", "items": _COMPLETION},
                                  "paging": _PAGING})),
                "404": json({"$ref": "#/components/schemas/Error"}, "No such event")},
            params=[event, *period, *page], tag=tag)},
        base + "/contacts": {"get": op(
            "Find contacts by email (or id); without search, the recently active ones", {
                "200": json(_obj({"results": {"type": "array", "items": _CONTACT}}))},
            params=[param("search", description="Part of an email address, or a contact id"),
                    page[0]], tag=tag)},
        base + "/contacts/{contactId}/timeline": {"get": op(
            "A contact's completions, newest first", {
                "200": json(_obj({"contact": _obj({**_CONTACT_FIELDS, "events": {
                    "type": "object", "additionalProperties": _INT}}),
                    "results": {"type": "array", "items": _COMPLETION},
                    "paging": _PAGING})),
                "404": json({"$ref": "#/components/schemas/Error"}, "No such contact")},
            params=[param("contactId", "path", description="A merged-away id answers with"
                          " the contact it was merged into (contact.id is that contact's)"),
                    param("event", description="Only this event (internal or fully"
                          " qualified name)"), *page], tag=tag)},
    }
