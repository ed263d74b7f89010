"""Management UI sign-in, sessions, CSRF, security headers and route protection."""

from __future__ import annotations

import re
import time

import httpx2 as httpx
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from collector.portals import NewPortal
from collector.settings import Settings
from collector.ui import session as ui_session
from collector.ui.routes import ROUTES
from collector.ui.security import CSP
from tests.conftest import Api, in_store
from tests.uikit import Browser

ADMIN_PASSWORD = "correct horse battery staple"
PUBLIC = {"/", "/login", "/logout"}
SAMPLE_PARAMS = {"token_id": "0123456789abcdef", "event_name": "signed_up", "property_name": "plan",
                 "upload_id": "00000000-0000-0000-0000-000000000000",
                 "job_id": "00000000-0000-0000-0000-000000000000", "contact_id": "1"}


@pytest.fixture
def settings(database: str) -> Settings:
    return Settings(database=database, admin_password=ADMIN_PASSWORD)


@pytest.fixture
def browser(client: TestClient) -> Browser:
    return Browser(client)


@pytest.fixture
def signed_in(browser: Browser, portals: list[NewPortal]) -> Browser:
    browser.sign_in(portals[0].token)
    return browser


def _cases(method: str) -> list[object]:
    found: list[object] = []
    for route in ROUTES:
        assert isinstance(route, Route)
        if method in (route.methods or set()) and route.path not in PUBLIC:
            path = re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PARAMS[m.group(1)], route.path)
            found.append(pytest.param("/app" + path, id=route.path))
    return found


@pytest.mark.parametrize("path", _cases("GET"))
def test_every_page_needs_sign_in(browser: Browser, path: str) -> None:
    response = browser.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/app/login?next=/app/")


@pytest.mark.parametrize("path", _cases("POST"))
def test_every_form_needs_sign_in_and_csrf(browser: Browser, portals: list[NewPortal],
                                           path: str) -> None:
    anonymous = Browser(browser.client)
    assert anonymous.post(path, {"csrf_token": "x"}).status_code == 303
    browser.sign_in_admin(ADMIN_PASSWORD)  # an administrator may use every route
    browser.get("/app/portals")
    browser.post("/app/portals", {"portal_id": str(portals[0].portal_id)})
    refused = browser.post(path, {}, csrf=False)
    assert refused.status_code == 403
    assert "not accepted" in refused.text
    assert browser.post(path, {"csrf_token": "forged"}).status_code == 403
    browser.get("/app/events")
    other_site = browser.post(path, {}, headers={"Origin": "https://evil.example"})
    assert other_site.status_code == 403
    assert "not accepted" in other_site.text


def test_a_form_sent_after_the_session_ended_signs_in_back_to_its_page(
        browser: Browser, portals: list[NewPortal]) -> None:
    """A form posted once the session had ended led, after signing in, to the events list,
    not back to the page the owner was working on."""
    page = "/app/events/plan/properties?way=javascript"
    ended = browser.post("/app/events/plan/properties", {"csrf_token": "x"},
                         headers={"Referer": "http://testserver" + page})
    assert ended.headers["location"] == (
        "/app/login?next=/app/events/plan/properties%3Fway%3Djavascript")
    for referer in ("https://evil.example/app/settings", "http://testserver/elsewhere", ""):
        other = browser.post("/app/settings/tracking", {"csrf_token": "x"},
                             headers={"Referer": referer})
        assert other.headers["location"] == "/app/login?next=/app/events", referer


def test_unknown_address_is_an_html_404(signed_in: Browser) -> None:
    response = signed_in.get("/app/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text


def test_sign_in_says_where_tokens_come_from(browser: Browser) -> None:
    """It named `footfall portals create` and Settings, not where a new install's only
    token is: printed by `footfall serve` when it creates portal 1."""
    html = browser.get("/app/login").text
    assert "<code>footfall serve</code> on its first start" in html
    assert "<code>footfall portals create</code>" in html


def test_home_redirects_to_events(browser: Browser) -> None:
    assert browser.get("/app/").headers["location"] == "/app/events"


def test_token_sign_in_lands_on_next_page(browser: Browser, portals: list[NewPortal]) -> None:
    response = browser.sign_in(portals[0].token, "/app/settings")
    assert response.headers["location"] == "/app/settings"
    page = browser.follow(response)
    assert page.status_code == 200
    assert "Portal A" in page.text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/elsewhere",
                                    "/app\\@evil.example", "javascript:alert(1)"])
