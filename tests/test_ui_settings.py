"""The settings page: tracking code, tracking settings, access tokens (both backends)."""

from __future__ import annotations

import asyncio
import re

import pytest
from starlette.testclient import TestClient

from collector.auth import hash_token
from collector.portals import NewPortal
from collector.storage import Store
from tests.conftest import Api, in_store
from tests.jshits import hit, post_hits
from tests.uikit import Browser


@pytest.fixture
def browser(client: TestClient, portals: list[NewPortal]) -> Browser:
    browser = Browser(client)
    browser.sign_in(portals[0].token)
    browser.get("/app/settings")
    return browser


def _new_token(html: str) -> str:
    found = re.search(r'id="new-token" tabindex="0"><code>([^<]+)</code>', html)
    assert found, "the page does not show the new token"
    return found.group(1)


def _token_ids(html: str) -> dict[str, str]:
    """``{name: id}`` of the active tokens listed on the page."""
    rows = re.findall(r"<td>([^<]*)</td>\s*<td><code>([0-9a-f]{16})</code></td>(?:(?!</tr>).)*?"
                      r"badge success", html, re.S)
    return dict(rows)


def test_tracking_code_is_the_portal_script_tag(browser: Browser, api: Api) -> None:
    html = browser.get("/app/settings").text
    assert (f'&lt;script async src=&#34;http://testserver/js/{api.portal_id}.js&#34;&gt;'
            f'&lt;/script&gt;') in html
    assert 'data-copy="tracking-code"' in html


def test_created_token_is_shown_once_and_works(browser: Browser, client: TestClient) -> None:
    response = browser.post("/app/settings/tokens", {"token_name": "Backend <server>"})
    assert response.status_code == 200
    token = _new_token(response.text)
    assert "Backend &lt;server&gt;" in response.text
    assert f"<code>{hash_token(token)[:16]}</code>" in response.text
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/events/v3/event-definitions", headers=headers).status_code == 200
    again = browser.get("/app/settings").text
    assert token not in again
    assert "Backend &lt;server&gt;" in again


@pytest.mark.parametrize(("name", "message"), [
    ("", "Token name: enter a name"), ("x" * 101, "Token name: must be at most 100 characters"),
    ("bad\x00name", "Token name: "),
])
def test_token_name_errors_name_the_field(browser: Browser, name: str, message: str) -> None:
    response = browser.post("/app/settings/tokens", {"token_name": name})
    assert response.status_code == 400
    assert message in response.text
    assert 'id="token_name-error"' in response.text


def test_reloading_the_new_token_page_makes_no_second_token(browser: Browser) -> None:
    """The new token is shown in the answer to the form; a reload sends the form again (the
    browser asks first). The second send creates nothing and says why."""
    form = {"token_name": "backend", "form_id": browser.form_id}
    first = browser.post("/app/settings/tokens", form)
    assert first.status_code == 200
    _new_token(first.text)
    again = browser.post("/app/settings/tokens", form)
    assert again.status_code == 303
    page = browser.follow(again).text
    assert "no second token was created" in page
    assert page.count("<td>backend</td>") == 1
    another = browser.post("/app/settings/tokens", {"token_name": "backend 2"})  # a new form
    _new_token(another.text)


def test_revoked_token_stops_working(browser: Browser, client: TestClient) -> None:
    token = _new_token(browser.post("/app/settings/tokens", {"token_name": "ci"}).text)
    token_id = _token_ids(browser.get("/app/settings").text)["ci"]
    response = browser.post(f"/app/settings/tokens/{token_id}/revoke")
    assert response.status_code == 303
    page = browser.follow(response).text
    assert "Token “ci” was revoked" in page
    assert "ci" not in _token_ids(page)
    assert "badge danger" in page
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/events/v3/event-definitions", headers=headers).status_code == 401


def test_the_only_active_token_cannot_be_revoked(browser: Browser, api: Api) -> None:
    token_id = _token_ids(browser.get("/app/settings").text)["default"]
    response = browser.post(f"/app/settings/tokens/{token_id}/revoke")
    assert "only active token" in browser.follow(response).text
    assert api.get("/events/v3/event-definitions").status_code == 200


