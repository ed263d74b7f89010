"""Visualizer tokens and the overlay's definition endpoints (token-authorised, CORS)."""

from __future__ import annotations

import time

import pytest

from collector.autotrack.token import Grant, sign, verify
from tests.conftest import Api, app_state
from tests.jshits import hit, post_hits
from tests.visual import SITE, button, launch


def test_token_and_launch_url_for_a_page_on_an_allowed_domain(api: Api) -> None:
    api.patch("/footfall/v1/tracking/settings", json={"allowedDomains": ["shop.example"]})
    response = api.post("/footfall/v1/visualizer/tokens",
                        json={"url": "https://www.shop.example/a?b=1#old"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["launchUrl"] == f"https://www.shop.example/a?b=1#footfall-visualizer={body['token']}"
    assert body["origin"] == "https://www.shop.example"
    assert body["portalId"] == api.portal_id
    assert 3590_000 < body["expiresAt"] - time.time() * 1000 <= 3600_000


@pytest.mark.parametrize(("url", "origin"), [
    ("https://shop.example:443/a", "https://shop.example"),
    ("http://shop.example:80/a", "http://shop.example"),
    ("https://shop.example:8443/a", "https://shop.example:8443"),
    ("https://Bücher.shop.example/", "https://xn--bcher-kva.shop.example"),
])
def test_a_tokens_origin_is_the_one_browsers_send(api: Api, url: str, origin: str) -> None:
    """The overlay is served only to the token's origin, compared with the Origin header:
    default ports left out, international names in punycode, as browsers write them."""
    api.patch("/footfall/v1/tracking/settings", json={"allowedDomains": ["shop.example"]})
    response = api.post("/footfall/v1/visualizer/tokens", json={"url": url})
    assert response.status_code == 201, response.text
    assert response.json()["origin"] == origin


def test_an_international_allowed_domain_is_kept_as_browsers_send_it(api: Api) -> None:
    response = api.patch("/footfall/v1/tracking/settings",
                         json={"allowedDomains": ["Bücher.de", "www.straße.example"]})
    assert response.status_code == 200, response.text
    # UTS #46 without transitional mapping, as current browsers: ß stays (not "ss").
    assert response.json()["allowedDomains"] == ["xn--bcher-kva.de", "xn--strae-oqa.example"]
    assert post_hits(api.client, api.portal_id, hit(u="https://xn--bcher-kva.de/"), headers={
        "Origin": "https://xn--bcher-kva.de"}).status_code == 204
    assert len(api.events()["results"]) == 1


@pytest.mark.parametrize(("body", "where"), [
    ({"url": "https://evil.example/"}, "url"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"url": "https://shop.example/", "ttlSeconds": 10**6}, "ttlSeconds"),
    ({"url": "https://shop.example/", "extra": 1}, "extra"),
    ({"url": "https://sh op.example/"}, "url"),
    ({"url": "https://shop..example/"}, "url"),
], ids=["foreign-domain", "not-http", "ttl-too-long", "unknown-field", "space-in-host",
        "empty-label"])
def test_token_refused(api: Api, body: dict[str, object], where: str) -> None:
    api.patch("/footfall/v1/tracking/settings", json={"allowedDomains": ["shop.example"]})
    response = api.post("/footfall/v1/visualizer/tokens", json=body)
    assert response.status_code == 400
    assert [e["in"] for e in response.json()["errors"]] == [where]


def test_token_needs_the_portal_token(api: Api) -> None:
    response = api.client.post("/footfall/v1/visualizer/tokens", json={"url": SITE})
    assert response.status_code == 401


def test_signature_expiry_and_tampering() -> None:
    grant = Grant(7, SITE, 2_000)
    token = sign(b"k" * 32, grant)
    assert verify(b"k" * 32, token, 1_999) == grant
    assert verify(b"k" * 32, token, 2_000) is None
    assert verify(b"x" * 32, token, 1_000) is None
    head, payload, mac = token.split(".")
    forged = sign(b"k" * 32, Grant(8, SITE, 2_000)).split(".")[1]
    assert verify(b"k" * 32, f"{head}.{forged}.{mac}", 1_000) is None
    assert verify(b"k" * 32, f"{head}.{payload}.{mac[:-2]}", 1_000) is None
    assert verify(b"k" * 32, None, 1_000) is None
    assert verify(b"k" * 32, f"{head}.{payload}\u00e9.{mac}", 1_000) is None  # was a 500


def test_a_token_that_is_not_ascii_is_refused(api: Api) -> None:
    assert api.client.get("/js/footfall-visualizer/1.js?t=ffv1.%C3%A9.x").status_code == 401
    response = api.client.get("/footfall/v1/visualizer/definitions",
                              headers={b"X-Footfall-Visualizer": b"ffv1.\xc3\xa9.x"})
    assert response.status_code == 401


def test_create_list_update_delete(api: Api) -> None:
    session = launch(api)
    created = session.create(**button(scope={"operator": "REGEX", "on": "PATH",
                                             "value": "^/pricing"}, page="/pricing"))
    assert created["fullyQualifiedName"] == api.fqn("clicked_buy")
    assert created["capture"] == {"text": True, "href": True, "pageUrl": True}
    listed = session.call("GET")
    assert listed.headers["access-control-allow-origin"] == "*"
    assert [d["selector"] for d in listed.json()["results"]] == ["[data-track=buy]"]
    changed = session.call("PATCH", "/clicked_buy", json={"selector": ".buy", "capture": {
        "text": False}, "label": "Buy"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["selector"], changed.json()["capture"]["text"]) == (".buy", False)
    definition = api.get(f"/events/v3/event-definitions/{api.fqn('clicked_buy')}").json()
    assert definition["trackingType"] == "CLICKED_ELEMENT"
    assert definition["label"] == "Buy"
    assert session.call("DELETE", "/clicked_buy").status_code == 204
    assert session.call("GET").json()["results"] == []


def test_visited_url_definition(api: Api) -> None:
    session = launch(api)
    rule = {"operator": "STARTS_WITH", "on": "BASE_URL", "value": SITE + "/docs"}
    created = session.create(label="Read docs", trackingType="VISITED_URL", rule=rule)
    assert created["rule"] == rule
    assert created["trackingType"] == "VISITED_URL"


@pytest.mark.parametrize(("on", "value", "saved"), [
    ("DOMAIN", "Shop.Example", "shop.example"),
    ("DOMAIN", "bücher.example", "xn--bcher-kva.example"),
    ("BASE_URL", "WWW.Bücher.example:8080/Pfad/Seite", "www.xn--bcher-kva.example:8080/Pfad/Seite"),
    ("BASE_URL", "HTTPS://Shop.example/Docs", "https://shop.example/Docs"),
    ("PATH", "/Docs", "/Docs"),
])
def test_rule_hosts_are_saved_as_browsers_write_them(api: Api, on: str, value: str,
                                                     saved: str) -> None:
    """Browsers give a page's host in lowercase and international names in punycode: a rule
    written otherwise is saved that way, so it can match (a path keeps its case)."""
    session = launch(api)
    created = session.create(label=f"Visit {on} {saved}", trackingType="VISITED_URL",
                             rule={"operator": "EQ", "on": on, "value": value})
    assert created["rule"]["value"] == saved


@pytest.mark.parametrize(("body", "fields"), [
    (button(selector=""), ["selector"]),
    (button(scope={"operator": "REGEX", "on": "PATH", "value": "(["}), ["scope.value"]),
    (button(scope={"operator": "LIKE", "on": "HOST", "value": "x"}), ["scope.operator",
                                                                      "scope.on"]),
    ({"label": "x", "trackingType": "MANUAL"}, ["trackingType"]),
    ({"label": "", "trackingType": "VISITED_URL"}, ["label", "rule"]),
    (button(rule={"operator": "EQ", "on": "URL", "value": "x"}), ["rule"]),
    (button(capture={"text": "yes"}), ["capture"]),
    (button(scope={"operator": "REGEX", "on": "PATH", "value": "a{99999999999}"}),
     ["scope.value"]),
    ({"label": "R", "trackingType": "VISITED_URL",
      "rule": {"operator": "REGEX", "on": "URL", "value": "(" * 499 + ")" * 499}}, ["rule.value"]),
], ids=["empty-selector", "bad-regex", "bad-rule", "manual", "no-label-no-rule",
        "rule-on-click", "capture-type", "regex-overflow", "regex-recursion"])
def test_invalid_definitions_name_every_field(api: Api, body: dict[str, object],
                                              fields: list[str]) -> None:
    response = launch(api).call("POST", json=body)
    assert response.status_code == 400, response.text
    assert sorted(e["in"] for e in response.json()["errors"]) == sorted(fields)


@pytest.mark.parametrize("value", [
    "(?i)^/test", "^(?i:/test)", "\\A/test", "/test\\Z", "(?P<n>x)", "(?<n>x)", "(?<=/)x",
    "(?#note)x", "(?>a)b", "a*+", "a{2}+", "[]x]", "[^]x]", "a{,3}", "\\N{DIGIT ONE}",
])
def test_a_regex_browsers_read_otherwise_is_refused(api: Api, value: str) -> None:
    """Python compiles these, but a browser's RegExp refuses them or matches otherwise
    ((?i) is an error, \\A a literal A, [] an empty class), so the rule would never fire."""
    response = launch(api).call("POST", json={"label": "R", "trackingType": "VISITED_URL",
                                              "rule": {"operator": "REGEX", "on": "PATH",
                                                       "value": value}})
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["in"] == "rule.value"
    assert "browsers" in error["message"]


@pytest.mark.parametrize("value", [
    "^/test$", "^/blog/\\d+/?$", "(?:a|b)+", "^/x(?=/)", "^/x(?!/)", "[*+?]", "\\(?i\\)",
    "[\\]a]", "a{2,3}", "^/[Tt]est", "\\\\A", "x}+",
])
def test_a_regex_both_dialects_read_alike_is_taken(api: Api, value: str) -> None:
    response = launch(api).call("POST", json={"label": "R", "trackingType": "VISITED_URL",
                                              "rule": {"operator": "REGEX", "on": "PATH",
                                                       "value": value}})
    assert response.status_code == 201, response.text


def test_saving_requires_a_valid_token_from_its_site(api: Api, other: Api) -> None:
    session = launch(api)
    secret: bytes = app_state(api.client).visualizer_secret
    expired = sign(secret, Grant(api.portal_id, SITE, int(time.time()) - 1))
    tampered = session.token[:-3] + ("AAA" if not session.token.endswith("AAA") else "BBB")
    for token, origin in [("", SITE), (expired, SITE), (tampered, SITE),
                          (session.token, "https://evil.example")]:
        response = session.call("POST", token=token, origin=origin, json=button())
        assert response.status_code == 401, (token, origin)
        assert response.headers["access-control-allow-origin"] == "*"
    assert session.call("GET").json()["results"] == []


def test_a_token_only_reaches_its_own_portal(api: Api, other: Api) -> None:
    mine, theirs = launch(api), launch(other)
    theirs.create(**button())
    assert mine.call("GET").json()["results"] == []
    assert mine.call("DELETE", f"/{other.fqn('clicked_buy')}").status_code == 404
    assert mine.call("PATCH", "/clicked_buy", json={"label": "x"}).status_code == 404
    assert len(theirs.call("GET").json()["results"]) == 1


def test_narrowing_allowed_domains_revokes_tokens(api: Api) -> None:
    session = launch(api)
    api.patch("/footfall/v1/tracking/settings", json={"allowedDomains": ["other.example"]})
    assert session.call("GET").status_code == 401


def test_preflight(api: Api) -> None:
    response = api.client.options("/footfall/v1/visualizer/definitions", headers={
        "Origin": SITE, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-footfall-visualizer, content-type"})
    assert response.status_code == 204
    assert "X-Footfall-Visualizer" in response.headers["access-control-allow-headers"]



@pytest.mark.parametrize("page_url", [True, False], ids=["captured", "not-captured"])
def test_the_page_url_capture_choice_is_applied(api: Api, page_url: bool) -> None:
    session = launch(api)
    session.create(**button(capture={"text": True, "href": True, "pageUrl": page_url}))
    response = post_hits(api.client, api.portal_id, hit(api.fqn("clicked_buy")),
                         headers={"Origin": "https://shop.example"})
    assert response.status_code == 204, response.text
    [stored] = api.events(eventType=api.fqn("clicked_buy"))["results"]
    assert ("hs_page_url" in stored["properties"]) is page_url
