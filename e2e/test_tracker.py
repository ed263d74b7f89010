"""The tracker in real headless Chromium against a real collector and real pages."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import BrowserContext, Page, Route

from e2e.harness import Collector, PageServer, Portal, create_portal
from e2e.tracker_kit import collected, open_page, push, saved


@pytest.mark.both_backends
def test_page_view_on_load_and_on_spa_navigation(page: Page, portal: Portal, pages: PageServer) -> None:
    open_page(page, portal, pages)
    with page.expect_response(collected):
        page.click("#next")
    views = portal.wait_for_events(2, eventType="e_visited_page")
    by_url = {v["properties"]["hs_page_url"]: v["properties"] for v in views}
    first = portal.page_url(pages, "page.html")
    assert set(by_url) == {first, f"{pages.url}/spa/next"}
    assert by_url[first]["hs_page_title"] == "Fixture page"
    assert by_url[f"{pages.url}/spa/next"]["hs_referrer"] == first
    assert by_url[first]["hs_screen_width"].isdigit()
    assert by_url[first]["hs_language"]


@pytest.mark.both_backends
def test_a_visit_s_next_page_keeps_the_source_it_began_with(page: Page, portal: Portal,
                                                            pages: PageServer) -> None:
    """Opened from a newsletter link, the visit's next page counts as the newsletter's
    too (its referrer is the first page: on its own it would be direct traffic)."""
    campaign = "utm_medium=email&utm_source=news"
    open_page(page, portal, pages, query=campaign)
    with page.expect_response(collected):
        page.click("#next")
    views = portal.wait_for_events(2, eventType="e_visited_page")
    sources = {v["properties"]["hs_page_url"]: v["properties"]["hs_touchpoint_source"]
               for v in views}
    assert sources == {portal.page_url(pages, "page.html", campaign): "EMAIL_MARKETING",
                       f"{pages.url}/spa/next": "EMAIL_MARKETING"}


@pytest.mark.both_backends
def test_a_visit_from_a_search_counts_as_the_search_on_its_next_page(page: Page, portal: Portal,
                                                                    pages: PageServer) -> None:
    """A visitor comes from a search engine and follows a link to a second page, whose
    referrer is the first one."""
    with page.expect_response(collected):
        page.goto(portal.page_url(pages, "landing.html"), referer="https://www.google.com/")
    with page.expect_response(collected):
        page.click("#onward")
    views = portal.wait_for_events(2, eventType="e_visited_page")
    seen = {v["properties"]["hs_page_title"]: (v["properties"].get("hs_referrer"),
                                               v["properties"]["hs_touchpoint_source"])
            for v in views}
    assert seen == {"Landing page": ("https://www.google.com/", "ORGANIC_SEARCH"),
                    "Fixture page": (portal.page_url(pages, "landing.html"), "ORGANIC_SEARCH")}


def test_hubspot_style_single_page_app_counts_each_view_once(page: Page, portal: Portal,
                                                            pages: PageServer) -> None:
    """A page written for HubSpot tracks its own views on navigation (setPath, then
    trackPageView); the history change does not count them a second time."""
    open_page(page, portal, pages, "hubspot_spa.html")
    for button in ("#about", "#pricing"):
        with page.expect_response(collected):
            page.click(button)
    views = portal.wait_for_events(3, eventType="e_visited_page")
    time.sleep(0.5)  # any duplicate would have been sent with the views by now
    views = portal.events(eventType="e_visited_page")
    assert sorted(v["properties"]["hs_page_url"] for v in views) == sorted([
        portal.page_url(pages, "hubspot_spa.html"), f"{pages.url}/app/about",
        f"{pages.url}/app/pricing"])


def test_a_hubspot_app_identifies_on_its_first_navigation(context: BrowserContext, portal: Portal,
                                                          pages: PageServer) -> None:
    """The page's own trackPageView shortly after a history change is that navigation's one
    view, with the title, path and identity the page set meanwhile (sent as the tab closes)."""
    page = context.new_page()
    open_page(page, portal, pages, "hubspot_login.html")
    page.click("#login")
    page.wait_for_function("document.title.startsWith('Dashboard')")
    page.close()
    views = portal.wait_for_events(2, eventType="e_visited_page")
    time.sleep(0.5)
    views = portal.events(eventType="e_visited_page")
    assert [(v["properties"]["hs_page_url"], v["properties"]["hs_page_title"]) for v in views] == [
        (portal.page_url(pages, "hubspot_login.html"), "Log in | Acme"),
        (f"{pages.url}/dashboard", "Dashboard | Acme")]
    jane = portal.events(objectType="contact", **{"objectProperty.email": "jane@example.com"})
    assert len(jane) == 2  # the view before logging in too: the same visitor


def test_a_history_view_has_the_title_the_app_sets_after_navigating(page: Page, portal: Portal,
                                                                    pages: PageServer) -> None:
    open_page(page, portal, pages)
    with page.expect_response(collected):
        page.evaluate("history.pushState({}, '', '/spa/next');"
                      " setTimeout(() => document.title = 'Next page', 200)")
    [view] = portal.events(eventType="e_visited_page", sort="-occurredAt", limit="1")
    assert (view["properties"]["hs_page_url"], view["properties"]["hs_page_title"]) == (
        f"{pages.url}/spa/next", "Next page")


def test_a_history_view_comes_before_the_events_of_its_page(page: Page, portal: Portal,
                                                            pages: PageServer) -> None:
    """The view waits a second for the page's own trackPageView but is timed at the change,
    so an event the new page sends as it renders follows it in the timeline."""
    portal.call("POST", "/events/v3/event-definitions", {"label": "Opened", "name": "opened"})
    open_page(page, portal, pages)
    page.evaluate("history.pushState({}, '', '/spa/next'); setTimeout(() => _hsq.push("
                  f"['trackCustomBehavioralEvent', {{name: '{portal.fqn('opened')}'}}]), 20)")
    portal.wait_for_events(2, eventType="e_visited_page")
    first = portal.page_url(pages, "page.html")
    assert [(e["eventType"], e["properties"]["hs_page_url"], e["properties"].get("hs_referrer"))
            for e in portal.events()][1:] == [
        ("e_visited_page", f"{pages.url}/spa/next", first),
        (portal.fqn("opened"), f"{pages.url}/spa/next", first)]  # the new page's referrer


def test_a_redirect_within_the_second_is_one_view(page: Page, portal: Portal,
                                                  pages: PageServer) -> None:
    """A HubSpot-style app that redirects (/x, then /y 0.6 s later) and tracks /y itself
    0.5 s after that: one view, of /y (the second restarts at each change)."""
    open_page(page, portal, pages, "hubspot_spa.html")
    with page.expect_response(collected):
        page.evaluate("""history.pushState({}, '', '/x');
            setTimeout(() => history.pushState({}, '', '/y'), 600);
            setTimeout(() => _hsq.push(['setPath', '/y'], ['trackPageView']), 1100)""")
    time.sleep(1.5)  # a view of its own for /x would have been sent by now
    assert [v["properties"]["hs_page_url"] for v in portal.events(eventType="e_visited_page")] == [
        portal.page_url(pages, "hubspot_spa.html"), f"{pages.url}/y"]


def test_leaving_right_after_a_navigation_still_counts_it(context: BrowserContext, portal: Portal,
                                                         pages: PageServer) -> None:
    page = context.new_page()
    open_page(page, portal, pages)
    page.click("#next")
    page.close()  # well within the second the view waits for the page's own trackPageView
    views = portal.wait_for_events(2, eventType="e_visited_page")
    assert f"{pages.url}/spa/next" in [v["properties"]["hs_page_url"] for v in views]


def test_set_path_resolves_and_the_deprecated_track_event_records_nothing(
        page: Page, portal: Portal, pages: PageServer) -> None:
    """HubSpot: trackEvent "has been deprecated and no longer works"; a relative or empty
    setPath gives a URL resolved against the page, never origin + text."""
    portal.call("POST", "/events/v3/event-definitions", {"label": "Clicked", "name": "clicked"})
    open_page(page, portal, pages)
    page.evaluate(f"""_hsq.push(['trackEvent', {{id: '{portal.fqn('clicked')}', value: 20}}],
        ['trackEvent', {{id: '000000001625'}}], ['setPath', 'pricing'], ['trackPageView'])""")
    push(page, "['setPath', ''], ['trackPageView'],"
               f" ['trackCustomBehavioralEvent', {{name: '{portal.fqn('clicked')}'}}],"
               " ['setPath'], ['trackPageView']")  # no path: was recorded at /undefined
    found = portal.wait_for_events(5)
    time.sleep(0.5)
    found = portal.events()
    assert [(e["eventType"], e["properties"]["hs_page_url"]) for e in found] == [
        ("e_visited_page", portal.page_url(pages, "page.html")),
        ("e_visited_page", f"{pages.url}/pricing"),
        ("e_visited_page", portal.page_url(pages, "page.html")),
        (portal.fqn("clicked"), portal.page_url(pages, "page.html")),
        ("e_visited_page", portal.page_url(pages, "page.html"))]
    assert portal.call("GET", "/footfall/v1/tracking/failed-events")["results"] == []


def test_a_frame_without_cookies_is_still_tracked(page: Page, portal: Portal,
                                                  pages: PageServer) -> None:
    """In a sandboxed frame reading document.cookie throws: the tracker still counts."""
    page.goto(portal.page_url(pages, "sandboxed.html"))
    [view] = portal.wait_for_events(1, eventType="e_visited_page")
    assert view["properties"]["hs_page_url"] == "about:srcdoc"


def test_a_frame_that_keeps_no_cookie_is_one_visitor(context: BrowserContext, portal: Portal,
                                                     pages: PageServer) -> None:
    """A cross-site frame keeps no SameSite=Lax cookie: rather than a new visitor token per
    page, the tracker sends none and the collector's daily hash keeps one visitor."""
    page = context.new_page()
    for _ in range(2):
        with page.expect_response(collected):
            page.goto(portal.page_url(pages, "framed.html"))
    views = portal.wait_for_events(2, eventType="e_visited_page")
    assert len(views) == 2
    assert views[0]["objectId"] == views[1]["objectId"]