def test_another_portals_token_is_not_found(browser: Browser, client: TestClient,
                                            other: Api) -> None:
    theirs = Browser(client)
    theirs.sign_in(other.portal.token)
    theirs.get("/app/settings")
    theirs.post("/app/settings/tokens", {"token_name": "second"})
    their_id = _token_ids(theirs.get("/app/settings").text)["default"]
    browser.get("/app/settings")
    response = browser.post(f"/app/settings/tokens/{their_id}/revoke")
    assert response.status_code == 404
    assert "no active token" in response.text
    assert other.get("/events/v3/event-definitions").status_code == 200
    assert browser.post("/app/settings/tokens/zz/revoke").status_code == 404


def test_store_lists_and_revokes_tokens(database: str, portals: list[NewPortal]) -> None:
    async def run(store: Store) -> None:
        await store.add_token(portals[0].portal_id, hash_token("ffpat-second"), "second")
        listed = await store.list_tokens(portals[0].portal_id)
        assert [t.name for t in listed] == ["default", "second"]
        assert listed[1].id == hash_token("ffpat-second")[:16]
        assert await store.revoke_token(portals[1].portal_id, listed[1].id) == "unknown"
        assert await store.revoke_token(portals[0].portal_id, "not-an-id") == "unknown"
        assert await store.revoke_token(portals[0].portal_id, listed[1].id) == "revoked"
        assert await store.revoke_token(portals[0].portal_id, listed[1].id) == "unknown"
        # The portal's last active token is kept, whoever asks.
        assert await store.revoke_token(portals[0].portal_id, listed[0].id) == "last"
        assert await store.portal_for_token(hash_token("ffpat-second")) is None
        again = await store.list_tokens(portals[0].portal_id)
        assert again[1].revoked_at is not None
        assert [p.name for p in await store.list_portals()] == ["Portal A", "Portal B"]

    in_store(database, run)


def test_tracking_settings_are_saved_through_the_api_rules(browser: Browser, api: Api) -> None:
    response = browser.post("/app/settings/tracking", {
        "allowed_domains": "Example.com\nwww.shop.example.org\n\nexample.com",
        "privacy": "cookieless", "respect_dnt": "on"})
    assert response.status_code == 303
    assert "Tracking settings saved." in browser.follow(response).text
    saved = api.get("/footfall/v1/tracking/settings").json()
    assert saved["allowedDomains"] == ["example.com", "shop.example.org"]
    assert saved["cookieless"] is True
    assert saved["respectDoNotTrack"] is True
    page = browser.get("/app/settings").text
    assert "example.com\nshop.example.org</textarea>" in page
    assert 'value="cookieless" checked' in page


def test_hash_routing_is_set_from_the_settings_page(browser: Browser, api: Api) -> None:
    """A hash-routed single-page app needs hashRouting; it could be set only through the
    API (Settings kept it, but showed no box for it)."""
    form = {"allowed_domains": "", "privacy": "cookies", "hash_routing": "on"}
    assert browser.post("/app/settings/tracking", form).status_code == 303
    assert api.get("/footfall/v1/tracking/settings").json()["hashRouting"] is True
    assert 'name="hash_routing" value="on" checked' in browser.get("/app/settings").text
    del form["hash_routing"]
    assert browser.post("/app/settings/tracking", form).status_code == 303
    assert api.get("/footfall/v1/tracking/settings").json()["hashRouting"] is False
    assert 'name="hash_routing" value="on">' in browser.get("/app/settings").text


def test_the_do_not_track_box_names_both_signals(browser: Browser) -> None:
    """The setting drops hits with DNT or Sec-GPC; the box named Do Not Track only."""
    page = browser.get("/app/settings").text
    assert "Respect the browser's Do Not Track and Global Privacy Control signals" in page


