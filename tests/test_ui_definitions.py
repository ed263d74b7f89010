"""The create wizard, the properties editor and the code panel (in-process, both backends)."""

from __future__ import annotations

import re

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from collector.portals import NewPortal
from collector.properties import PROPERTY_TYPES
from tests.conftest import Api
from tests.uikit import Browser
from tests.visual import launch

PLAN = {"name": "plan", "label": "Plan", "type": "enumeration",
        "options": [{"label": "Pro", "value": "pro"}, {"label": "Team", "value": "team"}]}
EMPTY_PROPERTY = {"prop_label": "", "prop_name": "", "prop_type": "string",
                  "prop_description": ""}


@pytest.fixture
def browser(client: TestClient, portals: list[NewPortal]) -> Browser:
    browser = Browser(client)
    browser.sign_in(portals[0].token)
    return browser


def _create(browser: Browser, way: str = "javascript", **fields: str) -> str:
    browser.get(f"/app/new-event?way={way}")
    response = browser.post("/app/new-event", {"way": way, "primary_object": "CONTACT",
                                                "description": "", "name": "", **fields})
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def _add_property(browser: Browser, event: str, **fields: object) -> httpx.Response:
    browser.get(f"/app/events/{event}/properties")
    return browser.post(f"/app/events/{event}/properties",
                        {**EMPTY_PROPERTY, "action": "save", **fields})


def test_wizard_offers_the_four_ways(browser: Browser) -> None:
    html = browser.get("/app/new-event").text
    for way in ("javascript", "api", "import", "visualizer"):
        assert f'name="way" value="{way}"' in html
    for title in ("JavaScript code", "Send via API", "Import a spreadsheet", "Event visualizer"):
        assert title in html
    assert browser.get("/app/new-event?way=teleport").status_code == 400


@pytest.mark.parametrize("way", ["api", "import", "visualizer"])
def test_back_from_a_way_shows_it_chosen(browser: Browser, way: str) -> None:
    """"Back" led to the first step with "JavaScript code" chosen whatever the way was."""
    details = browser.get(f"/app/new-event?way={way}").text
    assert f'href="/app/new-event?chosen={way}">Back</a>' in details
    first = browser.get(f"/app/new-event?chosen={way}").text
    assert re.search(rf'value="{way}" checked>', first)
    assert len(re.findall(r'name="way" value="\w+" checked', first)) == 1
    assert re.search(r'value="javascript" checked>', browser.get("/app/new-event").text)


def test_create_via_javascript_way(browser: Browser, api: Api) -> None:
    location = _create(browser, label="Plan upgraded", description="Upgrades <b>")
    assert location == "/app/events/plan_upgraded/properties?way=javascript"
    page = browser.get(location).text
    assert "Event “Plan upgraded” created" in page
    assert f"pe{api.portal_id}_plan_upgraded" in page
    assert 'href="/app/events/plan_upgraded/code?way=javascript">Next: code' in page
    stored = api.get("/events/v3/event-definitions/plan_upgraded").json()
    assert stored["description"] == "Upgrades <b>"
    assert stored["primaryObject"] == "CONTACT"
    assert stored["trackingType"] == "MANUAL"


def test_create_via_api_way_shows_names_and_examples(browser: Browser, api: Api) -> None:
    location = _create(browser, "api", label="Deal won", name="deal-won",
                       primary_object="DEAL")
    assert location == "/app/events/deal-won/properties?way=api"
    _add_property(browser, "deal-won", prop_label="Amount", prop_type="number")
    assert "Next: send via API" in browser.get(location).text
    html = browser.get("/app/events/deal-won/code?way=api").text
    fqn = f"pe{api.portal_id}_deal-won"
    assert "curl -X POST http://testserver/events/v3/send" in html
    assert f"&#34;eventName&#34;: &#34;{fqn}&#34;" in html
    assert "&#34;objectId&#34;: &#34;12345&#34;" in html
    assert "&#34;amount&#34;: 0" in html
    assert "httpx.post(" in html
    assert html.index('id="api-title"') < html.index('id="snippet-title"')


def test_import_way_is_for_contacts_and_leads_to_the_import(browser: Browser, api: Api) -> None:
    location = _create(browser, "import", label="Fair visit", primary_object="DEAL")
    assert api.get("/events/v3/event-definitions/fair_visit").json()["primaryObject"] == "CONTACT"
    assert 'href="/app/import?event=fair_visit"' in browser.get(location).text


