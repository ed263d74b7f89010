"""Text no store can hold (NUL, unpaired surrogates) never fails a JS hit: it is cleaned."""

from __future__ import annotations

import json

from tests.conftest import Api
from tests.jshits import CHROME, hit


def test_nul_and_lone_surrogates_are_cleaned_and_recorded(api: Api) -> None:
    api.define("x", {"name": "note", "label": "Note", "type": "string"})
    body = {"a": api.portal_id, "k": "a" * 32,
            "h": [hit(api.fqn("x"), p={"note": "a\u0000b\ud800c"}, ti="T\u0000itle")]}
    # json.dumps sends the escapes (\\u0000, \\ud800) as a browser's JSON.stringify does
    response = api.client.post("/collect", content=json.dumps(body),
                               headers={"Content-Type": "text/plain", "User-Agent": CHROME})
    assert response.status_code == 204, response.text
    [stored] = api.events()["results"]
    assert stored["properties"]["note"] == "ab\ufffdc"
    assert stored["properties"]["hs_page_title"] == "Title"
    assert [(a["field"], a["action"]) for a in stored["adjustments"]] == [("body", "CLEANED")]


def test_an_unknown_event_name_with_a_nul_goes_to_failed_events(api: Api) -> None:
    body = {"a": api.portal_id, "k": "a" * 32, "h": [hit(api.fqn("no\u0000pe"))]}
    response = api.client.post("/collect", content=json.dumps(body),
                               headers={"Content-Type": "text/plain", "User-Agent": CHROME})
    assert response.status_code == 204, response.text
    failed = api.get("/footfall/v1/tracking/failed-events").json()
    assert [f["eventName"] for f in failed["results"]] == [api.fqn("nope")]
