"""The analytics pages end to end in Chromium: completions sent by the tracker from a real
page and through the HTTP API show up in the events list, the event's chart, its breakdown
and filter, and on the contact's timeline (filtered by event, expanded)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.harness import PageServer, Portal
from e2e.ui_kit import Console, new_context, phone_pass, shoot, sign_in

CHECKOUT = {"label": "Checkout", "name": "checkout", "propertyDefinitions": [
    {"name": "plan", "label": "Plan", "type": "enumeration",
     "options": [{"label": "Pro", "value": "pro"}, {"label": "Team", "value": "team"}]},
    {"name": "coupon", "label": "Coupon", "type": "string"}]}


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    context = new_context(browser)
    yield context
    context.close()


def _stat(page: Page, name: str) -> str:
    return page.locator(f"[data-stat={name}]").inner_text()


def _send_traffic(desktop: BrowserContext, portal: Portal, pages: PageServer) -> None:
    """Three checkouts clicked on a real page (tracker), two sent by a server (HTTP API)."""
    site = desktop.new_page()
    site.goto(portal.page_url(pages, "ui_analytics.html"))
    site.wait_for_function("window._hsq && window._hsq.ff === 1")  # the tracker ran
    for button in ("Buy pro", "Buy pro", "Buy team"):
        site.get_by_role("button", name=button).click()
    assert len(portal.wait_for_events(3, eventType=portal.fqn("checkout"))) == 3
    site.close()
    for coupon in ("", "WINTER"):
        portal.call("POST", "/events/v3/send", {
            "eventName": portal.fqn("checkout"), "email": "bob@example.com",
            "properties": {"plan": "team", **({"coupon": coupon} if coupon else {})}})
    assert len(portal.wait_for_events(5, eventType=portal.fqn("checkout"))) == 5


def test_tracked_and_sent_completions_appear_everywhere(
        browser: Browser, desktop: BrowserContext, portal: Portal, pages: PageServer) -> None:
    portal.call("POST", "/events/v3/event-definitions", CHECKOUT)
    _send_traffic(desktop, portal, pages)
    console = Console()
    page = console.watch(desktop.new_page())
    base = portal.collector.url
    sign_in(page, portal)

    # The list: this month's counts, page views included.
    row = page.locator("tr[data-event=checkout]")
    expect(row.locator("td.num")).to_have_text("5")
    expect(page.locator("tr[data-event=e_visited_page] td.num")).not_to_have_text("0")
    shoot(page, "analytics-events")

    # The detail page: totals, the chart (with its tooltip), the breakdown by plan.
    row.get_by_role("link", name="Checkout").click()
    expect(page).to_have_url(f"{base}/app/events/checkout")
    assert (_stat(page, "completions"), _stat(page, "unique")) == ("5", "2")
    tips = page.locator("svg.chart g.bar").evaluate_all(
        "bars => bars.map(b => b.getAttribute('data-tip'))")
    assert len(tips) == 30
    assert sum(int(m.group(1)) for t in tips if (m := re.search(r": (\d+) completion", t))) == 5
    busy = page.locator("svg.chart g.bar", has=page.locator("rect.value")).last
    busy.hover()
    expect(page.locator(".chart-tip")).to_be_visible()
    expect(page.locator(".chart-tip")).to_have_text(busy.get_attribute("data-tip") or "")
    breakdown = page.locator("#breakdown table")
    expect(breakdown.locator("tbody tr").first).to_contain_text("team")
    expect(breakdown.locator("tbody tr").first).to_contain_text("3")
    shoot(page, "analytics-detail")

    # Filter: by clicking a breakdown value, then with the filter form.
    breakdown.get_by_role("link", name="pro", exact=True).click()
    expect(page.locator("[data-stat=completions]")).to_have_text("2")
    expect(page.get_by_text("Plan = pro")).to_be_visible()
    expect(page.locator("li.completion")).to_have_count(2)
    shoot(page, "analytics-filtered")
    page.get_by_role("link", name="Remove the filter Plan = pro").click()
    page.get_by_label("Filter by property").select_option("coupon")
    page.get_by_label("Equals").fill("WINTER")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("[data-stat=completions]")).to_have_text("1")
    page.get_by_label("Interval").select_option("week")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("[data-stat=completions]")).to_have_text("1")  # the filter is kept
    weeks = page.locator("svg.chart g.bar").evaluate_all(
        "bars => bars.map(b => b.getAttribute('data-tip'))")
    assert 4 <= len(weeks) <= 6  # the same 30 days, widened to whole weeks
    assert all(tip.startswith("Week of Mon ") for tip in weeks)

    # Latest completions expand to every property and the source.
    page.goto(base + "/app/events/checkout")
    first = page.locator("li.completion").first
    first.locator("summary").click()
    expect(first.locator("dl")).to_contain_text("Plan")
    expect(first.locator("dl")).to_contain_text("plan")

    # Contacts: find Ann, her timeline, filtered to the event, expanded.
    page.get_by_role("link", name="Contacts", exact=True).click()
    shoot(page, "analytics-contacts")
    page.get_by_label("Email or contact id").fill("ann@")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="ann@example.com").click()
    expect(page).to_have_url(re.compile(r"/app/contacts/\d+$"))
    contact_path = page.url.removeprefix(base)
    timeline = page.locator("ol.timeline li.completion")
    assert timeline.count() >= 4  # three checkouts and her page view
    shoot(page, "analytics-contact")
    page.get_by_label("Event").select_option(label="Checkout (3)")
    page.get_by_role("button", name="Filter").click()
    expect(timeline).to_have_count(3)
    times = timeline.locator("time").evaluate_all("ts => ts.map(t => t.dateTime)")
    assert times == sorted(times, reverse=True)  # newest first
    timeline.first.locator("summary").click()
    expect(timeline.first.locator("dl")).to_contain_text("SPRING")
    expect(timeline.first.locator(".badge").first).to_have_text("JS")
    shoot(page, "analytics-contact-filtered")

    phone_pass(browser, desktop, base, {
        "analytics-events": "/app/events", "analytics-detail": "/app/events/checkout",
        "analytics-filtered": "/app/events/checkout?filter%5Bplan%5D=pro",
        "analytics-contacts": "/app/contacts", "analytics-contact": contact_path})
    assert console.errors == []


def test_keyboard_reaches_the_filter_and_the_timeline_details(
        desktop: BrowserContext, portal: Portal) -> None:
    portal.call("POST", "/events/v3/event-definitions", CHECKOUT)
    portal.call("POST", "/events/v3/send", {"eventName": portal.fqn("checkout"),
                                            "email": "kay@example.com",
                                            "properties": {"plan": "pro"}})
    page = desktop.new_page()
    sign_in(page, portal, "/app/events/checkout")
    page.get_by_label("Interval").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_label("From", exact=True)).to_be_focused()
    summary = page.locator("li.completion summary").first
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator("li.completion details").first).to_have_attribute("open", "")
