"""The JS collect endpoint: stored after commit, adjusted never rejected, enriched, gated."""

from __future__ import annotations

import unicodedata
from typing import Any, Literal

import pytest
from starlette.testclient import TestClient

from collector import limits
from collector.app import create_app
from collector.portals import NewPortal
from collector.settings import Settings
from tests.conftest import Api, refused_inserts
from tests.jshits import HEADLESS, hit, post_hits


def _only(api: Api, **params: Any) -> dict[str, Any]:
    results: list[dict[str, Any]] = api.events(**params)["results"]
    assert len(results) == 1, results
    return results[0]


def test_page_view_is_stored_enriched_with_cors(api: Api) -> None:
    page = hit(u="https://shop.example/p?utm_source=news&utm_medium=email", r="https://www.google.com/")
    response = post_hits(api.client, api.portal_id, page)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    stored = _only(api, eventType="e_visited_page")
    props = stored["properties"]
    assert stored["id"] == page["i"]
    assert props["hs_page_url"] == page["u"]
    assert props["hs_page_title"] == "Pricing"
    assert props["hs_browser"] == "Chrome"
    assert props["hs_operating_system"] == "Linux"
    assert props["hs_device_type"] == "computer"
    assert props["hs_screen_width"] == "1280"
    assert props["hs_utm_medium"] == "email"
    assert props["hs_touchpoint_source"] == "EMAIL_MARKETING"  # UTM wins over the referrer
    assert "adjustments" not in stored


def test_the_debug_switch_is_left_out_of_stored_urls(api: Api) -> None:
    """A page opened with ?footfall_debug=1 counts as the same page as without it."""
    api.define("added")
    page = hit(u="https://shop.example/p?footfall_debug=1&utm_source=news#cart",
               r="https://shop.example/?footfall_debug=1")
    event = hit(api.fqn("added"), u="https://shop.example/mistakes.html?footfall_debug=1")
    assert post_hits(api.client, api.portal_id, page, event).status_code == 204
    view = _only(api, eventType="e_visited_page")["properties"]
    assert (view["hs_page_url"], view["hs_referrer"]) == ("https://shop.example/p?utm_source=news#cart",
                                                          "https://shop.example/")
    assert view["hs_utm_source"] == "news"
    added = _only(api, eventType=api.fqn("added"))["properties"]
    assert added["hs_page_url"] == "https://shop.example/mistakes.html"


@pytest.mark.parametrize(("sent", "header", "stored"), [
    ({}, "nb-NO,nb;q=0.9,en;q=0.8", "nb-NO"),  # the tracker sends none: the header's first
    ({}, "de", "de"),
    ({}, "*", None),
    ({}, "*, de-AT;q=0.5", "de-AT"),
    ({}, "fr;q=0, en;q=0.4", "en"),
    ({}, "fr;q=0.0, sv", "sv"),
    ({}, "<b>en</b>, de", "de"),
    ({}, "en-GB;q=0.8, en;q=0.5", "en-GB"),
    ({}, None, None),
    ({"l": "fr-CA"}, "de", "fr-CA"),  # a sender's own wins
])
def test_language_is_the_hits_or_the_browsers_first(api: Api, sent: dict[str, str],
                                                    header: str | None, stored: str | None) -> None:
    page = {k: v for k, v in hit(**sent).items() if k != "l" or sent}
    headers = {"Accept-Language": header} if header is not None else {}
    assert post_hits(api.client, api.portal_id, page, headers=headers).status_code == 204
    assert _only(api, eventType="e_visited_page")["properties"].get("hs_language") == stored


def test_preflight_allows_cross_origin_without_credentials(client: TestClient) -> None:
    response = client.options("/collect", headers={"Origin": "https://shop.example",
                                                   "Access-Control-Request-Method": "POST"})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


