"""The analytics pages of the UI: events list, event detail, contacts (in-process, both backends)."""

from __future__ import annotations

import re
import time

import pytest
from starlette.testclient import TestClient

from collector.portals import NewPortal
from tests.analyticskit import seed
from tests.conftest import Api
from tests.jshits import hit, post_hits
from tests.uikit import Browser
from tests.visual import SITE, button, launch

MARCH = "from=2024-03-01&to=2024-03-31"


@pytest.fixture
def browser(client: TestClient, portals: list[NewPortal]) -> Browser:
    browser = Browser(client)
    browser.sign_in(portals[0].token)
    return browser


def page(browser: Browser, path: str, status: int = 200) -> str:
    response = browser.get(path)
    assert response.status_code == status, response.text[:2000]
    html = response.text
    # The strict CSP allows no inline code or style: none of these pages needs any.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\sstyle=|\son[a-z]+=", html)
    return html


def cell(html: str, event: str) -> str:
    found = re.search(rf'<tr data-event="{event}">(.*?)</tr>', html, re.DOTALL)
    assert found, f"no row for {event}"
    return found.group(1)


def count_in(row: str) -> int:
    found = re.search(r'data-count="(\d+)"', row)
    assert found
    return int(found.group(1))


def test_empty_list_says_how_to_create_the_first_event(browser: Browser) -> None:
    html = page(browser, "/app/events")
    assert "No events yet" in html
    assert 'href="/app/new-event"' in html


def test_list_counts_search_type_and_flags(browser: Browser, api: Api) -> None:
    api.define("signup")
    api.define("clicked", {"name": "note", "label": "Note", "type": "string"})
    api.define("retired")
    api.delete(f"/events/v3/event-definitions/{api.fqn('retired')}")
    now = time.time_ns() // 1_000_000
    for when in (now, now - 40 * 86_400_000):
        api.send(eventName=api.fqn("signup"), email="a@example.com", occurredAt=when)
    post_hits(api.client, api.portal_id, hit(api.fqn("clicked"), p={"note": "x" * 300}),
              hit(api.fqn("retired")), hit(api.fqn("ghost")), hit())
    launch(api).create(**button())
    html = page(browser, "/app/events")
    assert count_in(cell(html, "signup")) == 1  # the older one is outside the 30 days
    assert "1 adjusted" in cell(html, "clicked")
    assert "truncated or dropped" in cell(html, "clicked")
    assert "truncated<" not in html
    assert count_in(cell(html, "e_visited_page")) == 1
    assert 'data-event="retired"' not in html
    assert "ghost" in html  # hits for an event that is not defined
    archived = page(browser, "/app/events?archived=1")
    assert "1 failed" in cell(archived, "retired")
    assert 'data-event="signup"' in page(browser, "/app/events?q=SIGN")
    assert 'data-event="clicked"' not in page(browser, "/app/events?q=sign")
    clicked = page(browser, "/app/events?type=CLICKED_ELEMENT")
    assert 'data-event="clicked_buy"' in clicked
    assert 'data-event="signup"' not in clicked
    assert "No events match" in page(browser, "/app/events?q=zzz")
    assert "Tracking: choose" in page(browser, "/app/events?type=BOGUS", 400)


def attention(html: str) -> str:
    found = re.search(r'<div class="alert warning" role="status">(.*?)</div>', html, re.DOTALL)
    assert found, "no attention banner"
    return found.group(1)


def test_banner_names_archived_events_and_advises_by_name(browser: Browser, api: Api) -> None:
    api.define("retired")
    api.delete(f"/events/v3/event-definitions/{api.fqn('retired')}")
    misnamed = f"PE{api.portal_id}_Added_To_Cart"
    post_hits(api.client, api.portal_id, hit(api.fqn("retired")), hit(api.fqn("retired")),
              hit(api.fqn("ghost")), hit(misnamed), hit("Checkout Done!"))
    banner = attention(page(browser, "/app/events"))  # archived rows are hidden here
    archived, rest = banner.split("Hits for events that are not defined")
    assert "Archived events still receive hits" in archived
    assert f'href="/app/events/retired">Retired</a> <code>{api.fqn("retired")}</code> (2)' in archived
    creatable, cannot = rest.split("cannot be an event's name")
    # The internal name to give (not the fully qualified one, which the form refuses), and
    # a link to the wizard with it filled in.
    assert (f'<code>{api.fqn("ghost")}</code> (1; <a href="/app/new-event?way=javascript&amp;'
            'name=ghost">create the event with the internal name <code>ghost</code></a>)'
            ) in creatable
    wizard = page(browser, "/app/new-event?way=javascript&name=ghost")
    assert 'id="name" name="name" type="text" value="ghost"' in wizard
    assert misnamed not in creatable
    assert "Checkout Done!" not in creatable
    assert (f"<code>{misnamed}</code> (1; probably meant"
            f" <code>pe{api.portal_id}_added_to_cart</code>)") in cannot
    assert "<code>Checkout Done!</code> (1)" in cannot
    assert "Create the event" not in cannot
    assert ("Fix the name in your page code: send the lowercase fully qualified name,"
            f" <code>pe{api.portal_id}_</code>") in cannot