def test_next_never_leaves_the_ui(browser: Browser, portals: list[NewPortal], target: str) -> None:
    assert browser.sign_in(portals[0].token, target).headers["location"] == "/app/events"


def test_wrong_token_re_renders_with_the_field_named(browser: Browser) -> None:
    browser.get("/app/login")
    response = browser.post("/app/login", {"method": "token", "token": "ffpat-nope"})
    assert response.status_code == 400
    assert "Access token: this token is not valid" in response.text
    assert 'aria-invalid="true"' in response.text
    assert browser.get("/app/events").status_code == 303


def test_empty_token_is_a_form_error(browser: Browser) -> None:
    browser.get("/app/login")
    response = browser.post("/app/login", {"method": "token", "token": "  "})
    assert response.status_code == 400
    assert "Access token: enter your token" in response.text


def test_login_without_csrf_is_refused(browser: Browser, portals: list[NewPortal]) -> None:
    response = browser.post("/app/login", {"method": "token", "token": portals[0].token},
                            csrf=False)
    assert response.status_code == 403


def test_sign_in_rotates_the_csrf_token(browser: Browser, portals: list[NewPortal]) -> None:
    browser.get("/app/login")
    before = browser.csrf
    browser.sign_in(portals[0].token)
    browser.get("/app/events")
    assert browser.csrf != before


def test_session_cookie_attributes(browser: Browser, portals: list[NewPortal]) -> None:
    response = browser.sign_in(portals[0].token)
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(ui_session.COOKIE + "=")
    for part in ("httponly", "samesite=lax", "path=/app", "max-age="):
        assert part in cookie
    assert "secure" not in cookie


def test_session_cookie_is_secure_over_https(settings: Settings,
                                             portals: list[NewPortal]) -> None:
    from collector.app import create_app

    with TestClient(create_app(settings), base_url="https://testserver") as client:
        response = Browser(client).sign_in(portals[0].token)
    assert "; secure" in response.headers["set-cookie"].lower()


def test_tampered_cookie_is_ignored(signed_in: Browser) -> None:
    value = signed_in.jar[ui_session.COOKIE]
    payload, _, mac = value.partition(".")
    signed_in.jar = httpx.Cookies({ui_session.COOKIE: payload + "x." + mac})
    assert signed_in.get("/app/events").status_code == 303


def test_expired_session_signs_out(signed_in: Browser, database: str) -> None:
    secret = in_store(database, lambda store: store.secret("ui-session"))
    session = ui_session.decode(secret, signed_in.jar[ui_session.COOKIE], int(time.time()))
    assert session is not None
    session.issued_at -= ui_session.LIFETIME_SECONDS + 1
    again = ui_session.decode(secret, signed_in.jar[ui_session.COOKIE], int(time.time()))
    assert again is not None
    fresh = ui_session.encode(secret, again)
    signed_in.jar = httpx.Cookies({ui_session.COOKIE: fresh})
    assert signed_in.get("/app/events").status_code == 200  # the re-encoded copy is genuine
    signed_in.jar = httpx.Cookies({ui_session.COOKIE: ui_session.encode(secret, session)})
    assert signed_in.get("/app/events").status_code == 303


def test_sign_out_clears_the_session(signed_in: Browser) -> None:
    signed_in.get("/app/events")
    response = signed_in.post("/app/logout")
    assert response.headers["location"] == "/app/login"
    assert "You have signed out." in signed_in.follow(response).text
    assert signed_in.get("/app/events").status_code == 303


def test_security_headers_on_pages_errors_and_static(signed_in: Browser) -> None:
    for path in ("/app/events", "/app/login", "/app/nothing-here"):
        response = signed_in.get(path)
        assert response.headers["content-security-policy"] == CSP
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
    css = signed_in.get("/app/static/ui.css?v=1")
    assert css.status_code == 200
    assert "immutable" in css.headers["cache-control"]
    assert css.headers["content-security-policy"] == CSP


def test_pages_carry_no_inline_script_or_style(signed_in: Browser) -> None:
    pages = [signed_in.get(path).text for path in ("/app/events", "/app/settings", "/app/x")]
    for html in [*pages, Browser(signed_in.client).get("/app/login").text]:
        assert "<script>" not in html
        assert " style=" not in html
        assert " onclick=" not in html
        assert '<script src="/app/static/ui.js?v=' in html


def test_a_long_portal_name_keeps_the_cookie_small(client: TestClient, database: str) -> None:
    from tests.conftest import make_portals

    wordy = make_portals(database, "Very long name " * 300)[0]
    browser = Browser(client)
    response = browser.sign_in(wordy.token)
    assert len(response.headers["set-cookie"]) < 4096
    assert browser.get("/app/events").status_code == 200