def test_typed_properties_wrong_types_and_options_are_dropped_and_recorded(api: Api) -> None:
    api.define("bought", {"name": "amount", "label": "Amount", "type": "number"},
               {"name": "plan", "label": "Plan", "type": "enumeration",
                "options": [{"label": "Pro", "value": "pro"}, {"label": "Team", "value": "team"}]},
               {"name": "gift", "label": "Gift", "type": "bool"})
    good = hit(api.fqn("bought"), p={"amount": 12.5, "plan": "team", "gift": True})
    bad = hit(api.fqn("bought"), p={"amount": "lots", "plan": "gold", "gift": True, "nope": 1})
    assert post_hits(api.client, api.portal_id, good, bad).status_code == 204
    stored = {r["id"]: r for r in api.events(eventType=api.fqn("bought"))["results"]}
    assert {k: v for k, v in stored[good["i"]]["properties"].items() if not k.startswith("hs_")} \
        == {"amount": "12.5", "plan": "team", "gift": "true"}
    kept = stored[bad["i"]]
    assert {k for k in kept["properties"] if not k.startswith("hs_")} == {"gift"}
    dropped = {a["field"]: a for a in kept["adjustments"] if a["action"] == "DROPPED"}
    assert set(dropped) == {"properties.amount", "properties.plan", "properties.nope"}
    assert "not an option" in dropped["properties.plan"]["message"]


def test_long_values_are_truncated_on_code_points(api: Api) -> None:
    api.define("noted", {"name": "note", "label": "Note", "type": "string"})
    note = "😀" * 5000
    url = "https://shop.example/" + "x" * 3000
    post_hits(api.client, api.portal_id, hit(api.fqn("noted"), u=url, p={"note": note}))
    stored = _only(api, eventType=api.fqn("noted"))
    assert stored["properties"]["note"] == "😀" * 256
    assert stored["properties"]["hs_page_url"] == url[:1024]
    actions = {(a["field"], a["action"]) for a in stored["adjustments"]}
    assert actions == {("properties.note", "TRUNCATED"), ("properties.hs_page_url", "TRUNCATED")}


def test_sixty_properties_arrive_as_fifty_with_the_case_rule(api: Api) -> None:
    api.define("wide", *({"name": f"p{i:02d}", "label": f"P{i}", "type": "string"} for i in range(60)))
    props: dict[str, Any] = {f"p{i:02d}": str(i) for i in range(60)}
    props["P00"] = "upper"  # sorts before p00: the later (p00) value wins
    post_hits(api.client, api.portal_id, hit(api.fqn("wide"), p=props))
    stored = _only(api, eventType=api.fqn("wide"))
    custom = {k: v for k, v in stored["properties"].items() if not k.startswith("hs_")}
    assert sorted(custom) == [f"p{i:02d}" for i in range(50)]
    assert custom["p00"] == "0"
    dropped = [a["field"] for a in stored["adjustments"] if a["action"] == "DROPPED"]
    assert sorted(dropped) == ["properties.P00"] + [f"properties.p{i}" for i in range(50, 60)]


def test_the_fifty_kept_are_the_first_names_as_sent(api: Api) -> None:
    """Names sort as sent, so an uppercase name comes before every lowercase one."""
    api.define("wide", {"name": "zz", "label": "ZZ", "type": "string"},
               *({"name": f"b{i:02d}", "label": f"B{i}", "type": "string"} for i in range(50)))
    props: dict[str, Any] = {f"b{i:02d}": str(i) for i in range(50)}
    props["ZZ"] = "upper"
    post_hits(api.client, api.portal_id, hit(api.fqn("wide"), p=props))
    stored = _only(api, eventType=api.fqn("wide"))
    custom = {k: v for k, v in stored["properties"].items() if not k.startswith("hs_")}
    assert custom["zz"] == "upper"
    assert sorted(custom) == [*(f"b{i:02d}" for i in range(49)), "zz"]
    assert {"field": "properties.b49", "action": "DROPPED",
            "message": "more than 50 properties"} in stored["adjustments"]


def test_a_name_equal_after_cleaning_to_a_later_one_gives_way(api: Api) -> None:
    """The duplicate rule after cleaning too: names sorted as sent, the last one wins."""
    api.define("named", {"name": "plan_name", "label": "Plan", "type": "string"})
    post_hits(api.client, api.portal_id,
              hit(api.fqn("named"), p={"plan_name": "exact", "Plan Name": "junk"}))
    stored = _only(api, eventType=api.fqn("named"))
    assert stored["properties"]["plan_name"] == "exact"
    dropped = [a for a in stored["adjustments"] if a["action"] == "DROPPED"]
    assert [a["field"] for a in dropped] == ["properties.plan_name"]
    assert "'Plan Name'" in dropped[0]["message"]