def test_properties_json_cannot_carry_keep_their_event(page: Page, portal: Portal,
                                                       pages: PageServer) -> None:
    portal.call("POST", "/events/v3/event-definitions", {"label": "Odd", "name": "odd"})
    open_page(page, portal, pages)
    push(page, f"['trackCustomBehavioralEvent', {{name: '{portal.fqn('odd')}',"
               " properties: {big: 1n, ok: 'yes'}}]")
    assert len(portal.wait_for_events(1, eventType=portal.fqn("odd"))) == 1


def test_an_hsq_that_is_no_array_still_works(page: Page, portal: Portal, pages: PageServer) -> None:
    portal.call("POST", "/events/v3/event-definitions", {"label": "Kept", "name": "kept"})
    page.add_init_script("window._hsq = {}")
    open_page(page, portal, pages)  # the automatic page view
    push(page, f"['trackCustomBehavioralEvent', {{name: '{portal.fqn('kept')}'}}]")
    assert len(portal.wait_for_events(1, eventType=portal.fqn("kept"))) == 1


@pytest.mark.both_backends
def test_custom_event_from_the_generated_snippet(page: Page, portal: Portal, pages: PageServer) -> None:
    portal.call("POST", "/events/v3/event-definitions", {
        "label": "Bought", "name": "bought", "propertyDefinitions": [
            {"name": "amount", "label": "Amount", "type": "number"},
            {"name": "plan", "label": "Plan", "type": "enumeration",
             "options": [{"label": "Pro", "value": "pro"}]},
            {"name": "gift", "label": "Gift", "type": "bool"},
            {"name": "note", "label": "Note", "type": "string"}]})
    snippet = portal.call("GET", f"/footfall/v1/event-definitions/{portal.fqn('bought')}/snippet")
    open_page(page, portal, pages)
    with page.expect_response(collected):
        page.add_script_tag(content=snippet["snippet"])  # pasted as generated
    [event] = portal.wait_for_events(1, eventType=portal.fqn("bought"))
    props = event["properties"]
    assert {k: props[k] for k in ("amount", "plan", "gift", "note")} == {
        "amount": "0", "plan": "pro", "gift": "true", "note": "text"}
    assert props["hs_browser"] == "HeadlessChrome"  # the documented test switch is on


