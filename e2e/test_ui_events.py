"""The management UI end to end in Chromium: sign in with a token, create an event the
JavaScript-code way with an enumeration property, edit its properties, copy its snippet into
a real page and click there, save code into the tracking script, sign out."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.harness import PageServer, Portal
from e2e.tracker_kit import collected
from e2e.ui_kit import Console, new_context, phone_pass, shoot, sign_in


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    context = new_context(browser)
    yield context
    context.close()


def _option_values(page: Page) -> list[str]:
    values: list[str] = page.locator("input[name=option_value]").evaluate_all(
        "els => els.map(e => e.value)")
    return values


def test_create_edit_copy_click_and_sign_out(browser: Browser, desktop: BrowserContext,
                                             portal: Portal, pages: PageServer) -> None:
    console = Console()
    page = console.watch(desktop.new_page())
    base = portal.collector.url
    page.goto(base + "/app/events")
    shoot(page, "login")
    sign_in(page, portal)
    shoot(page, "events-empty")

    # Wizard: way, then details.
    page.goto(base + "/app/new-event")
    shoot(page, "create-way")
    page.get_by_label("JavaScript code").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Event name").fill("Plan upgraded")
    page.get_by_label("Description").fill("A visitor upgrades their plan")
    page.get_by_label("Associated object").select_option("CONTACT")
    shoot(page, "create-details")
    page.get_by_role("button", name="Create and add properties").click()
    expect(page).to_have_url(f"{base}/app/events/plan_upgraded/properties?way=javascript")
    expect(page.get_by_text("Event “Plan upgraded” created")).to_be_visible()
    expect(page.get_by_text(portal.fqn("plan_upgraded")).first).to_be_visible()

    # An enumeration property: rows added, filled and reordered in the page (ui.js).
    page.get_by_label("Property label").fill("Plan tier")
    page.get_by_label("Type").select_option("enumeration")
    page.get_by_label("Option 1 label").fill("Team")
    page.get_by_label("Option 1 value").fill("team")
    page.get_by_role("button", name="Add an option").click()
    page.get_by_label("Option 2 label").fill("Pro")
    page.get_by_label("Option 2 value").fill("pro")
    page.get_by_role("button", name="Add an option").click()
    page.get_by_label("Option 3 label").fill("Enterprise")
    page.get_by_label("Option 3 value").fill("enterprise")
    page.get_by_role("button", name="Move option 2 up").click()
    assert _option_values(page) == ["pro", "team", "enterprise"]
    page.get_by_role("button", name="Remove option 3").click()
    assert _option_values(page) == ["pro", "team"]
    shoot(page, "property-new")
    page.get_by_role("button", name="Add property").click()
    expect(page.get_by_text("Property “Plan tier” added (internal name plan_tier)")).to_be_visible()
    row = page.locator("tr", has_text="plan_tier")
    expect(row).to_contain_text("Pro = pro")
    shoot(page, "properties")

    # A form error names its field and keeps what was typed.
    page.get_by_label("Property label").fill("Seats")
    page.get_by_label("Internal name").fill("Seats!")
    page.get_by_role("button", name="Add property").click()
    expect(page.locator("#prop_name-error")).to_contain_text("Internal name: must start")
    expect(page.get_by_label("Property label")).to_have_value("Seats")
    shoot(page, "property-error")

    # Edit: new label, options reordered with the keyboard-reachable buttons.
    page.get_by_role("link", name="Edit Plan tier").click()
    page.get_by_label("Property label").fill("Plan")
    page.get_by_role("button", name="Move option 1 down").click()
    assert _option_values(page) == ["team", "pro"]
    shoot(page, "property-edit")
    page.get_by_role("button", name="Save property").click()
    expect(page.get_by_text("Property “Plan” saved.")).to_be_visible()
    definition = portal.call("GET", "/events/v3/event-definitions/plan_upgraded")
    prop = next(p for p in definition["properties"] if p["name"] == "plan_tier")
    assert (prop["label"], [o["value"] for o in prop["options"]]) == ("Plan", ["team", "pro"])

    # The code panel: copy the generated snippet into a real page, click there.
    page.get_by_role("link", name="Next: code").click()
    expect(page).to_have_url(f"{base}/app/events/plan_upgraded/code?way=javascript")
    shoot(page, "code")
    page.get_by_role("button", name="Copy snippet").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert portal.fqn("plan_upgraded") in copied
    assert '"plan_tier": "team"' in copied

    site = desktop.new_page()
    site.goto(portal.page_url(pages, "ui_snippet.html"))
    site.locator("#pasted").focus()
    site.keyboard.press("Control+V")
    expect(site.locator("#pasted")).to_have_value(copied)
    site.get_by_role("button", name="Upgrade").click()
    [completion] = portal.wait_for_events(1, eventType=portal.fqn("plan_upgraded"))
    assert completion["properties"]["plan_tier"] == "team"
    assert completion["properties"]["hs_page_title"] == "Pricing"
    site.close()

    # The click shows in the event's chart and on its contact's timeline.
    page.goto(f"{base}/app/events/plan_upgraded")
    expect(page.locator("[data-stat=completions]")).to_have_text("1")
    expect(page.locator("svg g.bar[data-tip]").first).to_be_attached()
    expect(page.locator("li.completion")).to_have_count(1)
    shoot(page, "event-detail")
    page.goto(f"{base}/app/contacts/{completion['objectId']}")
    upgraded = page.locator("ol.timeline li.completion").filter(has_text="Plan upgraded")
    expect(upgraded).to_have_count(1)  # beside the page's own page view
    upgraded.locator("summary").click()
    expect(upgraded.locator("dl")).to_contain_text("team")
    shoot(page, "contact-timeline")
    page.goto(f"{base}/app/events/plan_upgraded/code?way=javascript")

    # Saved code becomes part of the tracking script: a page without event code tracks it.
    code = ("document.addEventListener('click', function (e) {\n"
            "  if (e.target.id !== 'buy-team') return;\n"
            "  window._hsq = window._hsq || [];\n"
            f"  _hsq.push(['trackCustomBehavioralEvent', {{name: '{portal.fqn('plan_upgraded')}',"
            " properties: {plan_tier: 'pro'}}]);\n});")
    page.get_by_role("textbox", name="JavaScript").fill(code)
    page.get_by_role("button", name="Save into tracking code").click()
    expect(page.get_by_text("Code saved")).to_be_visible()
    expect(page.get_by_text("Included in the tracking code")).to_be_visible()
    fresh = new_context(browser)  # no cached tracking script
    try:
        shop = fresh.new_page()
        shop.goto(portal.page_url(pages, "ui_listener.html"))
        shop.wait_for_function("window._hsq && window._hsq.ff === 1")  # the tracker ran
        shop.get_by_role("button", name="Buy the team plan").click()
        found = portal.wait_for_events(2, eventType=portal.fqn("plan_upgraded"))
        assert sorted(e["properties"]["plan_tier"] for e in found) == ["pro", "team"]
    finally:
        fresh.close()

    page.goto(base + "/app/events")
    shoot(page, "events")
    phone_pass(browser, desktop, base, {
        "events": "/app/events", "create-way": "/app/new-event",
        "create-details": "/app/new-event?way=javascript",
        "properties": "/app/events/plan_upgraded/properties",
        "property-edit": "/app/events/plan_upgraded/properties?edit=plan_tier",
        "code": "/app/events/plan_upgraded/code"})

    # Sign out: the session is gone.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base}/app/login")
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto(base + "/app/events")
    expect(page).to_have_url(re.compile(r"/app/login\?next=/app/events"))
    assert console.errors == []


def test_code_with_a_syntax_error_is_not_saved(desktop: BrowserContext, portal: Portal) -> None:
    """The browser compiles the code before it posts (the tracker would swallow the error and
    never run it); the check lives in a worker, as the page's CSP forbids compiling strings."""
    console = Console()
    page = console.watch(desktop.new_page())
    portal.call("POST", "/events/v3/event-definitions", {"label": "Clicked", "name": "clicked"})
    sign_in(page, portal, "/app/events/clicked/code")
    box = page.get_by_role("textbox", name="JavaScript")
    box.fill("document.addEventListener('click', function () { window.__hit = 1; };")
    page.get_by_role("button", name="Save into tracking code").click()
    alert = page.locator("#code-syntax-error")
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("syntax error")
    expect(alert).to_contain_text("missing ) after argument list")
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_attribute("aria-describedby", re.compile(r"\bcode-syntax-error\b"))
    expect(box).to_be_focused()
    expect(page).to_have_url(portal.collector.url + "/app/events/clicked/code")
    expect(page.get_by_text("Not included")).to_be_visible()
    page.reload()  # nothing was posted: the stored code is still empty
    expect(page.get_by_text("Not included")).to_be_visible()
    assert portal.call("GET", "/footfall/v1/event-definitions/clicked/snippet")["code"] is None

    box.fill("document.addEventListener('click', function () { window.__hit = 1; });")
    page.get_by_role("button", name="Save into tracking code").click()
    expect(page.get_by_text("Code saved")).to_be_visible()
    expect(page.get_by_text("Included in the tracking code")).to_be_visible()
    expect(page.locator("#code-syntax-error")).to_be_empty()
    assert "window.__hit" in portal.call(
        "GET", "/footfall/v1/event-definitions/clicked/snippet")["code"]
    assert console.errors == []


