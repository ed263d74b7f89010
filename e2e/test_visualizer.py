"""The event visualizer in real Chromium: launch from a token, pick, widen, save, track."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.harness import PageServer, Portal
from e2e.tracker_kit import collected
from e2e.visualizer_kit import (
    box,
    expired_token,
    launch_url,
    missed,
    open_tracked,
    overlay_call,
    overlay_loaded,
    save_definition,
    ui,
)


def _launch(page: Page, portal: Portal, pages: PageServer) -> None:
    url = launch_url(portal, pages)
    with page.expect_response(overlay_loaded) as loaded:
        page.goto(url)
    assert loaded.value.status == 200
    expect(ui(page, "panel")).to_be_visible()
    assert "footfall-visualizer" not in page.url  # the token left the address bar


def _pick_hero(page: Page) -> None:
    page.hover(".hero-cta svg path")
    expect(ui(page, "hover")).to_be_visible()
    assert box(ui(page, "hover")) == box(page.locator(".hero-cta"))  # climbed to the link
    page.click(".hero-cta svg path")
    expect(ui(page, "selector")).to_have_value('[data-track="hero-signup"]')
    expect(ui(page, "count")).to_have_text("1 element")
    ui(page, "label").fill("Hero signup")
    ui(page, "save").click()
    expect(ui(page, "status")).to_contain_text("Saved")


def _pick_all_cards(page: Page) -> None:
    page.click('[data-plan="basic"] span')
    expect(ui(page, "selector")).to_have_value('[data-plan="basic"]')
    ui(page, "widen").click()
    expect(ui(page, "selector")).to_have_value("a.card-cta")
    expect(ui(page, "count")).to_have_text("3 elements")
    expect(ui(page, "match")).to_have_count(3)
    ui(page, "label").fill("Chose plan")
    ui(page, "save").click()
    expect(ui(page, "status")).to_contain_text("Saved")
    expect(ui(page, "definition")).to_have_count(2)


@pytest.mark.both_backends
def test_pick_widen_save_then_clicks_are_tracked(page: Page, browser: Browser, portal: Portal,
                                                 pages: PageServer) -> None:
    _launch(page, portal, pages)
    _pick_hero(page)
    _pick_all_cards(page)
    assert portal.events(eventType=portal.fqn("chose_plan")) == []  # picking tracks nothing
    ui(page, "exit").click()
    expect(page.locator("[data-footfall-overlay]")).to_have_count(0)
    visitor = browser.new_context().new_page()  # no token, no cached script
    open_tracked(visitor, portal, pages)
    expect(visitor.locator("[data-footfall-overlay]")).to_have_count(0)
    with visitor.expect_response(collected):
        visitor.click('[data-plan="pro"] span')
    [event] = portal.wait_for_events(1, eventType=portal.fqn("chose_plan"))
    props = event["properties"]
    assert props["hs_element_class"] == "card-cta"
    assert props["hs_element_text"] == "Choose Pro"
    assert props["hs_link_href"] == portal.page_url(pages, "shop.html") + "#pro"
    assert props["hs_page_url"] == portal.page_url(pages, "shop.html")
    assert props["hs_page_title"] == "Acme shop"
    assert props["hs_browser"] == "HeadlessChrome"
    assert props["ff_element"].startswith('a.card-cta[data-plan=pro]"Choose Pro" < div.card')
    with visitor.expect_response(collected):
        visitor.click(".hero-cta .btn")
    [hero] = portal.wait_for_events(1, eventType=portal.fqn("hero_signup"))
    assert hero["properties"]["hs_element_text"] == "Start free trial"
    visitor.context.close()


def test_shadow_dom_clicks_and_no_input_values(page: Page, portal: Portal,
                                               pages: PageServer) -> None:
    save_definition(portal, pages, {"label": "Widget buy", "trackingType": "CLICKED_ELEMENT",
                                    "selector": "button.widget-buy"})
    save_definition(portal, pages, {"label": "Form click", "trackingType": "CLICKED_ELEMENT",
                                    "selector": "form.contact-form", "page": "/shop.html"})
    open_tracked(page, portal, pages)
    with page.expect_response(collected):
        page.click("shop-widget button.widget-buy span")
    page.fill("input[type=password]", "hunter2-secret")
    with page.expect_response(collected):
        page.click("input[type=password]")
    [widget] = portal.wait_for_events(1, eventType=portal.fqn("widget_buy"))
    assert widget["properties"]["hs_element_text"] == "Buy in widget"
    [form] = portal.wait_for_events(1, eventType=portal.fqn("form_click"))
    assert "hunter2" not in str(form["properties"])
    assert form["properties"]["hs_element_class"] == "contact-form"


def test_visited_url_regex_on_path_across_spa_navigation(page: Page, browser: Browser,
                                                         portal: Portal, pages: PageServer) -> None:
    _launch(page, portal, pages)
    ui(page, "visit-label").fill("Read doc")
    ui(page, "visit-op").select_option("REGEX")
    ui(page, "visit-on").select_option("PATH")
    ui(page, "visit-value").fill(r"^/docs/\d+$")
    ui(page, "save-visit").click()
    expect(ui(page, "status")).to_contain_text("Saved")
    ui(page, "exit").click()
    visitor = browser.new_context().new_page()
    open_tracked(visitor, portal, pages)
    with visitor.expect_response(collected):
        visitor.click("#to-about")  # a page view, no visit event
    with visitor.expect_response(collected):
        visitor.click("#to-doc")
    [visit] = portal.wait_for_events(1, eventType=portal.fqn("read_doc"))
    assert visit["properties"]["hs_page_url"] == f"{pages.url}/docs/42"
    portal.wait_for_events(4, eventType="e_visited_page")  # a history view waits a second
    timeline = [(e["eventType"], e["properties"]["hs_page_url"]) for e in portal.events()]
    assert timeline[-2:] == [("e_visited_page", f"{pages.url}/docs/42"),  # timed at the change
                             (portal.fqn("read_doc"), f"{pages.url}/docs/42")]
    assert ("e_visited_page", f"{pages.url}/about") in timeline
    assert len(portal.events(eventType=portal.fqn("read_doc"))) == 1
    visitor.context.close()


def test_tracking_code_pasted_twice_tracks_once(page: Page, portal: Portal,
                                                pages: PageServer) -> None:
    save_definition(portal, pages, {"label": "Twice visit", "trackingType": "VISITED_URL",
                                    "rule": {"operator": "CONTAINS", "on": "PATH",
                                             "value": "/twice"}})
    save_definition(portal, pages, {"label": "Twice buy", "trackingType": "CLICKED_ELEMENT",
                                    "selector": "#buy", "scope": None})
    with page.expect_response(collected):
        page.goto(portal.page_url(pages, "twice.html"))
    with page.expect_response(collected):
        page.click("#buy")
    portal.wait_for_events(3)
    time.sleep(0.5)  # a second copy would have sent its own hits by now
    kinds = sorted(e["eventType"] for e in portal.events())
    assert kinds == sorted([portal.fqn("twice_buy"), portal.fqn("twice_visit"), "e_visited_page"])


def test_tampered_or_expired_token_loads_nothing(page: Page, portal: Portal,
                                                 pages: PageServer) -> None:
    good = launch_url(portal, pages)
    for token in (good.rpartition("=")[2][:-4] + "AAAA", expired_token(portal, pages)):
        page.goto("about:blank")  # else a changed hash would be a same-document navigation
        with page.expect_response(overlay_loaded) as loaded:
            page.goto(portal.page_url(pages, "shop.html") + "#footfall-visualizer=" + token)
        assert loaded.value.status == 401
        page.wait_for_function("() => !sessionStorage.getItem('_ffviz')")
        expect(page.locator("[data-footfall-overlay]")).to_have_count(0)
        assert "footfall-visualizer" not in page.url


def test_renamed_button_is_flagged_broken(page: Page, portal: Portal, pages: PageServer) -> None:
    save_definition(portal, pages, {"label": "Hero signup", "trackingType": "CLICKED_ELEMENT",
                                    "selector": '[data-track="hero-signup"]', "page": "/shop.html"})
    save_definition(portal, pages, {"label": "Widget buy", "trackingType": "CLICKED_ELEMENT",
                                    "selector": "button.widget-buy", "page": "/shop.html"})
    open_tracked(page, portal, pages)
    with page.expect_response(collected):
        page.click(".hero-cta .btn")
    portal.wait_for_events(1, eventType=portal.fqn("hero_signup"))
    healthy, widget = portal.call("GET", "/footfall/v1/visualizer/health")["results"]
    assert (healthy["fired"], healthy["broken"]) == (1, False)
    with page.expect_response(missed):
        open_tracked(page, portal, pages, "renamed=1")
    renamed = portal.page_url(pages, "shop.html", "renamed=1")
    broken, widget = portal.call("GET", "/footfall/v1/visualizer/health")["results"]
    assert broken["broken"] is True
    assert broken["brokenOn"] == [renamed]
    assert broken["missingOn"][0]["url"] == renamed
    assert (widget["missingOn"], widget["broken"]) == ([], False)  # found in a shadow root


def test_overlay_lists_searches_edits_and_deletes(page: Page, portal: Portal,
                                                  pages: PageServer) -> None:
    scope = {"operator": "REGEX", "on": "PATH", "value": "^/shop"}
    save_definition(portal, pages, {"label": "Hero signup", "trackingType": "CLICKED_ELEMENT",
                                    "selector": '[data-track="hero-signup"]', "scope": scope})
    save_definition(portal, pages, {"label": "Other page only", "trackingType": "CLICKED_ELEMENT",
                                    "selector": "#x", "scope": {"operator": "EQ", "on": "PATH",
                                                                "value": "/elsewhere"}})
    save_definition(portal, pages, {"label": "Read doc", "trackingType": "VISITED_URL", "rule": {
        "operator": "REGEX", "on": "PATH", "value": "^/docs/"}})
    _launch(page, portal, pages)
    expect(ui(page, "definition")).to_have_count(1)  # only what concerns this page
    ui(page, "search").fill("nothing like it")
    expect(ui(page, "definition")).to_have_count(0)
    ui(page, "search").fill("hero")
    ui(page, "edit").click()
    ui(page, "selector").fill(".card")  # by hand, with a live count and warnings
    expect(ui(page, "count")).to_have_text("3 elements")
    ui(page, "selector").fill(".sc-bdVaJa")
    expect(ui(page, "warnings")).to_contain_text("generated class name")
    ui(page, "selector").fill(".hero-cta .btn")
    expect(ui(page, "count")).to_have_text("1 element")
    ui(page, "save").click()
    expect(ui(page, "status")).to_contain_text("Saved")
    [hero] = [d for d in overlay_call(portal, pages, "GET")["results"]
              if d["name"] == "hero_signup"]
    assert (hero["selector"], hero["scope"]) == (".hero-cta .btn", scope)  # scope kept
    page.once("dialog", lambda dialog: dialog.dismiss())  # deleting asks first
    ui(page, "delete").click()
    expect(ui(page, "definition")).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete Hero signup").click()
    expect(ui(page, "definition")).to_have_count(0)
    names = {d["name"] for d in portal.call("GET", "/footfall/v1/visualizer/health")["results"]}
    assert names == {"other_page_only", "read_doc"}


def test_overlay_fields_have_names_and_saving_is_announced(page: Page, portal: Portal,
                                                           pages: PageServer) -> None:
    _launch(page, portal, pages)
    unnamed = page.evaluate("""() => [...document.querySelector('[data-footfall-overlay]')
        .shadowRoot.querySelectorAll('input, select')]
        .filter(f => !f.getAttribute('aria-label') && !f.closest('label'))
        .map(f => f.getAttribute('data-ff'))""")
    assert unnamed == []
    panel = page.get_by_role("dialog", name="Footfall visualizer")
    page.click('[data-plan="basic"] span')
    expect(panel.get_by_role("textbox", name="CSS selector")).to_have_value('[data-plan="basic"]')
    panel.get_by_role("textbox", name="Click event name").fill("")
    panel.get_by_role("button", name="Save click event").click()
    # The field is named once ("label: label: …" before).
    expect(panel.get_by_role("status")).to_have_text("Not saved: label: must not be empty")
    panel.get_by_role("textbox", name="Click event name").fill("Chose basic")
    pattern = panel.get_by_role("textbox", name="Pages whose path matches")
    expect(pattern).to_be_hidden()  # asked for only with "Pages whose path matches"
    panel.get_by_role("combobox", name="Pages").select_option("regex")
    expect(pattern).to_be_visible()
    panel.get_by_role("combobox", name="Pages").select_option("path")
    expect(pattern).to_be_hidden()
    panel.get_by_role("button", name="Save click event").click()
    # The tracking script is cached for 5 minutes: a reload right away tracks nothing yet.
    expect(panel.get_by_role("status")).to_contain_text("within 5 minutes")
    panel.get_by_role("textbox", name="Visit event name").fill("Saw the shop")
    panel.get_by_role("combobox", name="URL rule").select_option("CONTAINS")
    panel.get_by_role("combobox", name="Part of the URL").select_option("PATH")
    panel.get_by_role("textbox", name="URL rule value").fill("shop")
    panel.get_by_role("button", name="Save visit event").click()
    expect(panel.get_by_role("button", name="Edit Saw the shop")).to_be_visible()


def test_a_visit_event_for_this_page_is_edited_in_the_overlay(page: Page, portal: Portal,
                                                              pages: PageServer) -> None:
    _launch(page, portal, pages)
    ui(page, "visit-label").fill("Saw the shop")
    ui(page, "visit-op").select_option("CONTAINS")
    ui(page, "visit-on").select_option("PATH")
    ui(page, "visit-value").fill("shop")
    ui(page, "save-visit").click()
    row = page.locator('[data-ff="definition"][data-name="saw_the_shop"]')
    expect(row).to_contain_text("path contains shop")  # in the words of the form
    row.locator('[data-ff="edit"]').click()
    expect(ui(page, "visit-value")).to_have_value("shop")
    ui(page, "visit-op").select_option("STARTS_WITH")
    ui(page, "visit-value").fill("/shop")
    ui(page, "save-visit").click()
    expect(row).to_contain_text("path starts with /shop")
    expect(ui(page, "save-visit")).to_have_text("Save visit event")


def test_a_selector_the_browser_cannot_parse_is_not_saved_or_flagged_broken(
        page: Page, portal: Portal, pages: PageServer) -> None:
    """Only a browser knows its CSS grammar: the overlay refuses to save such a selector,
    and one saved through the API (never able to fire) is reported missing, so broken."""
    save_definition(portal, pages, {"label": "Bad selector", "trackingType": "CLICKED_ELEMENT",
                                    "selector": "<b>[[[", "page": "/shop.html"})
    with page.expect_response(missed):
        open_tracked(page, portal, pages)
    [bad] = portal.call("GET", "/footfall/v1/visualizer/health")["results"]
    assert (bad["broken"], bad["brokenOn"]) == (True, [portal.page_url(pages, "shop.html")])
    page.goto("about:blank")  # the launch URL differs only by its hash: load it afresh
    _launch(page, portal, pages)
    page.click(".hero-cta svg path")
    ui(page, "selector").fill("a[[x]")  # (an unclosed "a[href" is valid CSS)
    expect(ui(page, "count")).to_have_text("invalid selector")
    ui(page, "label").fill("Never saved")
    ui(page, "save").click()
    expect(ui(page, "status")).to_have_text("Not saved: not a valid CSS selector")
    names = [d["name"] for d in overlay_call(portal, pages, "GET")["results"]]
    assert names == ["bad_selector"]