@pytest.mark.both_backends
def test_oversized_values_and_too_many_properties_are_adjusted(page: Page, portal: Portal,
                                                               pages: PageServer) -> None:
    props = [{"name": f"p{i:02d}", "label": f"P{i}", "type": "string"} for i in range(60)]
    portal.call("POST", "/events/v3/event-definitions",
                {"label": "Wide", "name": "wide", "propertyDefinitions": props})
    open_page(page, portal, pages)
    push(page, f"['trackCustomBehavioralEvent', {{name: '{portal.fqn('wide')}',"
               " properties: {p00: 'x'.repeat(5000)}}]")
    sixty = "Object.fromEntries(Array.from({length: 60}, (_, i) => ['p' + String(i).padStart(2, '0'), i]))"
    push(page, f"['trackCustomBehavioralEvent', {{name: '{portal.fqn('wide')}', properties: {sixty}}}]")
    events = portal.wait_for_events(2, eventType=portal.fqn("wide"))
    by_count = sorted(events, key=lambda e: len(e["properties"]))
    long_one, wide = by_count
    assert long_one["properties"]["p00"] == "x" * 256
    assert {"field": "properties.p00", "action": "TRUNCATED",
            "message": "cut from 5000 to 256 characters"} in long_one["adjustments"]
    custom = sorted(k for k in wide["properties"] if not k.startswith("hs_"))
    assert custom == [f"p{i:02d}" for i in range(50)]
    assert len([a for a in wide["adjustments"] if a["action"] == "DROPPED"]) == 10