def test_hits_kept_out_are_counted_where_the_settings_are(browser: Browser, api: Api) -> None:
    """Hits dropped for the allowed domains (or Do Not Track, or as bots) were counted only
    in the API: an owner whose domain list missed their site saw no data and no reason."""
    assert "Hits not stored" not in browser.get("/app/settings").text
    api.patch("/footfall/v1/tracking/settings", json={"allowedDomains": ["shop.example"]})
    for origin in ("https://evil.example", "https://shop.example.org"):
        post_hits(api.client, api.portal_id, hit(), headers={"Origin": origin})
    post_hits(api.client, api.portal_id, hit(), user_agent="curl/8.0")
    html = browser.get("/app/settings").text
    assert "Hits not stored" in html
    assert "<dt>From sites not on the allowed domains</dt><dd>2</dd>" in html
    assert "<dt>From bots and automated browsers</dt><dd>1</dd>" in html


def test_bad_domain_re_renders_naming_the_line(browser: Browser, api: Api) -> None:
    response = browser.post("/app/settings/tracking", {
        "allowed_domains": "good.example\nnot a domain", "privacy": "cookies"})
    assert response.status_code == 400
    assert "Allowed domains: “not a domain” must be a domain name" in response.text
    assert "good.example\nnot a domain</textarea>" in response.text
    assert api.get("/footfall/v1/tracking/settings").json()["allowedDomains"] == []
    # A pasted address or a port says what to leave out.
    pasted = browser.post("/app/settings/tracking", {
        "allowed_domains": "https://shop.example/\nlocalhost:8080", "privacy": "cookies"}).text
    assert ("“https://shop.example/” must be a domain name such as example.com, without"
            " https://, port or path") in pasted
    assert "“localhost:8080” must be a domain name" in pasted


def test_unknown_privacy_mode_is_a_field_error(browser: Browser) -> None:
    response = browser.post("/app/settings/tracking", {"allowed_domains": "",
                                                       "privacy": "sometimes"})
    assert response.status_code == 400
    assert "Privacy mode: choose cookies, cookies after consent or cookieless" in response.text


def test_too_many_domains(browser: Browser) -> None:
    domains = "\n".join(f"d{i}.example" for i in range(101))
    response = browser.post("/app/settings/tracking", {"allowed_domains": domains,
                                                       "privacy": "cookies"})
    assert response.status_code == 400
    assert "Allowed domains: must be a list of at most 100" in response.text


def test_concurrent_revocations_keep_one_active_token(database: str,
                                                     portals: list[NewPortal]) -> None:
    """Two revocations at once (say two tabs) must not lock the portal out."""
    async def run(store: Store) -> None:
        portal = portals[0].portal_id
        await store.add_token(portal, hash_token("ffpat-second"), "second")
        first, second = await store.list_tokens(portal)
        outcomes = await asyncio.gather(store.revoke_token(portal, first.id),
                                        store.revoke_token(portal, second.id))
        assert sorted(outcomes) == ["last", "revoked"]
        assert sum(t.revoked_at is None for t in await store.list_tokens(portal)) == 1

    in_store(database, run)


@pytest.mark.parametrize(("form", "consent", "cookieless"), [
    ({"privacy": "consent"}, "required", False),
    ({"privacy": "cookies", "consent_api": "on"}, "api", False),
    ({"privacy": "cookies"}, "none", False),
    ({"privacy": "cookieless", "consent_api": "on"}, "none", True),
])
def test_consent_modes_from_the_privacy_form(browser: Browser, api: Api, form: dict[str, str],
                                             consent: str, cookieless: bool) -> None:
    response = browser.post("/app/settings/tracking", {"allowed_domains": "", **form})
    assert response.status_code == 303
    saved = api.get("/footfall/v1/tracking/settings").json()
    assert (saved["consent"], saved["cookieless"]) == (consent, cookieless)
    page = browser.get("/app/settings").text
    assert f'value="{form["privacy"]}" checked' in page
    assert ('name="consent_api" value="on" checked' in page) is (consent == "api")
