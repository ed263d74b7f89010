"""HubSpot's opt-out in real Chromium: the doNotTrack command and its __hs_do_not_track
cookie stop every hit, keep it so across pages, and {track: true} takes it back.

Whether something was sent is judged by what the collector stored once the pages are closed
(closing flushes with sendBeacon, which Playwright's request events do not show)."""

from __future__ import annotations

import time

from playwright.sync_api import BrowserContext, Page

from e2e.harness import Collector, PageServer, Portal, create_portal
from e2e.tracker_kit import open_page, saved
from e2e.visualizer_kit import missed, save_definition

OPT_OUT = "__hs_do_not_track"


def loaded(page: Page, portal: Portal, pages: PageServer, name: str = "page.html",
           query: str = "") -> None:
    """Open a page and wait for the tracker to have run (it sends nothing to wait for)."""
    page.goto(portal.page_url(pages, name, query))
    page.wait_for_function("window._hsq && window._hsq.ff === 1")


def cookie(context: BrowserContext, name: str) -> dict[str, object] | None:
    found = [c for c in context.cookies() if c["name"] == name]
    return dict(found[0]) if found else None


def stored_after_closing(context: BrowserContext, portal: Portal) -> list[str]:
    for page in context.pages:
        page.close()
    time.sleep(0.5)  # the last beacons
    return [e["eventType"] for e in portal.events()]


def test_do_not_track_stops_tracking_until_taken_back(context: BrowserContext, portal: Portal,
                                                      pages: PageServer) -> None:
    """A page pushes doNotTrack before the script loads (as HubSpot sites do when the
    visitor opts out): no hit on that page or the next, no visitor cookie; the cookie lasts
    13 months; {track: true} removes it and the page after that is tracked again."""
    portal.call("POST", "/events/v3/event-definitions", {"label": "Kept", "name": "kept"})
    event = f"['trackCustomBehavioralEvent', {{name: '{portal.fqn('kept')}'}}]"

    opting = context.new_page()
    opting.add_init_script("(window._hsq = window._hsq || []).push(['doNotTrack'])")
    loaded(opting, portal, pages)
    opting.evaluate(f"_hsq.push({event}); footfall('trackPageView')")
    opt_out = cookie(context, OPT_OUT)
    assert opt_out is not None
    assert 390 < (float(str(opt_out["expires"])) - time.time()) / 86400 < 400
    assert cookie(context, "footfallutk") is None

    later = context.new_page()  # the cookie alone keeps the next page quiet
    loaded(later, portal, pages)
    later.evaluate(f"_hsq.push({event}); history.pushState({{}}, '', '/spa/next')")
    assert later.evaluate(f"{saved(portal)}.join()") in ("", "[]")  # nothing kept to send later
    assert stored_after_closing(context, portal) == []

    back = context.new_page()
    loaded(back, portal, pages)
    back.evaluate("_hsq.push(['doNotTrack', {track: true}])")
    assert cookie(context, OPT_OUT) is None
    again = context.new_page()
    open_page(again, portal, pages)
    assert cookie(context, "footfallutk") is not None
    assert stored_after_closing(context, portal) == ["e_visited_page"]


def test_an_opt_out_on_the_page_drops_what_waits_to_be_sent(context: BrowserContext,
                                                            portal: Portal,
                                                            pages: PageServer) -> None:
    """An event pushed a moment before the visitor opts out (within the 100 ms batch) is
    never sent; the visitor cookie is gone from the next page on."""
    portal.call("POST", "/events/v3/event-definitions", {"label": "Kept", "name": "kept"})
    page = context.new_page()
    open_page(page, portal, pages)
    assert cookie(context, "footfallutk") is not None
    page.evaluate(f"_hsq.push(['trackCustomBehavioralEvent', {{name: '{portal.fqn('kept')}'}}],"
                  " ['doNotTrack'])")
    assert page.evaluate(f"{saved(portal)}.join()") == "[]"
    loaded(context.new_page(), portal, pages)
    assert cookie(context, "footfallutk") is None  # removed by the next page
    assert stored_after_closing(context, portal) == ["e_visited_page"]


def test_an_opt_in_keeps_what_waits_to_be_sent(context: BrowserContext, portal: Portal,
                                               pages: PageServer) -> None:
    """Consent managers push {track: true} on every page once the visitor agreed: that
    must not drop anything."""
    portal.call("POST", "/events/v3/event-definitions", {"label": "Kept", "name": "kept"})
    page = context.new_page()
    page.add_init_script("(window._hsq = window._hsq || []).push(['doNotTrack', {track: true}])")
    open_page(page, portal, pages)
    page.evaluate(f"_hsq.push(['trackCustomBehavioralEvent', {{name: '{portal.fqn('kept')}'}}],"
                  " ['doNotTrack', {track: true}])")
    assert sorted(stored_after_closing(context, portal)) == ["e_visited_page", portal.fqn("kept")]


def test_an_opt_out_at_load_drops_what_earlier_pages_left_unsent(context: BrowserContext,
                                                                 restartable: Collector,
                                                                 pages: PageServer) -> None:
    """Hits a closed page could not deliver wait in localStorage for the next page; when the
    visitor has opted out meanwhile (the site set the cookie itself), that page drops them."""
    portal = Portal(restartable, *create_portal(restartable.database, "opt-out"))
    portal.call("POST", "/events/v3/event-definitions", {"label": "Kept", "name": "kept"})
    first = context.new_page()
    open_page(first, portal, pages)
    restartable.stop()
    with first.expect_event("requestfailed"):
        first.evaluate(f"_hsq.push(['trackCustomBehavioralEvent', {{name: '{portal.fqn('kept')}'}}])")
    assert first.evaluate(f"{saved(portal)}.join()") != "[]"
    first.close()
    restartable.start()

    context.add_cookies([{"name": OPT_OUT, "value": "yes", "url": pages.url}])
    second = context.new_page()
    loaded(second, portal, pages)
    assert second.evaluate(f"{saved(portal)}.join()") == ""  # taken over, not kept
    assert stored_after_closing(context, portal) == ["e_visited_page"]  # the first view only


def test_autotrack_reports_no_page_of_an_opted_out_visitor(context: BrowserContext,
                                                           portal: Portal,
                                                           pages: PageServer) -> None:
    """The visualizer's "no match" report carries the page URL: none while opted out."""
    save_definition(portal, pages, {"label": "Hero signup", "trackingType": "CLICKED_ELEMENT",
                                    "selector": '[data-track="hero-signup"]', "page": "/shop.html"})
    context.add_cookies([{"name": OPT_OUT, "value": "yes", "url": pages.url}])
    quiet = context.new_page()
    loaded(quiet, portal, pages, "shop.html", "renamed=1")
    time.sleep(2.5)  # the report goes 1.5 s after the page loads
    quiet.evaluate("_hsq.push(['doNotTrack', {track: true}])")
    tracked = context.new_page()
    with tracked.expect_response(missed):
        tracked.goto(portal.page_url(pages, "shop.html", "renamed=1"))
    [health] = portal.call("GET", "/footfall/v1/visualizer/health")["results"]
    assert [m["count"] for m in health["missingOn"]] == [1]  # the opted-in visit's alone