@pytest.mark.both_backends
def test_identify_ties_earlier_anonymous_completions(page: Page, portal: Portal,
                                                     pages: PageServer) -> None:
    portal.call("POST", "/events/v3/event-definitions", {"label": "Signed up", "name": "signed_up"})
    open_page(page, portal, pages)  # anonymous page view
    page.evaluate("window._hsq.push(['identify', {email: 'ann@example.com'}])")
    push(page, f"['trackCustomBehavioralEvent', {{name: '{portal.fqn('signed_up')}'}}]")
    found = portal.wait_for_events(2, objectType="contact",
                                   **{"objectProperty.email": "ann@example.com"})
    assert sorted(e["eventType"] for e in found) == ["e_visited_page",
                                                     portal.fqn("signed_up")]


@pytest.mark.both_backends
def test_page_written_for_hubspot_works_unchanged(page: Page, portal: Portal, pages: PageServer) -> None:
    portal.call("POST", "/events/v3/event-definitions", {
        "label": "Clicked CTA", "name": "clicked_cta",
        "propertyDefinitions": [{"name": "cta_id", "label": "CTA", "type": "string"}]})
    page.goto(portal.page_url(pages, "hubspot.html"))
    found = portal.wait_for_events(2, objectType="contact",
                                   **{"objectProperty.email": "visitor@example.com"})
    by_type = {e["eventType"]: e["properties"] for e in found}
    assert by_type[portal.fqn("clicked_cta")]["cta_id"] == "hero"
    assert by_type["e_visited_page"]["hs_page_url"] == f"{pages.url}/hubspot/landing"
    assert len(found) == 2  # the queued trackPageView replaces the automatic one


