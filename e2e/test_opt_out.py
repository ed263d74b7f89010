"""HubSpot's opt-out in real Chromium: the doNotTrack command and its __hs_do_not_track
cookie stop every hit, keep it so across pages, and {track: true} takes it back."""

from __future__ import annotations

import time

from playwright.sync_api import BrowserContext, Page, Request

from e2e.harness import Collector, PageServer, Portal, create_portal
from e2e.tracker_kit import open_page, saved

OPT_OUT = "__hs_do_not_track"


def loaded(page: Page, portal: Portal, pages: PageServer) -> None:
    """Open page.html and wait for the tracker to have run (it sends nothing to wait for)."""
    page.goto(portal.page_url(pages, "page.html"))
    page.wait_for_function("window._hsq && window._hsq.ff === 1")


def cookie(context: BrowserContext, name: str) -> dict[str, object] | None:
    found = [c for c in context.cookies() if c["name"] == name]
    return dict(found[0]) if found else None


def test_do_not_track_stops_tracking_until_taken_back(context: BrowserContext, portal: Portal,
                                                      pages: PageServer) -> None:
    """A page pushes doNotTrack before the script loads (as HubSpot sites do when the
    visitor opts out): no hit on that page or the next, no visitor cookie; the cookie lasts
    13 months; {track: true} removes it and the page after that is tracked again."""
    portal.call("POST", "/events/v3/event-definitions", {"label": "Kept", "name": "kept"})
    sent: list[Request] = []
    context.on("request", lambda r: sent.append(r) if "/collect" in r.url else None)
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
    later.evaluate(f"_hsq.push({event})")
    time.sleep(0.5)  # the tracker sends within 100 ms
    assert sent == []
    assert later.evaluate(f"{saved(portal)}.join()") in ("", "[]")  # nothing kept to send later

    later.evaluate("_hsq.push(['doNotTrack', {track: true}])")
    assert cookie(context, OPT_OUT) is None
    again = context.new_page()
    open_page(again, portal, pages)
    assert cookie(context, "footfallutk") is not None
    time.sleep(0.5)
    assert [e["eventType"] for e in portal.events()] == ["e_visited_page"]


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
    time.sleep(0.5)
    assert [e["eventType"] for e in portal.events()] == ["e_visited_page"]  # the first view only
