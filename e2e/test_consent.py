"""Consent-based identity in real Chromium (SPEC 12.9): the consent module answers HubSpot's
consent API, keeps the visitor cookie (and so the identity) from a visitor who has not
consented, and records a decision for the pages that follow."""

from __future__ import annotations

import time

from playwright.sync_api import BrowserContext, Page

from e2e.harness import Collector, PageServer, Portal, create_portal
from e2e.tracker_kit import open_page, push

LISTENER = """(window._hsp = window._hsp || []).push(['addPrivacyConsentListener',
    c => (window.seen = window.seen || []).push([c.allowed, c.categories.analytics,
                                                  c.categories.necessary])])"""


def consent_portal(collector: Collector, mode: str) -> Portal:
    portal = Portal(collector, *create_portal(collector.database, f"consent {mode}"))
    portal.call("PATCH", "/footfall/v1/tracking/settings", {"consent": mode})
    return portal


def cookie(context: BrowserContext, name: str) -> dict[str, object] | None:
    found = [c for c in context.cookies() if c["name"] == name]
    return dict(found[0]) if found else None


def listening_page(context: BrowserContext, portal: Portal, pages: PageServer) -> Page:
    page = context.new_page()
    page.add_init_script(LISTENER)  # pushed before the script loads, as on HubSpot pages
    open_page(page, portal, pages)
    return page


def test_identity_waits_for_consent(context: BrowserContext, collector: Collector,
                                    pages: PageServer) -> None:
    """"required": no visitor cookie and no identity before consent (the page is counted);
    a consent manager's setHubSpotConsent is told to the listeners and gives the next page
    its cookie and identity; revokeCookieConsent (pushed to _hsq, as HubSpot's newer pages
    do) removes the cookie at once and keeps the next page anonymous."""
    portal = consent_portal(collector, "required")
    before = listening_page(context, portal, pages)
    assert cookie(context, "footfallutk") is None
    assert before.evaluate("window.seen") == [[False, False, True]]
    push(before, "['identify', {email: 'ann@example.com'}], ['trackPageView']")
    views = portal.wait_for_events(2)
    assert {"field": "email", "action": "DROPPED", "message": "no visitor token: the visitor"
            " has not consented to identity (consent mode)"} in views[1]["adjustments"]

    before.evaluate("_hsp.push(['setHubSpotConsent', {analytics: true, advertisement: false,"
                    " functionality: true}])")
    assert before.evaluate("window.seen") == [[False, False, True], [True, True, True]]
    decision = cookie(context, "footfall_consent")
    assert decision is not None
    assert decision["value"] == "1"
    assert 390 < (float(str(decision["expires"])) - time.time()) / 86400 < 400
    assert cookie(context, "footfallutk") is None  # this page read its config at load

    after = listening_page(context, portal, pages)
    assert cookie(context, "footfallutk") is not None
    assert after.evaluate("window.seen") == [[True, True, True]]
    push(after, "['identify', {email: 'bob@example.com'}], ['trackPageView']")
    portal.wait_for_events(4)
    assert len(portal.events(objectType="contact",
                             **{"objectProperty.email": "bob@example.com"})) >= 1

    after.evaluate("_hsq.push(['revokeCookieConsent'])")
    assert cookie(context, "footfallutk") is None
    assert cookie(context, "footfall_consent")["value"] == "0"  # type: ignore[index]
    assert after.evaluate("window.seen") == [[True, True, True], [False, False, True]]
    listening_page(context, portal, pages)
    assert cookie(context, "footfallutk") is None
    assert portal.events(objectType="contact", **{"objectProperty.email": "ann@example.com"}) == []


def test_the_consent_api_answers_at_once_and_a_decline_goes_cookieless(
        context: BrowserContext, collector: Collector, pages: PageServer) -> None:
    """"api": tracking as usual, listeners told "allowed" at once (a page that waits for the
    callback before loading its other scripts goes on); showBanner does nothing; a visitor
    who declines gets no visitor cookie from the next page on."""
    portal = consent_portal(collector, "api")
    page = listening_page(context, portal, pages)
    assert page.evaluate("window.seen") == [[True, True, True]]
    assert cookie(context, "footfallutk") is not None
    page.evaluate("_hsp.push(['showBanner'], ['setHubSpotConsent', {analytics: false}])")
    assert page.evaluate("window.seen") == [[True, True, True], [False, False, True]]
    context.clear_cookies(name="footfallutk")
    later = listening_page(context, portal, pages)
    assert later.evaluate("window.seen") == [[False, False, True]]
    assert cookie(context, "footfallutk") is None
    assert len(portal.wait_for_events(2)) == 2  # still counted, anonymously