def test_portal_name_is_escaped(client: TestClient, database: str) -> None:
    from tests.conftest import make_portals

    hostile = make_portals(database, '<img src=x onerror="alert(1)">')[0]
    browser = Browser(client)
    browser.sign_in(hostile.token)
    html = browser.get("/app/events").text
    assert '<img src=x' not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html


def test_a_revoked_token_ends_its_session(signed_in: Browser, api: Api,
                                          portals: list[NewPortal]) -> None:
    second = Browser(signed_in.client)
    second.sign_in(portals[0].token)
    # Revoke portal A's default token from a session signed in with another token.
    signed_in.get("/app/settings")
    created = signed_in.post("/app/settings/tokens", {"token_name": "spare"})
    assert created.status_code == 200
    other_token = created.text.split('id="new-token" tabindex="0"><code>')[1].split("<")[0]
    third = Browser(signed_in.client)
    third.sign_in(other_token)
    page = third.get("/app/settings").text
    default_id = page.split('<td>default</td>\n          <td><code>')[1][:16]
    revoked = third.post(f"/app/settings/tokens/{default_id}/revoke")
    assert revoked.status_code == 303
    for ended in (signed_in, second):
        response = ended.get("/app/events")
        assert response.status_code == 303
        assert "session has ended" in ended.follow(response).text
    assert third.get("/app/events").status_code == 200


def test_admin_sign_in_is_disabled_without_a_password(database: str,
                                                      portals: list[NewPortal]) -> None:
    from collector.app import create_app

    with TestClient(create_app(Settings(database=database))) as client:
        browser = Browser(client)
        assert "Administrator password" not in browser.get("/app/login").text
        response = browser.sign_in_admin("")
        assert response.status_code == 400
        assert "not enabled" in response.text


def test_admin_wrong_password(browser: Browser) -> None:
    response = browser.sign_in_admin("guess")
    assert response.status_code == 400
    assert "Administrator password: wrong password" in response.text


def test_admin_picks_and_switches_portals(browser: Browser, portals: list[NewPortal]) -> None:
    response = browser.sign_in_admin(ADMIN_PASSWORD)
    assert response.headers["location"] == "/app/portals"
    assert browser.get("/app/events").headers["location"] == "/app/portals"
    picker = browser.get("/app/portals")
    assert "Portal A" in picker.text
    assert "Portal B" in picker.text
    chosen = browser.post("/app/portals", {"portal_id": str(portals[1].portal_id)})
    assert chosen.headers["location"] == "/app/events"
    page = browser.follow(chosen)
    assert "Opened portal Portal B." in page.text
    assert "Switch portal" in page.text
    browser.get("/app/portals")
    browser.post("/app/portals", {"portal_id": str(portals[0].portal_id)})
    assert "Portal A" in browser.get("/app/settings").text


@pytest.mark.parametrize("portal_id", ["999999", "abc", "", "1" * 40])
def test_admin_cannot_open_a_missing_portal(browser: Browser, portal_id: str) -> None:
    browser.sign_in_admin(ADMIN_PASSWORD)
    browser.get("/app/portals")
    response = browser.post("/app/portals", {"portal_id": portal_id})
    assert response.headers["location"] == "/app/portals"
    assert "That portal does not exist." in browser.follow(response).text


def test_portal_picker_is_for_admins_only(signed_in: Browser) -> None:
    response = signed_in.get("/app/portals")
    assert response.status_code == 403
    assert "Only an administrator" in response.text


def test_admin_sessions_end_when_the_password_changes(database: str,
                                                      portals: list[NewPortal]) -> None:
    from collector.app import create_app

    with TestClient(create_app(Settings(database=database, admin_password="one"))) as first:
        browser = Browser(first)
        browser.sign_in_admin("one")
        jar = browser.jar
        assert browser.get("/app/portals").status_code == 200
    with TestClient(create_app(Settings(database=database, admin_password="two"))) as second:
        browser = Browser(second)
        browser.jar = jar
        assert browser.get("/app/portals").status_code == 303


def test_repeated_failures_are_throttled(browser: Browser, portals: list[NewPortal]) -> None:
    browser.get("/app/login")
    for _ in range(10):
        assert browser.post("/app/login", {"method": "admin", "password": "x"}).status_code == 400
    response = browser.post("/app/login", {"method": "token", "token": portals[0].token})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
