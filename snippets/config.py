"""The JSON config slots: what the tracker and the debug script know about a portal."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from collector.autotrack.definitions import tracker_rules
from collector.jsapi.portal_settings import TrackingSettings
from collector.limits import URL_PROPERTIES, Limits
from collector.model import EventDefinition
from collector.properties import ASSET_TYPES, CUSTOM_EVENT_ASSET, STANDARD_PROPERTIES
from snippets.escape import js_literal


def saved_code(definitions: Iterable[EventDefinition]) -> list[tuple[EventDefinition, str]]:
    """Owners' saved code of active events with its event, in definition order."""
    return [(d, d.tracking["code"]) for d in definitions
            if not d.archived and isinstance(d.tracking.get("code"), str) and d.tracking["code"]]


def custom_code(definitions: Iterable[EventDefinition]) -> list[str]:
    """Owners' saved code of active events, in definition order, as the bodies the tracker
    runs (``Function(body)()``, swallowing what it throws): each keeps what its code throws
    at load in ``window._ffx`` as ``[event, error]`` for debug mode to report
    (snippets/static/debug.js), which cannot see it otherwise."""
    return [_errors_kept(d.fully_qualified_name, code) for d, code in saved_code(definitions)]


# A leading 'use strict' statement: ended by ';', or (automatic semicolon insertion) by the
# end of its line (a // comment may come first) or of the code; "'use strict'.length" is no
# directive.
_DIRECTIVE = re.compile(r"""\s*(["'])use strict\1[ \t]*(?:;|(?=[\r\n\u2028\u2029]|//|\Z))""")


def _errors_kept(event: str, code: str) -> str:
    """``code`` inside a try whose catch keeps the error; a leading 'use strict' directive
    stays first (inside the block it would be a plain string), always ended by ``;`` (written
    without one, it ended at its line break, and ``'use strict'try{`` does not compile). The
    code's own text is left as it is: a syntax error in it still fails the whole body, which
    the tracker swallows and debug mode reports by compiling the saved code itself."""
    found = _DIRECTIVE.match(code)
    head = found.group(0) if found else ""
    end = "" if head.endswith(";") or not head else ";"
    return (f"{head}{end}try{{\n{code[len(head):]}\n}}catch(_ffe){{"
            f"(window._ffx=window._ffx||[]).push([{js_literal(event)},_ffe])}}")


def tracker_config(portal_id: int, tracking: TrackingSettings, collect_path: str,
                   debug_path: str, definitions: Iterable[EventDefinition]) -> dict[str, Any]:
    """Keys are documented at the top of ``snippets/static/tracker.js``."""
    # h: where a page URL's tracked part ends. "#" leaves the hash out; with hash routing a
    # space, which no serialized URL holds, keeps the whole URL.
    config: dict[str, Any] = {"a": portal_id, "u": collect_path, "d": debug_path,
                              "h": " " if tracking.hash_routing else "#",
                              "x": custom_code(definitions)}
    if tracking.cookieless:
        config["k"] = 1
    return config


def consent_config(tracking: TrackingSettings) -> dict[str, Any] | None:
    """The consent module's config (keys at the top of ``snippets/static/consent.js``), or
    None when the portal has no consent mode (the module is not served)."""
    mode = tracking.consent_mode
    return None if mode == "none" else {"r": int(mode == "required")}


def debug_config(portal_id: int, definitions: Iterable[EventDefinition],
                 limits: Limits, allow_headless: bool = False,
                 tracking: TrackingSettings | None = None) -> dict[str, Any]:
    """Keys are documented at the top of ``snippets/static/debug.js``."""
    definitions = list(definitions)
    events = {}
    for d in definitions:
        props = {p.name: {"type": p.type, "options": [o.value for o in p.options]}
                 for p in d.all_properties}
        # Keyed by internal name: the debug script resolves names as the collector does.
        events[d.name] = {"archived": d.archived, "object": d.primary_object,
                          "properties": props}
    code = [{"event": d.fully_qualified_name, "code": text}
            for d, text in saved_code(definitions)]
    return {"portal": portal_id, "events": events, "code": code, "allowHeadless": allow_headless,
            "consent": tracking.consent_mode if tracking else "none",
            "assetTypes": {"names": list(ASSET_TYPES),
                           "pattern": "^" + CUSTOM_EVENT_ASSET.pattern.removesuffix(r"\Z") + "$"},
            "cookieless": bool(tracking and tracking.cookieless),
            "standard": sorted(STANDARD_PROPERTIES),
            "limits": {"value": limits.value_length, "url": limits.url_value_length,
                       "urlProperties": sorted(URL_PROPERTIES),
                       "properties": limits.properties_per_completion}}


def autotrack_config(portal_id: int, overlay_path: str, misses_path: str,
                     definitions: Iterable[EventDefinition]) -> dict[str, Any]:
    """Keys are documented at the top of ``snippets/static/autotrack.js``."""
    return {"a": portal_id, "o": overlay_path, "m": misses_path, **tracker_rules(definitions)}
