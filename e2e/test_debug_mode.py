"""Debug mode in real headless Chromium: the debug script agrees with the collector about
what it refuses, reports saved code that cannot compile or that threw when it ran, and
leaves no trace in page URLs. It warns alike about commands pushed before the tracking
script loaded (HubSpot pages queue theirs in the head), before the debug script loaded, and
after."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import ConsoleMessage, Page, Route

from e2e.harness import PageServer, Portal
from e2e.tracker_kit import collected, open_page

# Records each console call of the debug script with the id of the hit it is about.
RECORD_CONSOLE = """window.__said = [];
for (const level of ['warn', 'info']) {
  const original = console[level];
  console[level] = function (message, hit) {
    window.__said.push([level, String(message), hit && hit.i]);
    return original.apply(console, arguments);
  };
}"""
DEBUG_LOADED = "window._ffd && window._ffd.push !== Array.prototype.push"


def _failed_ids(portal: Portal, count: int) -> set[str]:
    found = portal.call("GET", "/footfall/v1/tracking/failed-events")["results"]
    assert len(found) == count, found
    return {f["id"] for f in found}


def test_debug_mode_warns_about_exactly_the_events_the_collector_refuses(
        page: Page, portal: Portal, pages: PageServer) -> None:
    """Names are resolved as the collector resolves them: a bare internal name is recorded
    (with a gentle note), case counts, another portal's prefix is refused."""
    portal.call("POST", "/events/v3/event-definitions", {
        "label": "Added to cart", "name": "added_to_cart",
        "propertyDefinitions": [{"name": "sku", "label": "SKU", "type": "string"}]})
    portal.call("POST", "/events/v3/event-definitions",
                {"label": "Shipped", "name": "shipped", "primaryObject": "COMPANY"})
    page.add_init_script(RECORD_CONSOLE)
    open_page(page, portal, pages, query="footfall_debug=1")
    page.wait_for_function(DEBUG_LOADED)
    pid = portal.portal_id
    names = ["added_to_cart", portal.fqn("added_to_cart"), "added_to_cart\\u0000",  # stored
             "ADDED_TO_CART", f"Pe{pid}_added_to_cart", f"pe{pid + 1}_added_to_cart",
             "pe\\u0663_added_to_cart", portal.fqn("nope"), portal.fqn("shipped")]  # refused
    commands = ", ".join(f"['trackCustomBehavioralEvent', {{name: '{n}', properties: {{sku: 'a'}}}}]"
                         for n in names)
    with page.expect_response(collected) as response:
        page.evaluate(f"window._hsq.push({commands})")
    sent = [h["i"] for h in json.loads(response.value.request.post_data or "")["h"]]
    said = page.evaluate("window.__said")
    warned = {hit for level, _, hit in said if level == "warn" and hit}
    assert len(sent) == len(names)
    assert warned == _failed_ids(portal, 6) == set(sent[3:])
    stored = portal.wait_for_events(3, eventType=portal.fqn("added_to_cart"))
    assert len(stored) == 3
    messages = "\n".join(message for _, message, _ in said)
    assert "unknown event \"added_to_cart\"" not in messages
    assert (f'"added_to_cart" is recorded as {portal.fqn("added_to_cart")}; the fully qualified'
            " name is preferred") in messages
    assert f'unknown event "Pe{pid}_added_to_cart"' in messages
    assert f"event names are case-sensitive: {portal.fqn('added_to_cart')}" in messages
    assert f"its prefix is another portal's: this is portal {pid}" in messages
    assert "the JS API records contact events only" in messages
    [view] = portal.events(eventType="e_visited_page")  # the debug switch left out
    assert view["properties"]["hs_page_url"] == portal.page_url(pages, "page.html")


def test_debug_mode_reports_saved_code_that_does_not_compile(page: Page, portal: Portal,
                                                             pages: PageServer) -> None:
    """The saved code is compiled, not run again: the code that works ran once, at load."""
    codes = {"works": "window.ranSaved = (window.ranSaved || 0) + 1;",
             "broken": "var s = '</script><!--\u2028'; _hsq.push(['trackCustomBehavioralEvent'",
             "retired": "this is not JavaScript"}
    for name, code in codes.items():
        portal.call("POST", "/events/v3/event-definitions", {"label": name, "name": name})
        portal.call("PUT", f"/footfall/v1/event-definitions/{portal.fqn(name)}/snippet",
                    {"code": code})
    portal.call("DELETE", f"/events/v3/event-definitions/{portal.fqn('retired')}")  # archived
    errors: list[ConsoleMessage] = []
    page.on("console", lambda m: errors.append(m) if m.type == "error" else None)
    open_page(page, portal, pages, query="footfall_debug=1")
    page.wait_for_function(DEBUG_LOADED)
    [reported] = [m.text for m in errors if "[footfall debug]" in m.text]
    assert reported.startswith(f"[footfall debug] the saved code of {portal.fqn('broken')} never"
                               " runs: SyntaxError: ")
    assert reported.endswith(codes["broken"])
    assert page.evaluate("window.ranSaved") == 1