def test_a_broken_selector_is_flagged_in_the_list_and_on_the_page(browser: Browser,
                                                                  api: Api) -> None:
    launch(api).create(**button())
    api.client.post("/collect/misses", content=f'{{"a":{api.portal_id},"u":"{SITE}/x",'
                    f'"m":["{api.fqn("clicked_buy")}"]}}',
                    headers={"Content-Type": "text/plain", "Origin": SITE})
    assert "Selector not matching" in cell(page(browser, "/app/events"), "clicked_buy")
    detail = page(browser, "/app/events/clicked_buy")
    assert "Selector health" in detail
    assert "Not matching" in detail
    assert f"{SITE}/x" in detail


def test_counts_of_one_are_singular(browser: Browser, api: Api) -> None:
    launch(api).create(**button())
    post_hits(api.client, api.portal_id, hit(api.fqn("clicked_buy"), u=f"{SITE}/pricing"))
    detail = page(browser, "/app/events/clicked_buy")
    assert "<dt>Fired</dt><dd>1 time," in detail
    api.define("pick", {"name": "colour", "label": "Colour", "type": "string"})
    for number in range(11):  # the breakdown shows ten values, then "Other"
        assert api.send(eventName=api.fqn("pick"), email="a@example.com",
                        properties={"colour": f"c{number}"}).status_code == 204
    assert "Other (1 value)" in page(browser, "/app/events/pick?by=colour")


def test_detail_chart_totals_breakdown_and_latest(browser: Browser, api: Api) -> None:
    seed(api)
    html = page(browser, f"/app/events/purchase?{MARCH}")
    assert html.count('<g class="bar"') == 31
    assert 'data-tip="Tue 5 Mar 2024: 2 completions"' in html
    assert re.search(r'data-stat="completions">4<', html)
    assert re.search(r'data-stat="unique">3<', html)
    assert 'role="img"' in html
    assert re.search(r'<td>Tue 5 Mar 2024</td><td class="num">2', html)  # the table view
    # Breakdown by the first custom property, each value a link that filters by it.
    assert re.search(r'filter%5Bplan%5D=gold" title="Filter by this value">gold</a>', html)
    assert "(no value)" in html
    assert html.count('<li class="completion">') == 4
    assert html.index("2024-03-12 09:00 UTC") < html.index("2024-03-04 10:00 UTC")
    assert re.search(r'href="/app/contacts/\d+">cy@example.com</a>', html)  # who, by email
    assert "<code>plan</code>" in html


def test_week_and_month_intervals(browser: Browser, api: Api) -> None:
    seed(api)
    weeks = page(browser, "/app/events/purchase?interval=week&from=2024-03-01&to=2024-04-07")
    assert weeks.count('<g class="bar"') == 6
    assert 'data-tip="Week of Mon 4 Mar 2024: 3 completions"' in weeks
    months = page(browser, "/app/events/purchase?interval=month&from=2024-03-01&to=2024-04-30")
    assert 'data-tip="March 2024: 4 completions"' in months
    assert 'data-tip="April 2024: 1 completion"' in months