def test_enumeration_options_are_cut_whole(api: Api) -> None:
    options = [{"label": f"O{i}", "value": f"option_value_number_{i:02d}_abcdefgh"}
               for i in range(20)]
    api.define("tagged", {"name": "tags", "label": "Tags", "type": "enumeration",
                          "options": options})
    chosen = [o["value"] for o in options]
    post_hits(api.client, api.portal_id, hit(api.fqn("tagged"), p={"tags": ";".join(chosen)}))
    stored = _only(api, eventType=api.fqn("tagged"))
    kept = stored["properties"]["tags"].split(";")
    assert kept == chosen[:len(kept)]  # whole options only, none cut, no empty one
    assert len(";".join(chosen[:len(kept) + 1])) > 256 >= len(stored["properties"]["tags"])
    assert {"field": "properties.tags", "action": "TRUNCATED",
            "message": f"kept the first {len(kept)} of 20 options (256 characters at most)"} \
        in stored["adjustments"]


def test_a_number_of_thousands_of_digits_is_dropped_and_recorded(api: Api) -> None:
    api.define("counted", {"name": "amount", "label": "Amount", "type": "number"})
    huge = hit(api.fqn("counted"), p={"amount": "1" * 5000})
    padded = hit(api.fqn("counted"), p={"amount": "0" * 5000 + "12"})
    assert post_hits(api.client, api.portal_id, huge, padded).status_code == 204
    stored = {r["id"]: r for r in api.events(eventType=api.fqn("counted"))["results"]}
    assert "amount" not in stored[huge["i"]]["properties"]
    assert {(a["field"], a["action"]) for a in stored[huge["i"]]["adjustments"]} \
        == {("properties.amount", "DROPPED")}
    assert stored[padded["i"]]["properties"]["amount"] == "12"


def test_adjustments_quote_long_names_and_values_briefly(api: Api) -> None:
    """A client's names and values may be huge; what the adjustment says of them is not."""
    api.define("quoted", {"name": "plan", "label": "Plan", "type": "enumeration",
                          "options": [{"label": "Pro", "value": "pro"}]})
    long_name = "N" * 10_000
    post_hits(api.client, api.portal_id,
              hit(api.fqn("quoted"), p={long_name: "x", "plan": "v" * 10_000}))
    stored = _only(api, eventType=api.fqn("quoted"))
    assert stored["adjustments"]
    for adjustment in stored["adjustments"]:
        assert len(adjustment["field"]) + len(adjustment["message"]) < 500, adjustment


def test_names_are_cleaned_and_recorded(api: Api) -> None:
    api.define("named", {"name": "plan_name", "label": "Plan", "type": "string"})
    post_hits(api.client, api.portal_id, hit(api.fqn("named"), p={"Plan-Name": "pro"}))
    stored = _only(api, eventType=api.fqn("named"))
    assert stored["properties"]["plan_name"] == "pro"
    assert {"field": "properties.plan_name", "action": "RENAMED",
            "message": "sent as 'Plan-Name'"} in stored["adjustments"]


def test_a_name_with_accents_is_cleaned_as_a_label_is_named(api: Api) -> None:
    """A property created from the label "Größe" is ``grosse``; the tracker sending the
    label's text as the name reaches it (it reached ``gr_e``, a property no label makes)."""
    created = api.define("sized", {"label": "Größe", "type": "string"})["properties"]
    assert "grosse" in {p["name"] for p in created}
    post_hits(api.client, api.portal_id, hit(api.fqn("sized"), p={"Größe": "XL"}))
    stored = _only(api, eventType=api.fqn("sized"))
    assert stored["properties"]["grosse"] == "XL"
    assert {"field": "properties.grosse", "action": "RENAMED",
            "message": "sent as 'Größe'"} in stored["adjustments"]