def test_debug_mode_reports_saved_code_that_threw_at_load(page: Page, portal: Portal,
                                                          pages: PageServer) -> None:
    """The tracker swallows what saved code throws (the page must not break): code that
    looked for an element the page lacks failed silently, even in debug mode. The code after
    it still runs, and a 'use strict' directive still makes its code strict."""
    codes = {"wires": "document.querySelector('#nowhere').addEventListener('click', () => 0);",
             "strict": "'use strict';\nwindow.savedStrict = (function () { return this; })()"
                       " === undefined;",
             "later": "window.ranLater = (window.ranLater || 0) + 1;"}
    for name, code in codes.items():
        portal.call("POST", "/events/v3/event-definitions", {"label": name, "name": name})
        portal.call("PUT", f"/footfall/v1/event-definitions/{portal.fqn(name)}/snippet",
                    {"code": code})
    errors: list[ConsoleMessage] = []
    page.on("console", lambda m: errors.append(m) if m.type == "error" else None)
    open_page(page, portal, pages)
    page.wait_for_function("window.ranLater === 1")
    assert page.evaluate("window.savedStrict") is True
    assert page.evaluate("window._ffx.map(k => k[0])") == [portal.fqn("wires")]
    assert not [m.text for m in errors if "[footfall debug]" in m.text]  # only in debug mode
    open_page(page, portal, pages, query="footfall_debug=1")
    page.wait_for_function(DEBUG_LOADED)
    page.wait_for_function("window.ranLater === 1")
    [reported] = [m.text for m in errors if "[footfall debug]" in m.text]
    assert reported.startswith(f"[footfall debug] the saved code of {portal.fqn('wires')} threw"
                               " when it ran at load: TypeError: ")



def _queued_warnings(portal: Portal) -> list[str]:
    """What debug mode warns about the commands of e2e/pages/debug_queued.html, once each."""
    return [
        f'unknown event "{portal.fqn("nope")}"; the collector refuses it'
        f" (defined: {portal.fqn('rated')})",
        'property "stars" must be a number (at most one decimal point); the collector will drop it',
        f'unknown property "colour" of {portal.fqn("rated")}; the collector will drop it',
        'property "note" is longer than 256 characters and will be truncated',
        "trackEvent is deprecated by HubSpot and records nothing; use trackCustomBehavioralEvent"
        " with the event's fully qualified name",
        '"setContentType" is not supported by the Footfall tracker and does nothing (supported:'
        " trackCustomBehavioralEvent, trackPageView, setPath, identify, doNotTrack)",
        'setPath takes a path starting with "/"; this one is resolved against the page URL',
        "identify keeps only the email, and this one has none",
        "HubSpot's consent API (_hsp) does nothing for this portal: set its tracking setting"
        ' "consent" to "api" or "required" to answer it; opt visitors out with'
        ' _hsq.push(["doNotTrack"])',
        '_hsq takes arrays such as ["trackPageView"]; this does nothing',
    ]


@pytest.mark.parametrize("when", ["before-the-tracker", "before-the-debug-script", "after-both"])
def test_debug_mode_warns_alike_whenever_a_command_was_pushed(page: Page, portal: Portal,
                                                              pages: PageServer, when: str) -> None:
    """The page pushes the same bad commands in its head before the tracking script tag (the
    tracker runs them at load), while the debug script is still on its way (held here), or
    once both have loaded: each warning comes once, whichever loaded first."""
    portal.call("POST", "/events/v3/event-definitions", {
        "label": "Rated", "name": "rated", "propertyDefinitions": [
            {"name": "stars", "label": "Stars", "type": "number"},
            {"name": "note", "label": "Note", "type": "string"}]})
    page.add_init_script(RECORD_CONSOLE)
    if when == "before-the-debug-script":
        held: list[Route] = []
        page.route("**/js/footfall-debug/**", lambda route: held.append(route))
        with page.expect_response(collected):  # the held script keeps the load event away
            page.goto(portal.page_url(pages, "debug_queued.html", "late=1"),
                      wait_until="domcontentloaded")
        assert page.evaluate(DEBUG_LOADED) is False
        page.evaluate("_hsq.push(...badCommands())")
        [route] = held
        route.continue_()
    else:
        open_page(page, portal, pages, "debug_queued.html",
                  "" if when == "before-the-tracker" else "late=1")
    page.wait_for_function(DEBUG_LOADED)
    if when == "after-both":
        page.evaluate("_hsq.push(...badCommands())")
    said = page.evaluate("window.__said")
    warned = [message.removeprefix("[footfall debug] ") for level, message, _ in said
              if level == "warn"]
    assert sorted(warned) == sorted(_queued_warnings(portal))


def test_debug_mode_never_throws_into_the_page_whatever_window_ffd_is(
        page: Page, portal: Portal, pages: PageServer) -> None:
    """A page's own window._ffd that refuses a push (here frozen; an element with id _ffd
    clobbers it alike): the tracker still tracks what the page queued and pushes, and
    neither _hsq.push nor footfall() throws. Each command was kept outside the tracker's
    try (5cd5a71): both threw into the page, and the queue taken at load ended the tracker
    before its page view (a page view's own hit had ended it there before)."""
    page.add_init_script("window._ffd = Object.freeze([])")
    with page.expect_response(collected, timeout=10_000):
        page.goto(portal.page_url(pages, "debug_queued.html"))
    with page.expect_response(collected, timeout=10_000):
        threw = page.evaluate("""() => {
          try {
            _hsq.push(['trackCustomBehavioralEvent', {name: 'pe1_nope'}], 'not a command');
            footfall('identify', {email: 'ann@example.com'});
            return null;
          } catch (e) { return String(e); }
        }""")
    assert threw is None