def test_filter_from_the_form_and_by_link(browser: Browser, api: Api) -> None:
    seed(api)
    html = page(browser, f"/app/events/purchase?{MARCH}&filter_property=plan&filter_value=gold")
    assert re.search(r'data-stat="completions">2<', html)
    assert 'name="filter[plan]" value="gold"' in html  # kept while changing other settings
    assert "Remove the filter Plan = gold" in html
    two = page(browser, f"/app/events/purchase?{MARCH}&filter%5Bplan%5D=gold"
                        "&filter_property=note&filter_value=first")
    assert re.search(r'data-stat="completions">1<', two)
    replaced = page(browser, f"/app/events/purchase?{MARCH}&filter%5Bplan%5D=gold"
                             "&filter_property=plan&filter_value=silver")
    assert re.search(r'data-stat="completions">1<', replaced)
    by_note = page(browser, f"/app/events/purchase?{MARCH}&by=note")
    assert re.search(r'">first</a>', by_note)


def test_bad_settings_show_errors_next_to_the_fields(browser: Browser, api: Api) -> None:
    seed(api)
    html = page(browser, "/app/events/purchase?interval=hour&from=2024-02-30&by=colour"
                         "&filter%5Bshape%5D=round&after=junk", 400)
    for field in ("interval", "from", "by", "filter_value", "after"):
        assert f'id="{field}-error"' in html or f'href="#{field}"' in html, field
    assert "Please correct these fields" in html


def test_a_refused_setting_keeps_what_was_typed(browser: Browser, api: Api) -> None:
    # A period too long for days: the form shows the dates, interval and filters sent,
    # so fixing one setting does not mean typing the others again.
    seed(api)
    html = page(browser, "/app/events/purchase?interval=day&from=2023-01-01&to=2024-03-31"
                         "&by=note&filter%5Bplan%5D=gold&filter_property=note"
                         "&filter_value=first", 400)
    assert "more than 400 days" in html
    assert re.search(r'id="from" name="from" type="date" value="2023-01-01"', html)
    assert re.search(r'id="to" name="to" type="date" value="2024-03-31"', html)
    assert re.search(r'<option value="day" selected>', html)
    assert re.search(r'<option value="note" selected>Note</option>', html.split(
        'id="filter_property"')[1].split("</select>")[0])
    assert 'id="filter_value" name="filter_value" type="text" value="first"' in html
    assert 'name="filter[plan]" value="gold"' in html  # the active filter stays
    assert 'name="by" value="note"' in html
    removed = re.search(r'<a href="([^"]+)" aria-label="Remove the filter Plan = gold"', html)
    assert removed
    assert "filter%5Bplan%5D" not in removed.group(1)
    assert "from=2023-01-01" in removed.group(1)


def test_adjusted_and_failed_notices(browser: Browser, api: Api) -> None:
    api.define("note_taken", {"name": "note", "label": "Note", "type": "string"})
    post_hits(api.client, api.portal_id, hit(api.fqn("note_taken"), p={"note": "y" * 300}))
    api.delete(f"/events/v3/event-definitions/{api.fqn('note_taken')}")
    post_hits(api.client, api.portal_id, hit(api.fqn("note_taken")))
    html = page(browser, "/app/events/note_taken")
    assert re.search(r'data-stat="adjusted">1<', html)
    assert re.search(r'data-stat="failed">1<', html)
    assert "Adjusted on arrival" in html
    assert "the event is archived" in html
    assert "<code>properties.note</code>" in html


def test_page_views_have_a_detail_page(browser: Browser, api: Api) -> None:
    post_hits(api.client, api.portal_id, hit(), hit(u="https://shop.example/docs"))
    html = page(browser, "/app/events/e_visited_page?by=hs_page_url")
    assert "Page views" in html
    assert "https://shop.example/docs" in html


def test_user_data_is_escaped(browser: Browser, api: Api) -> None:
    api.define("purchase", {"name": "note", "label": "Note", "type": "string"})
    api.send(eventName=api.fqn("purchase"), email="x@example.com",
             properties={"note": '<script>alert("x")</script>'})
    html = page(browser, "/app/events/purchase?by=note")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    contact = page(browser, "/app/contacts?q=x@example.com")
    assert "x@example.com" in contact


def test_empty_event_says_how_to_send_the_first_completion(browser: Browser, api: Api) -> None:
    api.define("signup")
    html = page(browser, "/app/events/signup")
    assert "No completions yet" in html
    assert 'href="/app/events/signup/code"' in html