@pytest.mark.both_backends
def test_delivery_on_tab_close(context: BrowserContext, portal: Portal, pages: PageServer) -> None:
    portal.call("POST", "/events/v3/event-definitions", {"label": "Left", "name": "left"})
    page = context.new_page()
    open_page(page, portal, pages)
    page.evaluate(f"window._hsq.push(['trackCustomBehavioralEvent', {{name: '{portal.fqn('left')}'}}])")
    page.close()  # before the 100 ms batch timer: hiding the page sends it with sendBeacon
    assert len(portal.wait_for_events(1, eventType=portal.fqn("left"))) == 1


@pytest.mark.both_backends
def test_collector_down_then_up_events_arrive_once(page: Page, restartable: Collector,
                                                   pages: PageServer) -> None:
    portal = Portal(restartable, *create_portal(restartable.database, "restart"))
    portal.call("POST", "/events/v3/event-definitions", {"label": "Kept", "name": "kept"})
    open_page(page, portal, pages)
    restartable.stop()
    with page.expect_event("requestfailed"):
        page.evaluate(f"window._hsq.push(['trackCustomBehavioralEvent', {{name: '{portal.fqn('kept')}'}}])")
    restartable.start()
    with page.expect_response(collected, timeout=15_000):
        pass  # the tracker's back-off retry reaches the collector again
    page.wait_for_function(f"{saved(portal)}.join() === '[]'")
    events = portal.events()
    assert sorted(e["eventType"] for e in events) == ["e_visited_page", portal.fqn("kept")]


def test_the_unsent_queue_keeps_the_newest_500(page: Page, restartable: Collector,
                                              pages: PageServer) -> None:
    portal = Portal(restartable, *create_portal(restartable.database, "outage"))
    open_page(page, portal, pages)
    restartable.stop()
    page.evaluate("for (let i = 0; i < 600; i++) _hsq.push(['trackCustomBehavioralEvent',"
                  " {name: 'pe1_e' + i}])")
    [kept] = page.evaluate(f"{saved(portal)}.map(JSON.parse)")
    assert [hit["n"] for hit in kept] == [f"pe1_e{i}" for i in range(100, 600)]


def test_bots_are_left_out_unless_the_switch_is_on(page: Page, strict_collector: Collector,
                                                   pages: PageServer) -> None:
    portal = Portal(strict_collector, *create_portal(strict_collector.database, "strict"))
    open_page(page, portal, pages)  # acknowledged (204) but not stored: HeadlessChrome is a bot
    assert portal.events() == []
    assert portal.call("GET", "/footfall/v1/tracking/counters")["counters"]["bot_hits"] >= 1


def test_debug_mode_says_a_headless_browser_counts_as_a_bot(page: Page,
                                                            strict_collector: Collector,
                                                            pages: PageServer) -> None:
    portal = Portal(strict_collector, *create_portal(strict_collector.database, "debug-bot"))
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    open_page(page, portal, pages, query="footfall_debug=1")
    page.wait_for_function("window._ffd && window._ffd.push !== Array.prototype.push")
    assert any("counts its hits as bots" in w and "FOOTFALL_ALLOW_HEADLESS" in w
               for w in warnings), warnings