def test_every_property_type_can_be_created(browser: Browser, api: Api) -> None:
    _create(browser, label="Signed up")
    html = browser.get("/app/events/signed_up/properties").text
    offered = re.findall(r'<option value="(\w+)"', html.split('id="prop_type"')[1].split(
        "</select>")[0])
    assert sorted(offered) == sorted(PROPERTY_TYPES)
    assert "Yes/no (bool)" in html
    for kind in ("bool", "date"):
        saved = _add_property(browser, "signed_up", prop_label=f"Is {kind}", prop_type=kind)
        assert saved.status_code == 303, saved.text
    props = api.get("/events/v3/event-definitions/signed_up").json()["properties"]
    assert {(p["name"], p["type"]) for p in props} >= {("is_bool", "bool"), ("is_date", "date")}
    listed = browser.get("/app/events/signed_up/properties").text
    assert "Yes/no (bool)</td>" in listed


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"label": ""}, "label", "Event name: must not be empty"),
    ({"label": "x" * 101}, "label", "Event name: must be at most 100 characters"),
    ({"label": "Ok", "name": "Bad Name"}, "name", "Internal name: must start with a lowercase"),
    ({"label": "Ok", "name": "pe12_x"}, "name", "Internal name: must not start with pe"),
    ({"label": "Ok", "primary_object": "PLANET"}, "primary_object",
     "Associated object: must be one of CONTACT"),
])
def test_create_errors_name_the_field(browser: Browser, fields: dict[str, str], field: str,
                                      message: str) -> None:
    browser.get("/app/new-event?way=javascript")
    response = browser.post("/app/new-event", {"way": "javascript", "primary_object": "CONTACT",
                                                "name": "", "description": "", **fields})
    assert response.status_code == 400
    assert message in response.text
    assert f'id="{field}-error"' in response.text


def test_taken_name_is_a_field_error(browser: Browser, api: Api) -> None:
    api.define("signed_up")
    browser.get("/app/new-event?way=api")
    response = browser.post("/app/new-event", {"way": "api", "label": "Signed up",
                                                "primary_object": "CONTACT"})
    assert response.status_code == 400
    # The name was derived from the label: the message says which name, taken by what.
    assert "Internal name: &#39;signed_up&#39; is already taken by another event" in response.text
    assert 'value="Signed up"' in response.text


def test_enumeration_property_with_ordered_options(browser: Browser, api: Api) -> None:
    _create(browser, label="Signed up")
    rows = {"prop_label": "Plan tier", "prop_type": "enumeration",
            "option_label": ["Pro", "Team", "Free"], "option_value": ["pro", "team", "free"]}
    # Row actions re-render the form unsaved, with the rows changed.
    moved = _add_property(browser, "signed_up", **{**rows, "action": "up:2"})
    assert moved.status_code == 200
    html = moved.text
    assert html.index('value="free"') < html.index('value="team"')
    added = _add_property(browser, "signed_up", **{**rows, "action": "add_option"})
    assert added.text.count('name="option_value"') == 4
    removed = _add_property(browser, "signed_up", **{**rows, "action": "remove:0"})
    assert 'value="pro"' not in removed.text
    assert api.get("/events/v3/event-definitions/signed_up").json()["properties"][0][
        "name"] != "plan_tier"
    saved = _add_property(browser, "signed_up", **{
        **rows, "option_label": ["Free", "Pro", "Team", ""],
        "option_value": ["free", "pro", "team", ""]})
    assert saved.status_code == 303
    assert "Property “Plan tier” added (internal name plan_tier)" in browser.follow(saved).text
    prop = api.get("/events/v3/event-definitions/signed_up").json()["properties"][0]
    assert prop["name"] == "plan_tier"
    assert [(o["value"], o["displayOrder"]) for o in prop["options"]] == [
        ("free", 0), ("pro", 1), ("team", 2)]


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"prop_label": ""}, "prop_label", "Property label: must not be empty"),
    ({"prop_label": "Tier", "prop_type": "enumeration"}, "options",
     "Options: an enumeration needs a non-empty list of options"),
    ({"prop_label": "Tier", "prop_type": "enumeration", "option_label": ["A", "B"],
      "option_value": ["a", "a"]}, "options", "Option 2 value: must be unique"),
    ({"prop_label": "Tier", "prop_type": "enumeration", "option_label": ["A"],
      "option_value": ["a;b"]}, "options", "Option 1 value: must be unique and must not contain"),
    ({"prop_label": "Tier", "prop_type": "enumeration", "option_label": [""],
      "option_value": ["a"]}, "options", "Option 1 label: must not be empty"),
    ({"prop_label": "Url", "prop_name": "hs_page_url"}, "prop_name",
     "Internal name: names starting with hs_ are reserved"),
    ({"prop_label": "Bad", "prop_name": "Bad-Name"}, "prop_name", "Internal name: must start"),
    ({"prop_label": "Bad", "prop_type": "colour"}, "prop_type", "Type: must be one of"),
])
def test_property_errors_name_the_field(browser: Browser, fields: dict[str, object],
                                        field: str, message: str) -> None:
    _create(browser, label="Signed up")
    response = _add_property(browser, "signed_up", **fields)
    assert response.status_code == 400
    assert message in response.text
    assert f'id="{field}-error"' in response.text