def test_contacts_search_and_recent(browser: Browser, api: Api) -> None:
    empty = page(browser, "/app/contacts")
    assert "No contacts yet" in empty
    # Every visitor the tracking code counts is one (an anonymous visitor until identified):
    # the text named identified visitors only.
    assert "every visitor your tracking code counts (an anonymous visitor until" in empty
    post_hits(api.client, api.portal_id, hit())
    assert "Anonymous visitor" in page(browser, "/app/contacts")
    seed(api)
    recent = page(browser, "/app/contacts").split("<tbody>")[1]
    assert recent.index("bob@example.com") < recent.index("cy@example.com") < recent.index(
        "ann@example.com")
    found = page(browser, "/app/contacts?q=ann").split("<tbody>")[1]
    assert "ann@example.com" in found
    assert "bob@example.com" not in found
    assert "No contact found" in page(browser, "/app/contacts?q=nobody")
    assert "Search: at most" in page(browser, "/app/contacts?q=" + "x" * 300, 400)


def test_recent_contacts_leave_out_an_anonymous_visitor_emptied_by_identify(
        browser: Browser, api: Api) -> None:
    api.define("clicked")
    assert api.send(eventName=api.fqn("clicked"), email="ann@example.com").status_code == 204
    utk = "c" * 32
    post_hits(api.client, api.portal_id, hit(), utk=utk)  # an anonymous visitor's page view
    assert "Anonymous visitor" in page(browser, "/app/contacts")
    # Identified as the existing contact: the page view moves to Ann, the anonymous row stays.
    post_hits(api.client, api.portal_id, hit(api.fqn("clicked"), e="ann@example.com"), utk=utk)
    recent = page(browser, "/app/contacts").split("<tbody>")[1]
    assert "ann@example.com" in recent
    assert "Anonymous visitor" not in recent
    assert "none yet" not in recent
    assert recent.count("<tr>") == 1


def test_timeline_newest_first_with_event_filter(browser: Browser, api: Api) -> None:
    seed(api)
    api.define("login")
    api.send(eventName=api.fqn("login"), email="ann@example.com", occurredAt="2024-03-06T08:00:00Z")
    ann = re.search(r'href="/app/contacts/(\d+)">ann@example.com', page(browser, "/app/contacts?q=ann"))
    assert ann
    path = f"/app/contacts/{ann.group(1)}"
    html = page(browser, path)
    assert html.index("2024-03-06 08:00 UTC") < html.index("2024-03-05 10:00 UTC") < html.index(
        "2024-03-04 10:00 UTC")
    assert html.count('<li class="completion">') == 3
    assert "<details>" in html
    assert 'All events (3)' in html
    only = page(browser, path + "?event=login")
    assert only.count('<li class="completion">') == 1
    assert "Event: choose one of this contact" in page(browser, path + "?event=nope", 400)


def test_a_page_view_on_a_timeline_is_one_page_view(browser: Browser, api: Api) -> None:
    """Each page view on a contact's timeline was labelled "Page views"."""
    post_hits(api.client, api.portal_id, hit(e="ann@example.com"))
    ann = re.search(r'href="/app/contacts/(\d+)">ann@example.com', page(browser, "/app/contacts?q=ann"))
    assert ann
    html = page(browser, f"/app/contacts/{ann.group(1)}")
    assert 'href="/app/events/e_visited_page">Page view</a>' in html
    assert "Page views (1)" in html  # the filter's choice counts them


def test_other_portals_data_is_404(browser: Browser, api: Api, other: Api,
                                   portals: list[NewPortal], client: TestClient) -> None:
    other.define("secret_event")
    other.send(eventName=other.fqn("secret_event"), email="hidden@example.com")
    theirs = Browser(client)
    theirs.sign_in(portals[1].token)
    contact = re.search(r'href="/app/contacts/(\d+)"', theirs.get("/app/contacts").text)
    assert contact
    page(browser, "/app/events/secret_event", 404)
    page(browser, f"/app/events/{other.fqn('secret_event')}", 404)
    page(browser, f"/app/contacts/{contact.group(1)}", 404)
    page(browser, "/app/contacts/not-a-number", 404)
    assert "hidden@example.com" not in page(browser, "/app/contacts?q=hidden")
    assert "secret_event" not in page(browser, "/app/events")


def test_pages_need_a_session(client: TestClient) -> None:
    for path in ("/app/events", "/app/events/x", "/app/contacts", "/app/contacts/1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/app/login?next=")
