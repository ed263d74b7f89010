"""Consent-based identity in real Chromium (SPEC 12.9): the consent module answers HubSpot's
consent API, keeps the visitor cookie (and so the identity) from a visitor who has not
consented, and takes a refusal or a revocation into account at once."""

from __future__ import annotations

import time

from playwright.sync_api import BrowserContext, Page

from e2e.harness import Collector, PageServer, Portal, create_portal
from e2e.tracker_kit import open_page, push

# Each call: [allowed, analytics, advertisement, functionality, necessary].
LISTENER = """(window._hsp = window._hsp || []).push(['addPrivacyConsentListener', c =>
    (window.seen = window.seen || []).push([c.allowed, c.categories.analytics,
        c.categories.advertisement, c.categories.functionality, c.categories.necessary])])"""


def consent_portal(collector: Collector, mode: str) -> Portal:
    portal = Portal(collector, *create_portal(collector.database, f"consent {mode}"))
    portal.call("PATCH", "/footfall/v1/tracking/settings", {"consent": mode})
    return portal


def cookie(context: BrowserContext, name: str) -> dict[str, object] | None:
    found = [c for c in context.cookies() if c["name"] == name]
    return dict(found[0]) if found else None


def listening_page(context: BrowserContext, portal: Portal, pages: PageServer,
                   before_load: str = "") -> Page:
    page = context.new_page()
    page.add_init_script(LISTENER + ";" + before_load)  # pushed before the script loads
    open_page(page, portal, pages)
    return page


def contacts_named(portal: Portal, email: str) -> list[dict[str, object]]:
    return portal.events(objectType="contact", **{"objectProperty.email": email})


def test_identity_waits_for_consent_and_ends_with_its_revocation(
        context: BrowserContext, collector: Collector, pages: PageServer) -> None:
    """"required": before consent no visitor cookie and no identify (even one queued before
    the script loaded), listeners wait for the decision as for HubSpot's banner; a consent
    manager's setHubSpotConsent reaches the listeners category by category and gives the
    next page its cookie and identity; revokeCookieConsent (pushed to _hsq, as HubSpot's
    newer pages do) ends the identity on that very page, and the visitor is undecided again."""
    portal = consent_portal(collector, "required")
    before = listening_page(context, portal, pages,
                            "window._hsq = [['identify', {email: 'ann@example.com'}]]")
    assert cookie(context, "footfallutk") is None
    assert before.evaluate("window.seen") is None
    push(before, "['identify', {email: 'ann@example.com'}], ['trackPageView']")
    portal.wait_for_events(2)

    before.evaluate("_hsp.push(['setHubSpotConsent', {analytics: true, advertisement: false,"
                    " functionality: true}])")
    assert before.evaluate("window.seen") == [[True, True, False, True, True]]
    decision = cookie(context, "footfall_consent")
    assert decision is not None
    assert decision["value"] == "101"
    assert 390 < (float(str(decision["expires"])) - time.time()) / 86400 < 400
    assert cookie(context, "footfallutk") is None  # this page read its config at load

    after = listening_page(context, portal, pages)
    assert cookie(context, "footfallutk") is not None
    assert after.evaluate("window.seen") == [[True, True, False, True, True]]
    push(after, "['identify', {email: 'bob@example.com'}], ['trackPageView']")
    portal.wait_for_events(4)
    bobs = len(contacts_named(portal, "bob@example.com"))
    assert bobs >= 1

    after.evaluate("_hsq.push(['revokeCookieConsent'])")
    assert cookie(context, "footfallutk") is None
    assert cookie(context, "footfall_consent") is None
    assert after.evaluate("window.seen") == [[True, True, False, True, True]]  # undecided
    push(after, "['identify', {email: 'bob@example.com'}], ['setPath', '/after'],"
                " ['trackPageView']")
    views = portal.wait_for_events(5)
    assert len(contacts_named(portal, "bob@example.com")) == bobs  # the last view is nobody's
    assert views[-1]["properties"]["hs_page_url"].endswith("/after")
    again = listening_page(context, portal, pages)
    assert cookie(context, "footfallutk") is None
    assert again.evaluate("window.seen") is None
    assert contacts_named(portal, "ann@example.com") == []


def test_the_consent_api_answers_at_once_and_a_refusal_counts_at_once(
        context: BrowserContext, collector: Collector, pages: PageServer) -> None:
    """"api": tracking as usual and listeners told "allowed" at once (a page that waits for
    the callback before loading its other scripts goes on); showBanner does nothing; a
    refusal removes the visitor cookie and the identity on that page already, and the next
    page is counted without either."""
    portal = consent_portal(collector, "api")
    page = listening_page(context, portal, pages)
    assert page.evaluate("window.seen") == [[True, True, True, True, True]]
    assert cookie(context, "footfallutk") is not None
    page.evaluate("_hsp.push(['showBanner'], ['setHubSpotConsent', {analytics: false}])")
    assert page.evaluate("window.seen") == [[True, True, True, True, True],
                                            [False, False, True, True, True]]
    assert cookie(context, "footfallutk") is None
    push(page, "['identify', {email: 'cy@example.com'}], ['trackPageView']")
    later = listening_page(context, portal, pages)
    assert later.evaluate("window.seen") == [[False, False, True, True, True]]
    assert cookie(context, "footfallutk") is None
    assert len(portal.wait_for_events(3)) == 3  # still counted, anonymously
    assert contacts_named(portal, "cy@example.com") == []


def test_a_refusal_pushed_as_the_script_loads_is_not_lost(
        context: BrowserContext, collector: Collector, pages: PageServer) -> None:
    """A consent manager answering on _hsq from the script's onload: the module takes over
    _hsq's push synchronously, so the refusal counts."""
    portal = consent_portal(collector, "api")
    page = context.new_page()
    open_page(page, portal, pages, "consent_onload.html")
    page.wait_for_function("document.cookie.includes('footfall_consent=0')", timeout=5000)
    assert cookie(context, "footfallutk") is None