def test_duplicate_property_is_a_field_error(browser: Browser, api: Api) -> None:
    api.define("signed_up", PLAN)
    response = _add_property(browser, "signed_up", prop_label="Plan")
    assert response.status_code == 400
    assert "Internal name: Property &#39;plan&#39; already exists" in response.text


def test_edit_property_label_and_reorder_options(browser: Browser, api: Api) -> None:
    api.define("signed_up", PLAN)
    form = browser.get("/app/events/signed_up/properties?edit=plan").text
    assert 'Edit property “Plan”' in form
    assert 'value="team"' in form
    response = browser.post("/app/events/signed_up/properties/plan", {
        "action": "save", "prop_label": "Plan name", "prop_description": "Chosen plan",
        "option_label": ["Team", "Pro", "Enterprise"], "option_value": ["team", "pro", "ent"]})
    assert response.status_code == 303
    prop = api.get("/events/v3/event-definitions/signed_up").json()["properties"][0]
    assert (prop["label"], prop["description"]) == ("Plan name", "Chosen plan")
    assert [o["value"] for o in prop["options"]] == ["team", "pro", "ent"]
    assert prop["type"] == "enumeration"


def test_editing_a_property_keeps_its_options_description_and_hidden(browser: Browser,
                                                                   api: Api) -> None:
    """The editor shows neither (they are set through the API): saving a new label made a
    hidden option visible again and dropped every option's description."""
    api.define("signed_up", {**PLAN, "options": [
        {"label": "Pro", "value": "pro", "description": "Paid tier", "hidden": True},
        {"label": "Team", "value": "team"}]})
    browser.get("/app/events/signed_up/properties?edit=plan")
    response = browser.post("/app/events/signed_up/properties/plan", {
        "action": "save", "prop_label": "Plan name", "prop_description": "",
        "option_label": ["Team", "Pro", "New"], "option_value": ["team", "pro", "new"]})
    assert response.status_code == 303, response.text
    prop = api.get("/events/v3/event-definitions/signed_up").json()["properties"][0]
    assert [(o["value"], o["description"], o["hidden"]) for o in prop["options"]] == [
        ("team", "", False), ("pro", "Paid tier", True), ("new", "", False)]


def test_edit_property_errors_keep_what_was_typed(browser: Browser, api: Api) -> None:
    api.define("signed_up", PLAN)
    browser.get("/app/events/signed_up/properties?edit=plan")
    response = browser.post("/app/events/signed_up/properties/plan", {
        "action": "save", "prop_label": "", "prop_description": "kept",
        "option_label": ["Team"], "option_value": ["team"]})
    assert response.status_code == 400
    assert "Property label: must not be empty" in response.text
    assert "kept</textarea>" in response.text


def test_standard_and_unknown_properties_cannot_be_edited(browser: Browser, api: Api) -> None:
    api.define("signed_up", PLAN)
    browser.get("/app/events/signed_up/properties")
    standard = browser.post("/app/events/signed_up/properties/hs_page_url", {"action": "save"})
    assert standard.status_code == 400
    assert "standard property" in standard.text
    assert browser.post("/app/events/signed_up/properties/nope", {}).status_code == 404
    assert browser.post("/app/events/signed_up/properties/nope/delete").status_code == 404


