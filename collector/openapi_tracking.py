"""The JS path's part of the OpenAPI document: the tracking script, the collect endpoint,
tracking settings, snippets and the visualizer overlay's calls. Paths are the defaults of
the settings that move them (``FOOTFALL_SCRIPT_PREFIX``, ``FOOTFALL_SCRIPT_NAME``,
``FOOTFALL_COLLECT_PATH``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Op = Callable[..., dict[str, Any]]
Param = Callable[..., dict[str, Any]]
Json = Callable[..., dict[str, Any]]

_STR, _INT, _BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
_SETTINGS = {"type": "object", "properties": {
    "allowedDomains": {"type": "array", "items": _STR,
                       "description": "Hits from other sites are dropped and counted"},
    "cookieless": {**_BOOL, "description": "No visitor cookie and no identify"},
    "respectDoNotTrack": {**_BOOL, "description": "Drop hits sent with DNT or Sec-GPC"},
    "hashRouting": {**_BOOL, "description": "Hash changes are page views"},
    "consent": {"type": "string", "enum": ["none", "api", "required"],
                "description": "Consent-based identity: none; api (HubSpot's consent API"
                               " answered, a visitor who declines goes cookieless); required"
                               " (cookieless until the visitor consents)"}}}
_SNIPPET = {"type": "object", "properties": {
    "eventName": _STR, "snippet": {**_STR, "description": "JavaScript for a <script> element"},
    "code": {"type": ["string", "null"], "description": "Saved code, run by the tracking code"},
    "trackingCode": {**_STR, "description": "The <script> tag of the portal's tracking code"}}}
_AUTO = {"type": "object", "description": "A clicked-element or visited-URL definition"}
_JS = {"description": "JavaScript", "content": {"application/javascript": {"schema": _STR}}}
_HIT_BODY = {"required": True, "content": {"text/plain": {"schema": {
    "type": "string", "description": "JSON, as collector/jsapi/hits.py describes it"}}}}
_PUBLIC: dict[str, Any] = {"security": []}
_OVERLAY: dict[str, Any] = {"security": [{"visualizerToken": []}]}
VISUALIZER_TOKEN = {"type": "apiKey", "in": "header", "name": "X-Footfall-Visualizer",
                    "description": "The short-lived token of a visualizer launch"}


def tracking_paths(op: Op, param: Param, json: Json) -> dict[str, Any]:
    """The paths, built with openapi.py's helpers."""
    portal = param("portalId", "path", schema=_INT)
    event = param("eventName", "path")
    tracking = "/footfall/v1/tracking"
    return {
        "/js/{portalId}.js": {"get": _public(
            "The portal's tracking code (ETag, gzip/brotli)", {"200": _JS}, [portal])},
        "/js/footfall-debug/{portalId}.js": {"get": _public(
            "The debug script (loaded by the tracking code in debug mode)", {"200": _JS},
            [portal])},
        "/js/footfall-visualizer/{portalId}.js": {"get": _public(
            "The visualizer overlay (only with a valid token in ?t=)", {"200": _JS},
            [portal, param("t", required=True)])},
        "/collect": {"post": {**_public(
            "Hits from the tracking code (CORS, no credentials; never refused for size)",
            {"204": {"description": "Stored durably (or dropped and counted)"},
             "404": {"description": "No such portal"},
             "503": {"description": "Not stored; the tracker keeps the hits and retries"}}),
            "requestBody": _HIT_BODY}},
        "/collect/misses": {"post": {**_public(
            "Selectors the tracker found no element for (selector health)",
            {"204": {"description": "Recorded"}}), "requestBody": _HIT_BODY}},
        tracking + "/settings": {
            "get": op("The portal's tracking settings", {"200": json(_SETTINGS)}, tag="tracking"),
            "patch": {**op("Change tracking settings (every invalid field is named)",
                           {"200": json(_SETTINGS)}, tag="tracking"),
                      "requestBody": {"required": True, "content": {
                          "application/json": {"schema": _SETTINGS}}}}},
        tracking + "/failed-events": {"get": op(
            "Hits of unknown or archived events, with the reason", {"200": json({
                "type": "object", "properties": {
                    "results": {"type": "array", "items": {"type": "object"}},
                    "paging": {"type": "object"}}})}, tag="tracking",
            params=[param("limit", schema=_INT), param("before", schema=_INT)])},
        tracking + "/counters": {"get": op(
            "Hits dropped and counted (bots, other sites, Do Not Track, failed)",
            {"200": json({"type": "object", "properties": {"counters": {
                "type": "object", "additionalProperties": _INT}}})}, tag="tracking")},
        "/footfall/v1/event-definitions/{eventName}/snippet": {
            "get": op("The event's ready-to-paste snippet and the tracking code",
                      {"200": json(_SNIPPET)}, tag="tracking", params=[event]),
            "put": {**op("Save edited code for the event (runs in the tracking code)",
                         {"200": json(_SNIPPET)}, tag="tracking", params=[event]),
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"type": "object", "properties": {
                            "code": {"type": ["string", "null"]}}}}}}}},
        **_overlay_paths(op, param, json, event),
    }


def _public(summary: str, responses: dict[str, Any],
            params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"summary": summary, "tags": ["tracking"], **_PUBLIC, "responses": responses,
            **({"parameters": params} if params else {})}


def _overlay_paths(op: Op, param: Param, json: Json, event: dict[str, Any]) -> dict[str, Any]:
    """The overlay's own calls, authorized by its visualizer token, not a portal token."""
    base = "/footfall/v1/visualizer/definitions"
    listed = json({"type": "object", "properties": {
        "results": {"type": "array", "items": _AUTO}}})
    body = {"required": True, "content": {"application/json": {"schema": _AUTO}}}
    return {
        base: {
            "get": {**op("The portal's clicked-element and visited-URL definitions",
                         {"200": listed}, tag="visualizer"), **_OVERLAY},
            "post": {**op("Save a definition picked on the page", {"201": json(_AUTO)},
                          tag="visualizer"), **_OVERLAY, "requestBody": body}},
        base + "/{eventName}": {
            "patch": {**op("Change a definition", {"200": json(_AUTO)}, tag="visualizer",
                           params=[event]), **_OVERLAY, "requestBody": body},
            "delete": {**op("Archive a definition", {"204": {"description": "Archived"}},
                            tag="visualizer", params=[event]), **_OVERLAY}},
    }