@pytest.mark.parametrize(("name", "cleaned"), [
    ("é" * 4_000_000, "e" * 50),
    ("\ufdfa" * 2_700_000, ""),  # 18 letters each once decomposed, none of them a-z
    ("Größe " + "é" * 100, "grosse_" + "e" * 43),
], ids=["accents", "decomposing", "cut-to-the-limit"])
def test_a_huge_name_with_accents_is_cleaned_reading_only_its_start(
        name: str, cleaned: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Anyone may post a hit of 8 MB whose property name is one long run of accented or
    decomposable letters: decomposing all of it held the event loop for seconds and took
    gigabytes (U+FDFA is 18 letters decomposed); only the start makes the name."""
    read: list[int] = []
    normalize = unicodedata.normalize

    def spy(form: Literal["NFC", "NFD", "NFKC", "NFKD"], text: str) -> str:
        read.append(len(text))
        return normalize(form, text)

    monkeypatch.setattr(unicodedata, "normalize", spy)
    assert limits.clean_property_name(name, limits.Limits()) == cleaned
    assert sum(read) <= 1_000


def test_unknown_and_archived_events_go_to_the_failed_store(api: Api) -> None:
    api.define("old")
    assert api.delete(f"/events/v3/event-definitions/{api.fqn('old')}").status_code == 204
    unknown, archived = hit(api.fqn("never_defined")), hit(api.fqn("old"))
    assert post_hits(api.client, api.portal_id, unknown, archived, hit()).status_code == 204
    failed = api.get("/footfall/v1/tracking/failed-events").json()["results"]
    reasons = {f["id"]: f["reason"] for f in failed}
    assert set(reasons) == {unknown["i"], archived["i"]}
    assert "unknown event" in reasons[unknown["i"]]
    assert "archived" in reasons[archived["i"]]
    assert len(api.events()["results"]) == 1  # the page view alone


def test_an_event_name_that_is_no_string_is_a_failed_hit_not_a_page_view(api: Api) -> None:
    odd = [hit(), hit(), hit()]
    odd[0]["n"], odd[1]["n"], odd[2]["n"] = 1625, {"name": "x"}, ""
    assert post_hits(api.client, api.portal_id, *odd).status_code == 204
    assert api.events()["results"] == []
    failed = api.get("/footfall/v1/tracking/failed-events").json()["results"]
    assert sorted(f["eventName"] for f in failed) == ["", "1625", '{"name": "x"}']
    assert all("unknown event" in f["reason"] for f in failed)


def test_retried_hits_are_stored_once(api: Api) -> None:
    page = hit()
    for _ in range(3):
        assert post_hits(api.client, api.portal_id, page).status_code == 204
    assert len(api.events()["results"]) == 1


def test_hit_ids_are_stored_in_canonical_form(api: Api) -> None:
    ids = ["0f0e0d0c-0b0a-4908-8706-050403020100", "{0F0E0D0C-0B0A-4908-8706-050403020101}"]
    for hit_id in [*ids, "not-a-uuid"]:
        assert post_hits(api.client, api.portal_id, hit(i=hit_id)).status_code == 204
    stored = {e["id"] for e in api.events()["results"]}
    assert stored >= {"0f0e0d0c-0b0a-4908-8706-050403020100", "0f0e0d0c-0b0a-4908-8706-050403020101"}
    assert len(stored) == 3  # the unreadable id got one made by the collector


def test_identify_ties_anonymous_completions_to_the_contact(api: Api) -> None:
    api.define("clicked")
    utk = "b" * 32
    post_hits(api.client, api.portal_id, hit(), utk=utk)
    post_hits(api.client, api.portal_id, hit(api.fqn("clicked"), e="Ann@Example.com"), utk=utk)
    results = api.events(objectType="contact", **{"objectProperty.email": "ann@example.com"})
    assert sorted(r["eventType"] for r in results["results"]) == ["e_visited_page",
                                                                  api.fqn("clicked")]


@pytest.mark.parametrize(("sent", "stored"), [("ann@localhost", "ann@localhost"),
                                               (" Ann@Example.COM ", "ann@example.com"),
                                               ("ann @example.com", None), ("ann", None)])
def test_identify_takes_an_email_as_send_does(api: Api, sent: str, stored: str | None) -> None:
    """One email rule (collector.emails) for the JS path, send, the CRM API and imports:
    an address send would take identifies; one it refuses is dropped and says so."""
    post_hits(api.client, api.portal_id, hit(e=sent), utk="b" * 32)
    (result,) = api.events()["results"]
    contact = api.get(f"/crm/v3/objects/contacts/{result['objectId']}").json()
    assert contact["properties"].get("email") == stored
    dropped = [a for a in result.get("adjustments", []) if a["field"] == "email"]
    assert bool(dropped) == (stored is None)


@pytest.mark.parametrize("agent", ["curl/8.5.0", "Googlebot/2.1 (+http://www.google.com/bot.html)",
                                   "python-requests/2.31", HEADLESS], ids=str)
def test_bots_are_counted_not_stored(api: Api, agent: str) -> None:
    assert post_hits(api.client, api.portal_id, hit(), user_agent=agent).status_code == 204
    assert api.events()["results"] == []
    assert api.get("/footfall/v1/tracking/counters").json()["counters"] == {"bot_hits": 1}


def test_webdriver_flag_marks_a_bot(api: Api) -> None:
    post_hits(api.client, api.portal_id, hit(), w=1)
    assert api.events()["results"] == []


def test_headless_switch_treats_automation_as_a_browser(settings: Settings,
                                                        portals: list[NewPortal]) -> None:
    switched = Settings(database=settings.database, allow_headless=True)
    with TestClient(create_app(switched)) as client:
        api = Api(client, portals[0])
        post_hits(client, api.portal_id, hit(), user_agent=HEADLESS, w=1)
        post_hits(client, api.portal_id, hit(), user_agent="curl/8.5.0")
        results = api.events()["results"]
        assert [r["properties"]["hs_browser"] for r in results] == ["HeadlessChrome"]


def test_allowed_domains_drop_and_count_other_origins(api: Api) -> None:
    response = api.patch("/footfall/v1/tracking/settings", json={"allowedDomains": ["shop.example"]})
    assert response.status_code == 200, response.text
    assert post_hits(api.client, api.portal_id, hit(),
                     headers={"Origin": "https://www.shop.example"}).status_code == 204
    assert post_hits(api.client, api.portal_id, hit(),
                     headers={"Origin": "https://evil.example"}).status_code == 204
    assert post_hits(api.client, api.portal_id, hit(u="https://evil.example/")).status_code == 204
    assert len(api.events()["results"]) == 1
    counters = api.get("/footfall/v1/tracking/counters").json()["counters"]
    assert counters == {"foreign_origin_hits": 2}


def test_tracking_settings_validation_names_every_field(api: Api) -> None:
    response = api.patch("/footfall/v1/tracking/settings",
                         json={"allowedDomains": ["ok.example", "not a domain"], "cookieless": "yes",
                               "colour": 1})
    assert response.status_code == 400
    assert {e["in"] for e in response.json()["errors"]} == {"allowedDomains[1]", "cookieless",
                                                             "colour"}


def test_tracking_settings_need_a_token(client: TestClient) -> None:
    assert client.get("/footfall/v1/tracking/settings").status_code == 401
    assert client.get("/footfall/v1/tracking/failed-events").status_code == 401


def test_cookieless_mode_ignores_the_token_and_identity(api: Api) -> None:
    api.patch("/footfall/v1/tracking/settings", json={"cookieless": True})
    post_hits(api.client, api.portal_id, hit(e="ann@example.com"), utk="c" * 32)
    post_hits(api.client, api.portal_id, hit(), utk="d" * 32)
    results = api.events()["results"]
    assert len(results) == 2
    assert len({r["objectId"] for r in results}) == 1  # same visitor today, no cookie needed
    assert any(a["field"] == "email" for r in results for a in r.get("adjustments", []))
    assert api.events(objectType="contact", **{"objectProperty.email": "ann@example.com"})[
        "results"] == []


def test_unknown_portal_is_404_with_cors(client: TestClient) -> None:
    response = post_hits(client, 999, hit())
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == "*"


def test_503_when_the_commit_fails(api: Api, database: str) -> None:
    api.define("x")
    with refused_inserts(database):
        response = post_hits(api.client, api.portal_id, hit())
        assert response.status_code == 503
        assert response.headers["access-control-allow-origin"] == "*"
    assert post_hits(api.client, api.portal_id, hit()).status_code == 204