def test_a_long_word_in_a_label_wraps_on_a_phone(browser: Browser, desktop: BrowserContext,
                                                 portal: Portal) -> None:
    """A label without spaces (a long German compound, a pasted URL) made the event pages
    1,400 px wide on a 390 px phone: the heading and the internal name did not wrap."""
    word = "Kundenzufriedenheitsumfrageteilnahmebestaetigungsformularabsendung"
    portal.call("POST", "/events/v3/event-definitions", {
        "label": word, "name": "k" * 50, "description": word * 2})
    portal.call("POST", "/events/v3/send", {  # a long email in the latest completions
        "eventName": portal.fqn("k" * 50), "email": word.lower() + "@example.com"})
    page = desktop.new_page()
    sign_in(page, portal)
    base = portal.collector.url
    phone_pass(browser, desktop, base, {
        "long-overview": "/app/events/" + "k" * 50,
        "long-properties": f"/app/events/{'k' * 50}/properties",
        "long-code": f"/app/events/{'k' * 50}/code", "long-list": "/app/events"})


def test_keyboard_only_sign_in_and_focus_is_visible(desktop: BrowserContext,
                                                    portal: Portal) -> None:
    page = desktop.new_page()
    page.goto(portal.collector.url + "/app/login")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.get_by_label("Access token").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).boxShadow")
    assert outline != "none"
    page.keyboard.type(portal.token)
    page.keyboard.press("Enter")
    expect(page).to_have_url(portal.collector.url + "/app/events")