def test_cookieless_mode_sets_no_cookie(context: BrowserContext, portal: Portal,
                                        pages: PageServer, collector: Collector) -> None:
    page = context.new_page()
    open_page(page, portal, pages)
    [cookie] = [c for c in context.cookies() if c["name"] == "footfallutk"]
    days = (cookie["expires"] - time.time()) / 86400
    assert 390 < days < 400  # 13 months
    private = Portal(collector, *create_portal(collector.database, "private"))
    private.call("PATCH", "/footfall/v1/tracking/settings", {"cookieless": True})
    other = context.new_page()
    open_page(other, private, pages)
    assert [c for c in context.cookies() if c["name"] == "footfallutk"] == []  # removed
    push(other, "['identify', {email: 'ann@example.com'}], ['trackPageView']")
    views = private.wait_for_events(2)
    assert private.events(objectType="contact", **{"objectProperty.email": "ann@example.com"}) == []
    assert {"field": "email", "action": "DROPPED",
            "message": "the portal is in cookieless mode (no identity)"} in views[1]["adjustments"]


def test_debug_mode_warns_about_unknown_events_and_properties(page: Page, portal: Portal,
                                                              pages: PageServer) -> None:
    portal.call("POST", "/events/v3/event-definitions", {
        "label": "Rated", "name": "rated",
        "propertyDefinitions": [{"name": "stars", "label": "Stars", "type": "number"}]})
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page.add_init_script("window._hsp = [['addPrivacyConsentListener', function () {}]]")
    open_page(page, portal, pages, query="footfall_debug=1")
    page.wait_for_function("window._ffd && window._ffd.push !== Array.prototype.push")
    page.evaluate(f"""window._hsq.push(
        ['trackCustomBehavioralEvent', {{name: 'pe{portal.portal_id}_nope'}}],
        ['trackCustomBehavioralEvent', {{name: '{portal.fqn('rated')}',
          properties: {{stars: 'many', colour: 'red', Stars: 1}}}}])""")
    page.evaluate("""window._hsq.push(['trackEvent', {id: 'x'}], ['setContentType', 'blog-post'],
        ['setPath', 'pricing'], ['identify', {id: 'user-42'}]); window._hsp.push(['showBanner']);
        window.footfall('trackEvent', {id: 'y'})""")  # the same API as a function
    text = "\n".join(warnings)
    assert f'unknown event "pe{portal.portal_id}_nope"' in text
    assert 'property "stars" must be a number' in text
    assert 'unknown property "colour"' in text
    assert text.count("trackEvent is deprecated by HubSpot and records nothing") == 2
    assert '"setContentType" is not supported by the Footfall tracker' in text
    assert 'setPath takes a path starting with "/"' in text
    assert "identify keeps only the email, and this one has none" in text
    assert text.count("consent API (_hsp) does nothing for this portal") == 2  # queued, pushed


def test_events_queued_before_the_script_loads_follow_its_page_view(page: Page, portal: Portal,
                                                                    pages: PageServer) -> None:
    """Commands queued before the script loads (and those the owners' code runs at load):
    setPath and identify still apply to the automatic page view, which is sent before the
    queued custom events, so a timeline shows the view first."""
    for name in ("early", "coded"):
        portal.call("POST", "/events/v3/event-definitions", {"label": name, "name": name})
    portal.call("PUT", f"/footfall/v1/event-definitions/{portal.fqn('coded')}/snippet",
                {"code": f"_hsq.push(['trackCustomBehavioralEvent', {{name: '{portal.fqn('coded')}'}}])"})
    page.add_init_script(f"""window._hsq = [
        ['trackCustomBehavioralEvent', {{name: '{portal.fqn('early')}'}}],
        ['setPath', '/early/landing'], ['identify', {{email: 'early@example.com'}}]]""")
    open_page(page, portal, pages)
    found = portal.wait_for_events(3)
    time.sleep(0.5)  # an extra page view would have been sent with these by now
    found = portal.events()  # oldest first; the same millisecond in the order sent
    assert [e["eventType"] for e in found] == [
        "e_visited_page", portal.fqn("early"), portal.fqn("coded")], found
    assert found[0]["properties"]["hs_page_url"] == f"{pages.url}/early/landing"
    assert len(portal.events(objectType="contact",
                             **{"objectProperty.email": "early@example.com"})) == 3