def test_delete_property(browser: Browser, api: Api) -> None:
    api.define("signed_up", PLAN, {"name": "seats", "label": "Seats", "type": "number"})
    browser.get("/app/events/signed_up/properties")
    response = browser.post("/app/events/signed_up/properties/plan/delete")
    assert "Property plan deleted." in browser.follow(response).text
    names = [p["name"] for p in api.get("/events/v3/event-definitions/signed_up").json()[
        "properties"] if not p["hubspotDefined"]]
    assert names == ["seats"]


def test_property_used_for_matching_is_kept(browser: Browser, api: Api) -> None:
    api.define("account_opened", {"name": "account", "label": "Account", "type": "string"},
               primaryObject="COMPANY", customMatchingId={"primaryObjectRule": {
                   "targetObjectPropertyName": "domain", "eventPropertyName": "account"}})
    browser.get("/app/events/account_opened/properties")
    response = browser.post("/app/events/account_opened/properties/account/delete")
    assert "used by customMatchingId" in browser.follow(response).text


def test_the_clicked_element_property_is_kept(browser: Browser, api: Api) -> None:
    """ff_element could be deleted like any property, after which every click the tracker
    recorded (it always sends it) was stored "adjusted", its description dropped."""
    launch(api).create(label="Clicked buy", name="clicked_buy", trackingType="CLICKED_ELEMENT",
                       selector='[data-track="buy"]')
    page = browser.get("/app/events/clicked_buy/properties").text
    assert 'aria-label="Delete Clicked element"' not in page
    response = browser.post("/app/events/clicked_buy/properties/ff_element/delete")
    assert "the tracker records the clicked element in it" in browser.follow(response).text
    refused = api.delete(f"/events/v3/event-definitions/{api.fqn('clicked_buy')}/property/ff_element")
    assert refused.status_code == 400, refused.text
    names = [p["name"] for p in api.get("/events/v3/event-definitions/clicked_buy").json()[
        "properties"] if not p["hubspotDefined"]]
    assert names == ["ff_element"]


def test_details_edit(browser: Browser, api: Api) -> None:
    api.define("signed_up")
    browser.get("/app/events/signed_up/properties")
    bad = browser.post("/app/events/signed_up/details", {"label": " ", "description": "d"})
    assert bad.status_code == 400
    assert "Event name: must not be empty" in bad.text
    ok = browser.post("/app/events/signed_up/details", {"label": "Signed up!", "description": "d"})
    assert "Event details saved." in browser.follow(ok).text
    stored = api.get("/events/v3/event-definitions/signed_up").json()
    assert (stored["label"], stored["description"]) == ("Signed up!", "d")


def _define_one_of_each_tracking_type(api: Api) -> None:
    """clicked_buy (a clicked element), saw_shop (a visited URL) and signed_up (manual)."""
    session = launch(api)
    session.create(label="Clicked buy", name="clicked_buy", trackingType="CLICKED_ELEMENT",
                   selector='[data-track="buy"]')
    session.create(label="Saw shop", name="saw_shop", trackingType="VISITED_URL",
                   rule={"operator": "CONTAINS", "on": "PATH", "value": "/shop"})
    api.define("signed_up")


def test_event_pages_say_what_an_autotracked_event_matches(browser: Browser, api: Api) -> None:
    """The header read "manual" / "visited url" where the list reads "Code or API" /
    "Visited URL", and no page showed the selector or URL rule the event tracks."""
    _define_one_of_each_tracking_type(api)
    clicked = browser.get("/app/events/clicked_buy").text
    assert "· Clicked element: <code>[data-track=&#34;buy&#34;]</code></p>" in clicked
    visited = browser.get("/app/events/saw_shop/properties").text
    assert "· Visited URL: path contains /shop</p>" in visited
    assert "· Code or API</p>" in browser.get("/app/events/signed_up/code").text


def test_the_code_page_of_an_autotracked_event_warns_of_counting_twice(browser: Browser,
                                                                       api: Api) -> None:
    """The tracking code records a clicked-element or visited-URL event by itself; the code
    page offered its snippet and saved code with nothing saying a call records it again."""
    _define_one_of_each_tracking_type(api)
    clicked = browser.get("/app/events/clicked_buy/code").text
    assert "records this event by itself, on each click on the element it names" in clicked
    visited = browser.get("/app/events/saw_shop/code").text
    assert "on each visit to a page its URL rule matches" in visited
    assert 'id="tracked-automatically"' not in browser.get("/app/events/signed_up/code").text


