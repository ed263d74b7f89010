"""The tracking script carries clicked-element and visited-URL rules; the overlay script is
served only for a valid token; the tracker's "no match" reports feed selector health."""

from __future__ import annotations

import gzip
import json
import time
from typing import Any

from collector.autotrack.token import Grant, sign
from tests.conftest import Api, app_state
from tests.jshits import hit, post_hits
from tests.visual import SITE, button, launch

# gzip -9 bytes of the autotrack module (outside the core budget); 1,700 until URL rules
# learned HubSpot's base-URL and domain forms (31 bytes).
AUTOTRACK_BUDGET = 1750


def _auto_slot(api: Api) -> tuple[str, dict[str, Any]]:
    script = api.client.get(f"/js/{api.portal_id}.js").text
    first, second, *rest = script.split(";\n")
    assert rest == [""], "two lines: autotrack, then the core"
    module, _, slot = first.rpartition("(window,document,")
    assert second.rpartition("(window,document,")[2].startswith('{"a":')
    return module, json.loads(slot[:-1])


def test_script_carries_the_portal_rules(api: Api) -> None:
    session = launch(api)
    scope = {"operator": "CONTAINS", "on": "PATH", "value": "/pricing"}
    session.create(**button(scope=scope, capture={"text": False, "href": True}))
    rule = {"operator": "REGEX", "on": "PATH", "value": "^/docs/\\d+$"}
    session.create(label="Docs", name="docs", trackingType="VISITED_URL", rule=rule)
    _, slot = _auto_slot(api)
    assert slot == {"a": api.portal_id, "o": f"/js/footfall-visualizer/{api.portal_id}.js",
                    "m": "/collect/misses",
                    "c": [{"n": api.fqn("clicked_buy"), "s": "[data-track=buy]", "r": scope,
                           "g": "/", "t": 0, "h": 1}],
                    "v": [{"n": api.fqn("docs"), "r": rule}]}


def test_hostile_selectors_stay_inside_the_json_slot(api: Api) -> None:
    launch(api).create(**button(selector='a[title="</script><script>alert(1)//"]'))
    script = api.client.get(f"/js/{api.portal_id}.js").text
    assert "</script" not in script
    assert _auto_slot(api)[1]["c"][0]["s"] == 'a[title="</script><script>alert(1)//"]'


def test_autotrack_module_size(api: Api) -> None:
    module, _ = _auto_slot(api)
    size = len(gzip.compress(module.encode("utf-8"), 9))
    print(f"autotrack module: {len(module)} bytes minified, {size} gzip -9")
    assert size <= AUTOTRACK_BUDGET


def test_overlay_served_only_for_a_valid_token(api: Api, other: Api) -> None:
    session = launch(api)
    path = f"/js/footfall-visualizer/{api.portal_id}.js"
    good = api.client.get(path, params={"t": session.token}, headers={"Referer": SITE + "/"})
    assert good.status_code == 200
    assert good.headers["cache-control"] == "no-store"
    assert "footfallOverlay" in good.text
    secret: bytes = app_state(api.client).visualizer_secret
    expired = sign(secret, Grant(api.portal_id, SITE, int(time.time()) - 5))
    for params, headers, target in [
            ({"t": session.token + "x"}, {}, path), ({"t": expired}, {}, path), ({}, {}, path),
            ({"t": session.token}, {"Referer": "https://evil.example/"}, path),
            ({"t": session.token}, {}, f"/js/footfall-visualizer/{other.portal_id}.js")]:
        refused = api.client.get(target, params=params, headers=headers)
        assert refused.status_code == 401, (params, headers, target)
        assert "footfallOverlay" not in refused.text


def _miss(api: Api, url: str, *names: str) -> None:
    body = json.dumps({"a": api.portal_id, "u": url, "m": list(names)})
    response = api.client.post("/collect/misses", content=body,
                               headers={"Content-Type": "text/plain", "Origin": SITE})
    assert response.status_code == 204


def _health(api: Api) -> dict[str, Any]:
    response = api.get("/footfall/v1/visualizer/health")
    assert response.status_code == 200, response.text
    return {r["name"]: r for r in response.json()["results"]}


def test_selector_health_flags_a_definition_that_stopped_matching(api: Api) -> None:
    session = launch(api)
    session.create(**button())
    assert _health(api)["clicked_buy"] | {"broken": False} == _health(api)["clicked_buy"]
    post_hits(api.client, api.portal_id, hit(api.fqn("clicked_buy"), p={"ff_element": "b"}))
    healthy = _health(api)["clicked_buy"]
    assert (healthy["fired"], healthy["broken"]) == (1, False)
    assert healthy["lastFiredAt"] is not None
    _miss(api, SITE + "/pricing#x", api.fqn("clicked_buy"), "pe1_unknown", api.fqn("nope"))
    _miss(api, SITE + "/pricing", api.fqn("clicked_buy"))
    broken = _health(api)["clicked_buy"]
    assert broken["broken"] is True
    assert broken["brokenOn"] == [SITE + "/pricing"]
    assert broken["missingOn"][0]["count"] == 2
    session.call("PATCH", "/clicked_buy", json={"selector": ".buy"})  # fixed by the owner
    assert _health(api)["clicked_buy"]["broken"] is False


def test_misses_from_foreign_sites_and_other_portals_are_ignored(api: Api, other: Api) -> None:
    launch(api).create(**button())
    launch(other).create(**button())
    body = json.dumps({"a": api.portal_id, "u": "https://evil.example/", "m": [api.fqn("clicked_buy")]})
    api.client.post("/collect/misses", content=body, headers={"Content-Type": "text/plain",
                                                                "Origin": "https://evil.example"})
    _miss(api, SITE + "/", other.fqn("clicked_buy"))
    assert _health(api)["clicked_buy"]["missingOn"] == []
    assert _health(other)["clicked_buy"]["missingOn"] == []


def test_health_needs_the_portal_token(api: Api) -> None:
    assert api.client.get("/footfall/v1/visualizer/health").status_code == 401
