"""Anything a browser can send gets a 2xx or a 4xx from the collect endpoint, never a 500."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.conftest import Api
from tests.jshits import hit, post_hits

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=12,
)
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