def test_archive(browser: Browser, api: Api) -> None:
    api.define("signed_up")
    browser.get("/app/events/signed_up/properties")
    response = browser.post("/app/events/signed_up/archive")
    assert response.headers["location"] == "/app/events"
    assert "Event “Signed Up” archived" in browser.follow(response).text
    assert api.get("/events/v3/event-definitions/signed_up").json()["archived"] is True
    page = browser.get("/app/events/signed_up/properties").text
    assert "This event is archived" in page
    assert "Add a property" not in page


def test_code_panel_saves_into_the_tracking_script(browser: Browser, api: Api,
                                                   client: TestClient) -> None:
    api.define("signed_up", PLAN)
    html = browser.get("/app/events/signed_up/code").text
    fqn = f"pe{api.portal_id}_signed_up"
    assert f"&#34;name&#34;: &#34;{fqn}&#34;" in html
    assert "&#34;plan&#34;: &#34;pro&#34;" in html
    assert 'data-copy="event-snippet"' in html
    code = "document.addEventListener('click', function () { window.__signedUp = 1; });"
    saved = browser.post("/app/events/signed_up/code", {"action": "save", "code": code})
    assert "Code saved" in browser.follow(saved).text
    assert api.get("/footfall/v1/event-definitions/signed_up/snippet").json()["code"] == code
    assert "window.__signedUp" in client.get(f"/js/{api.portal_id}.js").text
    removed = browser.post("/app/events/signed_up/code", {"action": "remove", "code": code})
    assert "Code removed" in browser.follow(removed).text
    assert api.get("/footfall/v1/event-definitions/signed_up/snippet").json()["code"] is None


def test_an_archived_events_code_is_not_said_to_be_in_the_tracking_code(
        browser: Browser, api: Api, client: TestClient) -> None:
    """Saving an archived event's code said "it is now part of your tracking code" and the
    badge "Included in the tracking code", while the script leaves archived events out."""
    api.define("signed_up")
    browser.get("/app/events/signed_up/code")
    code = "document.addEventListener('click', function () { window.__signedUp = 1; });"
    browser.post("/app/events/signed_up/code", {"action": "save", "code": code})
    assert "Included in the tracking code" in browser.get("/app/events/signed_up/code").text
    browser.get("/app/events/signed_up/properties")
    browser.post("/app/events/signed_up/archive")
    html = browser.get("/app/events/signed_up/code").text
    assert "Included in the tracking code" not in html
    assert "Left out: the event is archived" in html
    saved = browser.follow(browser.post("/app/events/signed_up/code",
                                        {"action": "save", "code": code + " "})).text
    assert "now part of your tracking code" not in saved
    assert "Code saved, but the event is archived: it is not part of your tracking code." in saved
    assert "window.__signedUp" not in client.get(f"/js/{api.portal_id}.js").text


def test_every_copy_button_of_the_code_page_has_its_own_name(browser: Browser, api: Api) -> None:
    """The curl and Python examples' buttons were both "Copy": one name for two targets."""
    api.define("signed_up")
    html = browser.get("/app/events/signed_up/code?way=api").text
    names = re.findall(r'<button type="button"[^>]*class="[^"]*copy-button[^"]*"[^>]*>([^<]+)</button>',
                       html)
    assert len(names) == 4
    assert len(set(names)) == len(names), names


def test_code_panel_checks_syntax_in_a_worker_allowed_to_compile(
        browser: Browser, api: Api, client: TestClient) -> None:
    api.define("signed_up")
    page = browser.get("/app/events/signed_up/code")
    html = page.text
    assert "eval" not in page.headers["content-security-policy"]
    assert 'data-syntax-check="/app/static/syntax-check.js?v=' in html
    assert 'id="code-syntax-error" role="alert"' in html
    assert "Runs on every page that has the tracking code" in html
    # The page may not compile strings; the worker's own policy (a worker's policy comes
    # with its script) allows exactly that, and nothing else.
    worker = client.get("/app/static/syntax-check.js")
    assert worker.status_code == 200
    assert worker.headers["content-security-policy"] == (
        "default-src 'none'; script-src 'unsafe-eval'")
    assert "new Function(" in worker.text
    assert "eval" not in client.get("/app/static/ui.js").headers["content-security-policy"]


