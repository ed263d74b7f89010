"""Rendering: the tracking script, the debug script, the script tag and per-event snippets."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2
import rjsmin

from collector.model import EventDefinition
from collector.properties import PropertyDef
from snippets.escape import js_literal
from visualizer.bundle import autotrack_core

_js_env = jinja2.Environment(loader=jinja2.PackageLoader("snippets", "templates"),
                             autoescape=False, undefined=jinja2.StrictUndefined,  # noqa: S701
                             keep_trailing_newline=True)
_js_env.filters["js"] = js_literal  # the only way data enters the JavaScript templates


def _js_indented(value: object, margin: int) -> str:
    """``js_literal`` pretty-printed, its lines after the first indented by ``margin``. Only
    json's own line breaks are indented: jinja's ``indent`` splits at every character
    ``str.splitlines`` breaks at (U+0085 too) and broke a string holding one."""
    return js_literal(value, 2).replace("\n", "\n" + " " * margin)


_js_env.filters["js_indented"] = _js_indented
_html_env = jinja2.Environment(loader=jinja2.PackageLoader("snippets", "templates"),
                               autoescape=True, undefined=jinja2.StrictUndefined)

_EXAMPLES: dict[str, object] = {"string": "text", "number": 0, "bool": True,
                                "datetime": "2025-01-31T12:00:00Z", "date": "2025-01-31"}


@lru_cache(maxsize=4)
def minified(name: str) -> str:
    """A static script (``tracker.js``, ``debug.js``) minified once per process."""
    source = resources.files("snippets").joinpath("static", name).read_text("utf-8")
    return str(rjsmin.jsmin(source)).rstrip(";\n ")


def tracking_script(config: dict[str, Any], consent: dict[str, Any] | None = None) -> str:
    """The core and its config slot; with ``consent`` (a consent mode's module config), the
    slot passes through the consent module, which may make the page cookieless."""
    return _js_env.get_template("tracking.js.j2").render(
        core=minified("tracker.js"), config=config, consent_config=consent,
        consent_core=minified("consent.js") if consent is not None else "")


def autotrack_script(config: dict[str, Any]) -> str:
    """The autotrack module (visualizer launch, clicked elements, visited URLs); served
    before the core so the launch token leaves the address bar before a page view."""
    return _js_env.get_template("autotrack.js.j2").render(core=autotrack_core(), config=config)


def debug_script(config: dict[str, Any]) -> str:
    return _js_env.get_template("debug.js.j2").render(core=minified("debug.js"), config=config)


def tracking_tag(src: str) -> str:
    return _html_env.get_template("tracking_tag.html.j2").render(src=src).strip()


def example_value(prop: PropertyDef) -> object:
    """A placeholder of the right JavaScript type for ``prop``."""
    if prop.type == "enumeration":
        return prop.options[0].value if prop.options else ""
    return _EXAMPLES[prop.type]


def _command(definition: EventDefinition) -> list[object]:
    return ["trackCustomBehavioralEvent", {
        "name": definition.fully_qualified_name,
        "properties": {p.name: example_value(p) for p in definition.custom_properties},
    }]


def event_snippet(definition: EventDefinition) -> str:
    """The ready-to-paste ``_hsq`` call with the event's custom properties as placeholders."""
    props = definition.custom_properties
    command = _command(definition)
    hints = [{"name": p.name, "type": p.type, "options": [o.value for o in p.options]}
             for p in props]
    return _js_env.get_template("event_snippet.js.j2").render(
        fqn=definition.fully_qualified_name, label=definition.label, hints=hints, command=command)


def event_code_template(definition: EventDefinition) -> str:
    """Where the event's code saved into the tracking code starts (the UI's code box): the
    snippet inside a click listener for elements marked ``data-footfall-event=<name>``, so
    that saving it unchanged does not count a completion on every page view."""
    return _js_env.get_template("event_code.js.j2").render(
        fqn=definition.fully_qualified_name, label=definition.label, name=definition.name,
        command=_command(definition))