def test_two_tabs_keep_each_others_unsent_hits(context: BrowserContext, restartable: Collector,
                                               pages: PageServer) -> None:
    """Each tab saves its unsent hits apart from the other tabs of the site: a tab that closes
    while the collector is down loses nothing to a second tab's writes; the next page sends
    them, and acknowledged hits leave storage."""
    portal = Portal(restartable, *create_portal(restartable.database, "tabs"))
    portal.call("POST", "/events/v3/event-definitions", {
        "label": "Kept", "name": "kept",
        "propertyDefinitions": [{"name": "mark", "label": "Mark", "type": "string"}]})
    first, second = context.new_page(), context.new_page()
    open_page(first, portal, pages)
    open_page(second, portal, pages)
    restartable.stop()
    for tab, mark in ((first, "a"), (second, "b"), (first, "c")):
        with tab.expect_event("requestfailed"):
            tab.evaluate(f"_hsq.push(['trackCustomBehavioralEvent', {{name: '{portal.fqn('kept')}',"
                         f" properties: {{mark: '{mark}'}}}}])")
    first.close()  # its beacon on hiding fails too: only storage keeps "a" and "c"
    restartable.start()
    with second.expect_response(collected, timeout=15_000):
        pass  # the second tab's back-off retry delivers its own "b"
    open_page(second, portal, pages)  # the next page sends what the closed tab left
    found = portal.wait_for_events(6)
    time.sleep(0.5)
    found = portal.events()
    marks = sorted(e["properties"].get("mark", "") for e in found)
    assert marks == ["", "", "", "a", "b", "c"], found  # three page views, each hit once
    second.wait_for_function(f"{saved(portal)}.join() === '[]'")  # the one page left


def test_hash_routing_counts_each_hash_change(page: Page, portal: Portal, pages: PageServer) -> None:
    """With hash routing on, a change of the hash is a page view: the tracker hears it as
    popstate, which browsers fire on a hash change too (also going back)."""
    portal.call("PATCH", "/footfall/v1/tracking/settings", {"hashRouting": True})
    open_page(page, portal, pages)
    for hash_ in ("#/a", "#/b"):
        with page.expect_response(collected):
            page.evaluate(f"location.hash = '{hash_}'")
    with page.expect_response(collected):
        page.go_back()  # to #/a again
    portal.wait_for_events(4, eventType="e_visited_page")
    time.sleep(0.5)  # a view counted twice (popstate and hashchange) would be here by now
    first = portal.page_url(pages, "page.html")
    assert [v["properties"]["hs_page_url"] for v in portal.events(eventType="e_visited_page")] == [
        first, f"{first}#/a", f"{first}#/b", f"{first}#/a"]


def test_the_visitor_cookie_is_secure_over_https(context: BrowserContext, portal: Portal,
                                                 pages: PageServer) -> None:
    """Over https the visitor cookie is Secure; over http (every other test) it cannot be."""
    site = "https://shop.example"
    html = f'<!doctype html><title>https</title><script async src="/js/{portal.portal_id}.js"></script>'

    def serve(route: Route) -> None:  # the site, with the collector behind the same origin
        path = route.request.url.removeprefix(site)
        if path == "/":
            route.fulfill(body=html, content_type="text/html")
        else:
            route.fulfill(response=route.fetch(url=portal.collector.url + path))

    page = context.new_page()
    page.route(f"{site}/**", serve)
    with page.expect_response(collected):
        page.goto(f"{site}/")
    [cookie] = [c for c in context.cookies(site) if c["name"] == "footfallutk"]
    assert cookie["secure"] is True
    plain = context.new_page()
    open_page(plain, portal, pages)
    [cookie] = [c for c in context.cookies(pages.url) if c["name"] == "footfallutk"]
    assert cookie["secure"] is False