def test_code_too_long_is_a_field_error(browser: Browser, api: Api) -> None:
    api.define("signed_up")
    browser.get("/app/events/signed_up/code")
    response = browser.post("/app/events/signed_up/code", {"action": "save",
                                                          "code": "x" * 20_001})
    assert response.status_code == 400
    assert "Code: must be at most 20000 characters" in response.text


def test_user_strings_are_escaped(browser: Browser, api: Api) -> None:
    hostile = '<script>alert("x")</script>'
    api.define("signed_up", {"name": "tier", "label": hostile[:50], "type": "enumeration",
                             "options": [{"label": hostile, "value": "</script><b>"}]},
               label=hostile, description=hostile)
    for path in ("/app/events/signed_up/properties", "/app/events/signed_up/code",
                 "/app/events/signed_up/properties?edit=tier"):
        html = browser.get(path).text
        assert "<script>alert" not in html
        assert "</script><b>" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)" in html


EVENT_ROUTES = [("GET", "/properties"), ("GET", "/code"), ("GET", "/properties?edit=plan"),
                ("POST", "/properties"), ("POST", "/properties/plan"),
                ("POST", "/properties/plan/delete"), ("POST", "/details"), ("POST", "/archive"),
                ("POST", "/code")]


@pytest.mark.parametrize(("method", "tail"), EVENT_ROUTES)
def test_another_portals_event_is_not_found(browser: Browser, api: Api, other: Api,
                                            method: str, tail: str) -> None:
    other.define("their_event", PLAN)
    browser.get("/app/events")
    for name in ("their_event", other.fqn("their_event")):
        path = f"/app/events/{name}{tail}"
        response = browser.get(path) if method == "GET" else browser.post(path, {
            "action": "save", "prop_label": "X", "label": "X", "code": "x"})
        assert response.status_code == 404, path
        assert "Page not found" in response.text or "No event definition" in response.text
    theirs = other.get("/events/v3/event-definitions/their_event").json()
    assert (theirs["label"], theirs["archived"]) == ("Their Event", False)
    assert [p["label"] for p in theirs["properties"]][:1] == ["Plan"]


def test_visualizer_way_issues_a_launch_link(browser: Browser, api: Api) -> None:
    api.patch("/footfall/v1/tracking/settings", json={"allowedDomains": ["shop.example"]})
    browser.get("/app/new-event?way=visualizer")
    refused = browser.post("/app/new-event/visualizer", {"url": "https://elsewhere.example/"})
    assert refused.status_code == 400
    assert "Page URL: the page is not on one of the portal&#39;s allowed domains" in refused.text
    invalid = browser.post("/app/new-event/visualizer", {"url": "javascript:alert(1)"})
    assert "Page URL: must be the http(s) URL" in invalid.text
    issued = browser.post("/app/new-event/visualizer", {"url": "https://www.shop.example/p?x=1"})
    assert issued.status_code == 200
    assert 'href="https://www.shop.example/p?x=1#footfall-visualizer=ffv1.' in issued.text
    assert 'target="_blank" rel="noopener noreferrer"' in issued.text


def test_an_event_named_new_has_reachable_pages(browser: Browser) -> None:
    """The wizard lives at /app/new-event, so it shadows no event name."""
    location = _create(browser, "api", label="New", name="new")
    assert location.startswith("/app/events/new")
    for path in ("/app/events/new", "/app/events/new/properties", "/app/events/new/code"):
        page = browser.get(path)
        assert page.status_code == 200, path
        assert 'action="/app/new-event"' not in page.text, path  # not the wizard
        assert "<h1" in page.text
        assert "New" in page.text


def test_the_code_page_warns_that_javascript_records_contact_events_only(browser: Browser,
                                                                        api: Api) -> None:
    """A company (deal, ticket) event's snippet would only fill the failed-events store: the
    page says so and points to the HTTP API (seed audit)."""
    api.define("deal_won", primaryObject="DEAL")
    html = browser.get("/app/events/deal_won/code?way=javascript").text
    assert 'id="not-for-javascript"' in html
    assert "JavaScript API records contact events only" in html
    api.define("signed_up")
    assert 'id="not-for-javascript"' not in browser.get("/app/events/signed_up/code").text