def test_the_code_box_starts_with_code_that_waits_for_a_click(
        browser: Browser, desktop: BrowserContext, portal: Portal, pages: PageServer) -> None:
    """Saved unchanged, the code box's starting code counts nothing as a page loads (it held
    the bare snippet, and a QA tester who saved it counted the event on every page view); a
    click inside an element marked data-footfall-event="clicked" sends the event once."""
    console = Console()
    page = console.watch(desktop.new_page())
    portal.call("POST", "/events/v3/event-definitions", {
        "label": "Clicked", "name": "clicked",
        "propertyDefinitions": [{"name": "where", "label": "Where", "type": "string"}]})
    sign_in(page, portal, "/app/events/clicked/code")
    expect(page.get_by_role("textbox", name="JavaScript")).to_have_value(
        re.compile(r"data-footfall-event"))
    page.get_by_role("button", name="Save into tracking code").click()
    expect(page.get_by_text("Included in the tracking code")).to_be_visible()
    fresh = new_context(browser)  # no cached tracking script
    try:
        shop = fresh.new_page()
        with shop.expect_response(collected):  # the page view, and nothing else
            shop.goto(portal.page_url(pages, "ui_listener.html"))
        shop.get_by_role("button", name="Buy the team plan").click()  # not marked
        shop.get_by_text("Marked").click()
        portal.wait_for_events(1, eventType=portal.fqn("clicked"))
        time.sleep(0.5)
        found = portal.events(eventType=portal.fqn("clicked"))
        assert [e["properties"]["where"] for e in found] == ["text"]
    finally:
        fresh.close()
    assert console.errors == []
