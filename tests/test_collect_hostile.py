"""Anything a browser can send gets a 2xx or a 4xx from the collect endpoint, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.conftest import Api
from tests.jshits import hit, post_hits
from tests.strategies import json_values

_json = json_values(max_leaves=12)
_hit = st.fixed_dictionaries({}, optional={
    "i": st.text() | st.uuids().map(str), "n": st.text() | st.just("pe1_ev"), "t": _json,
    "u": st.text() | _json, "ti": _json, "r": st.text(), "l": _json, "sw": _json, "sh": _json,
    "p": st.dictionaries(st.text(), _json, max_size=8) | _json, "e": st.emails() | _json,
})
_envelope = st.fixed_dictionaries({"a": st.just(1) | _json}, optional={
    "k": st.text() | _json, "w": _json, "h": st.lists(_hit, max_size=4) | _json})

_SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_SLOW
@given(_envelope)
def test_any_envelope_is_never_a_server_error(api: Api, envelope: dict[str, Any]) -> None:
    response = api.client.post("/collect", content=json.dumps(envelope),
                               headers={"Content-Type": "text/plain"})
    assert response.status_code in (204, 400, 404), response.text


@_SLOW
@given(st.binary(max_size=200))
def test_any_bytes_are_never_a_server_error(client: TestClient, body: bytes) -> None:
    response = client.post("/collect", content=body, headers={"Content-Type": "text/plain"})
    assert response.status_code in (204, 400, 404)


def test_lone_surrogates_are_stored_readably(api: Api) -> None:
    api.define("odd", {"name": "note", "label": "Note", "type": "string"})
    body = json.dumps({"a": api.portal_id, "k": "a" * 32,
                       "h": [hit(api.fqn("odd"), p={"note": "x\ud800y", "N\udfffo": 1})]})
    response = api.client.post("/collect", content=body, headers={"Content-Type": "text/plain"})
    assert response.status_code == 204
    stored = api.events()["results"][0]
    assert stored["properties"]["note"] == "x\ufffdy"


def test_post_hits_helper_sends_as_the_tracker_does(api: Api) -> None:
    assert post_hits(api.client, api.portal_id, hit()).status_code == 204


@pytest.mark.parametrize("escaped", [False, True], ids=["plain", "with-escapes"])
def test_deeply_nested_values_are_dropped_and_the_hits_kept(api: Api, escaped: bool) -> None:
    """Nesting far past the JSON depth cap (the tracker's values are flat) is cut off, never
    a 5xx, and does not trouble the store's writer: the hits are kept, the cut recorded."""
    api.define("deep", {"name": "note", "label": "Note", "type": "string"})
    deep = "[" * 600 + "]" * 600
    title = "\\u00e9t\\u00e9" if escaped else "summer"
    known = hit(api.fqn("deep"), p={"note": "kept"})
    unknown = hit(api.fqn("never_defined"))
    body = json.dumps({"a": api.portal_id, "k": "a" * 32, "h": [known, unknown]})
    body = body.replace('"p": {"note": "kept"}', f'"ti": "{title}", "p": {{"note": "kept", "junk": {deep}}}')
    body = body.replace('"sw": 1280', f'"sw": 1280, "x": {deep}', 2)
    response = api.client.post("/collect", content=body, headers={"Content-Type": "text/plain"})
    assert response.status_code == 204, response.text
    stored = api.events()["results"]
    assert [r["properties"]["note"] for r in stored] == ["kept"]
    assert {"field": "body", "action": "DROPPED",
            "message": "values nested more than 32 levels deep were dropped"} \
        in stored[0]["adjustments"]
    failed = api.get("/footfall/v1/tracking/failed-events").json()["results"]
    assert [f["id"] for f in failed] == [unknown["i"]]
    # The writer lives on: the next hit is stored as ever.
    assert post_hits(api.client, api.portal_id, hit()).status_code == 204
    assert len(api.events()["results"]) == 2
