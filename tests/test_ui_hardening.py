"""UI hardening found in review: body caps, stale-tab forms, long names, concurrent revokes,
column mapping by exact header."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from collector.importer.mapping import apply_overrides
from collector.portals import NewPortal
from collector.settings import Settings
from collector.ui.render import contain_bidi, counted
from tests.conftest import Api, make_portals
from tests.uikit import Browser

PASSWORD = "review password"


@pytest.fixture
def settings(database: str) -> Settings:
    return Settings(database=database, admin_password=PASSWORD, max_body_bytes=64 * 1024,
                    max_upload_bytes=256 * 1024)


@pytest.fixture
def browser(client: TestClient) -> Browser:
    return Browser(client)


def test_a_declared_oversized_form_is_refused_before_it_is_read(browser: Browser) -> None:
    browser.get("/app/login")
    response = browser.request("POST", "/app/login", content=b"x=1",
                               headers={"content-type": "application/x-www-form-urlencoded",
                                        "content-length": str(10 * 1024 * 1024)})
    assert response.status_code == 413
    assert "larger than 65536 bytes" in response.text


def test_a_streamed_oversized_form_is_refused_past_the_cap(browser: Browser) -> None:
    browser.get("/app/login")

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"a" * 4096

    response = browser.request("POST", "/app/login", content=chunks(),
                               headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def test_uploads_have_their_own_larger_cap(browser: Browser, portals: list[NewPortal],
                                           api: Api) -> None:
    browser.sign_in(portals[0].token)
    api.define("purchase")
    browser.get("/app/import")
    ok = browser.post("/app/import", {"event": "purchase"},
                      files={"file": ("a.csv", b"Email\n" + b"a@example.com\n" * 8000)})
    assert ok.status_code == 303, ok.text  # 112 KB: over the form cap, under the upload cap
    browser.get("/app/import")
    big = browser.post("/app/import", {"event": "purchase"},
                       files={"file": ("a.csv", b"Email\n" + b"a@example.com\n" * 30000)})
    assert big.status_code == 413


def test_the_import_api_caps_uploads(api: Api) -> None:
    response = api.post("/footfall/v1/imports", files={"file": ("a.csv", b"x" * 300_000)},
                        data={"eventName": "purchase"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "TOO_LARGE"


def test_a_form_from_another_portals_tab_is_refused(browser: Browser,
                                                    portals: list[NewPortal]) -> None:
    browser.sign_in_admin(PASSWORD)
    browser.get("/app/portals")
    browser.post("/app/portals", {"portal_id": str(portals[0].portal_id)})
    stale = browser.get("/app/settings")  # tab 1: portal A's settings form
    assert "Portal A" in stale.text
    token_for_a = browser.csrf
    browser.get("/app/portals")  # tab 2: switch to portal B
    browser.post("/app/portals", {"portal_id": str(portals[1].portal_id)})
    refused = browser.post("/app/settings/tokens", {"token_name": "meant for A",
                                                    "csrf_token": token_for_a})
    assert refused.status_code == 403
    assert "another portal was opened" in refused.text
    browser.get("/app/settings")  # reloaded: the form now belongs to portal B
    assert browser.post("/app/settings/tokens", {"token_name": "for B"}).status_code == 200


def test_opening_a_portal_with_a_long_name_keeps_the_session(
        database: str, browser: Browser, portals: list[NewPortal]) -> None:
    long_id = make_portals(database, "Ä" * 3000)[0].portal_id
    browser.sign_in_admin(PASSWORD)
    browser.get("/app/portals")
    chosen = browser.post("/app/portals", {"portal_id": str(long_id)})
    assert len(chosen.headers["set-cookie"]) < 4096
    page = browser.follow(chosen)
    assert page.status_code == 200
    assert "Opened portal ÄÄÄ" in page.text


def test_mapping_overrides_name_columns_exactly() -> None:
    proposal = {"E-mail": "email", "email": "ignore", "a=b": "ignore"}
    mapping = apply_overrides(proposal, ["E-mail=ignore", "email=email", "a=b=event.ab"])
    assert mapping == {"E-mail": "ignore", "email": "email", "a=b": "event.ab"}
    assert apply_overrides({"E-Mail Address": "ignore"}, ["e mail address=email"]) == {
        "E-Mail Address": "email"}


def test_a_right_to_left_override_in_a_label_stays_inside_it(
        api: Api, client: TestClient, portals: list[NewPortal]) -> None:
    """U+202E turns round all text after it until closed: shown unclosed in the title or a
    breadcrumb, "Spoof\u202eevil" makes the rest of the line read backwards."""
    api.define("spoof", label="Spoof\u202eevil")
    browser = Browser(client)
    browser.sign_in(portals[0].token)
    page = browser.get("/app/events/spoof").text
    title = page[page.index("<title>"):page.index("</title>")]
    assert "Spoof\u202eevil\u202c" in title
    assert page.count("\u202e") == page.count("Spoof\u202eevil\u202c")  # each closed at once


@pytest.mark.parametrize(("text", "closed"), [
    ("a\u202eb", "a\u202eb\u202c"),
    ("a\u2067b", "a\u2067b\u2069"),
    # An isolate opened after an override: PDF is ignored while the isolate is open, so the
    # isolate is closed first.
    ("\u202eevil\u2067x", "\u202eevil\u2067x\u2069\u202c"),
    ("plain", "plain"), ("ascii only \u00e9", "ascii only \u00e9"),
])
def test_bidi_openers_are_closed_isolates_first(text: str, closed: str) -> None:
    assert contain_bidi(text) == closed


@pytest.mark.parametrize(("count", "shown"), [(0, "0 rows"), (1, "1 row"), (2, "2 rows"),
                                              (1234, "1,234 rows"), (None, "0 rows")])
def test_counts_are_written_with_their_noun(count: int | None, shown: str) -> None:
    """One filter (``counted``) for every "n things" of the UI's pages: singular for one."""
    assert counted(count, "row") == shown
