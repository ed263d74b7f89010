"""HubSpot's date-versioned paths for the v3 operations Footfall serves.

From March 2026 HubSpot names API versions by date (``/events/2026-03/send``,
``/events/event-occurrences/2026-09``, ``/crm/objects/2026-09/contacts``) and retires the
numbered paths in September 2027. Its dated event APIs are the v3 ones under new paths, so
client code written against either reaches the same endpoint here: every v3 route is also
served under each date version below, and documented there.
"""

from __future__ import annotations

# Released versions only: a client pinned to a version we have not checked gets a 404.
DATE_VERSIONS = ("2026-03", "2026-09")

# v3 prefix -> its dated forms ({v}: the version); Footfall's own /events/v3/limits has
# none. The send paths also take the form of HubSpot's published 2026-09 OpenAPI document
# (/events/v3/2026-09/send), which clients generated from it call. HubSpot's current
# reference names the custom-event paths under /events/custom/{v}/ (send, send/batch,
# event-definitions); its earlier pages, and clients built from them, use /events/{v}/.
_PREFIXES = (
    ("/events/v3/events", ("/events/event-occurrences/{v}",)),
    ("/events/v3/event-definitions", ("/events/{v}/event-definitions",
                                      "/events/custom/{v}/event-definitions")),
    ("/events/v3/send", ("/events/{v}/send", "/events/v3/{v}/send", "/events/custom/{v}/send")),
    ("/crm/v3/objects", ("/crm/objects/{v}",)),
)


def dated_paths(path: str) -> list[str]:
    """The dated equivalents of a v3 path (none for a path HubSpot did not version)."""
    for v3, forms in _PREFIXES:
        if path == v3 or path.startswith(v3 + "/"):
            rest = path[len(v3):]
            return [form.format(v=version) + rest for form in forms for version in DATE_VERSIONS]
    return []
