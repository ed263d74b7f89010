"""The audited escaping function and the snippets built with it, under hostile input.

Property-based: hostile labels, names, descriptions and option values never break out of a
comment, a string or an inline <script>, and every value round-trips exactly.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.jsapi.portal_settings import TrackingSettings
from collector.limits import Limits
from collector.model import EventDefinition
from collector.properties import PROPERTY_TYPES, Option, PropertyDef
from snippets import config, render
from snippets.escape import js_literal

HOSTILE = ["</script>", "</SCRIPT ", "<!--", "-->", "<script>", "\u2028", "\u2029", "*/", "/*",
           "\n", "\r", "'", '"', "\\", "`", "${x}", "&lt;", "]]>", "\ud800", "\x00", "😀"]
hostile_text = st.lists(st.sampled_from(HOSTILE) | st.text(max_size=5), max_size=6).map("".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=10)


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "script":
            self.scripts.append("")
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.scripts[-1] += data

    # A comment, declaration or processing instruction inside a script is script text too.
    def handle_comment(self, data: str) -> None:
        self.handle_data(data)

    def handle_decl(self, decl: str) -> None:
        self.handle_data(decl)

    def handle_pi(self, data: str) -> None:
        self.handle_data(data)


def _inline_scripts(body: str) -> list[str]:
    parser = _Scripts()
    parser.feed(f"<!doctype html><p>before</p><script>{body}</script><p>after</p>")
    parser.close()
    return parser.scripts


@given(json_values)
def test_literal_round_trips_and_hides_breakout_characters(value: object) -> None:
    text = js_literal(value)
    assert json.loads(text) == value
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029", "\n", "\r"}
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)
    assert json.loads(js_literal(value, indent=2)) == value


def _definition(label: str, names: list[str], options: list[str], kinds: list[str]) -> EventDefinition:
    props = tuple(
        PropertyDef(name, label, kind, label,
                    tuple(Option(o, o, i) for i, o in enumerate(options or ["x"]))
                    if kind == "enumeration" else ())
        for name, kind in zip(names, kinds, strict=False))
    return EventDefinition(portal_id=7, id=1, name="ev", label=label, description=label,
                           primary_object="CONTACT", tracking_type="MANUAL",
                           custom_properties=props, include_default_properties=True,
                           matching_rule=None, created_at=0, updated_at=0,
                           tracking={"code": label})


definitions = st.builds(_definition, hostile_text,
                        st.lists(hostile_text, min_size=1, max_size=4, unique=True),
                        st.lists(hostile_text.filter(bool), max_size=4, unique=True),
                        st.lists(st.sampled_from(PROPERTY_TYPES), min_size=4, max_size=4))


def _command(snippet: str) -> object:
    body = snippet.split("_hsq.push(", 1)[1]
    assert body.endswith(");\n")
    return json.loads(body[: -len(");\n")])


@given(definitions)
def test_event_snippet_cannot_break_out(definition: EventDefinition) -> None:
    snippet = render.event_snippet(definition)
    assert _inline_scripts(snippet) == [snippet]  # exactly the intended script, whole
    comments = [line for line in snippet.split("\n") if line.startswith("//")]
    code = [line for line in snippet.split("\n") if line and not line.startswith("//")]
    assert code[0] == "var _hsq = window._hsq = window._hsq || [];"
    assert not any(ch in snippet for ch in "\r\u2028\u2029<>")
    assert len(comments) == 2 + len(definition.custom_properties)
    command = _command(snippet)
    assert command == ["trackCustomBehavioralEvent", {
        "name": "pe7_ev",
        "properties": {p.name: render.example_value(p) for p in definition.custom_properties}}]


@given(definitions)
def test_event_code_template_cannot_break_out(definition: EventDefinition) -> None:
    """The code box's starting code (snippet inside a click listener): one whole script,
    comments holding only escaped strings, the command intact."""
    code = render.event_code_template(definition)
    assert _inline_scripts(code) == [code]
    assert not any(ch in code for ch in "\r\u2028\u2029<>")
    lines = code.split("\n")
    assert [line for line in lines if line.startswith("//")] == lines[:4]
    assert "document.addEventListener('click'," in lines[4]
    body = code.split("_hsq.push(", 1)[1].rsplit(");\n});", 1)[0]
    assert json.loads(body) == ["trackCustomBehavioralEvent", {
        "name": "pe7_ev",
        "properties": {p.name: render.example_value(p) for p in definition.custom_properties}}]


@given(definitions)
def test_tracking_script_config_round_trips(definition: EventDefinition) -> None:
    slot = config.tracker_config(7, TrackingSettings(), "/collect", "/d.js", [definition])
    script = render.tracking_script(slot)
    assert _inline_scripts(script) == [script]
    assert json.loads(script.rpartition("(window,document,")[2][: -len(");\n")]) == slot
    debug = render.debug_script(config.debug_config(7, [definition], Limits()))
    assert _inline_scripts(debug) == [debug]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@settings(max_examples=15, deadline=None)
@given(definitions)
def test_snippet_runs_in_javascript_with_values_intact(definition: EventDefinition) -> None:
    snippet = render.event_snippet(definition)
    program = "var window = {};\n" + snippet + "\nprocess.stdout.write(JSON.stringify(window._hsq));"
    result = subprocess.run(["node", "-e", program], capture_output=True, check=False)
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout) == [_command(snippet)]
