"""Analytics across a portal: counts per event, contacts and timelines, and isolation."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.analyticskit import MARCH, get, seed
from tests.conftest import Api
from tests.jshits import hit, post_hits
from tests.visual import SITE, button, launch

DAY = 86_400_000


def rows(api: Api, **params: Any) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in get(api, "/events/summary", **params)["results"]}


def test_counts_of_the_last_30_days_for_every_event(api: Api) -> None:
    api.define("signup")
    api.define("quiet")
    now = time.time_ns() // 1_000_000
    for when in (now, now - 2 * DAY, now - 29 * DAY, now - 31 * DAY):
        assert api.send(eventName=api.fqn("signup"), email="a@example.com",
                        occurredAt=when).status_code == 204
    found = rows(api)
    assert (found["signup"]["completions"], found["signup"]["total"]) == (3, 4)
    assert found["signup"]["lastCompletedOn"] == time.strftime("%Y-%m-%d", time.gmtime(now / 1000))
    assert found["signup"]["trackingType"] == "MANUAL"
    assert found["signup"]["selectorBroken"] is None
    assert (found["quiet"]["completions"], found["quiet"]["lastCompletedOn"]) == (0, None)
    assert rows(api, days="1")["signup"]["completions"] == 1


def test_truncated_failed_and_page_view_counts(api: Api) -> None:
    api.define("clicked", {"name": "note", "label": "Note", "type": "string"})
    api.define("retired")
    assert api.delete(f"/events/v3/event-definitions/{api.fqn('retired')}").status_code == 204
    post_hits(api.client, api.portal_id, hit(api.fqn("clicked"), p={"note": "x" * 300}),
              hit(api.fqn("clicked")), hit(api.fqn("retired")), hit(api.fqn("never_defined")),
              hit())
    body = get(api, "/events/summary")
    found = {r["name"]: r for r in body["results"]}
    assert (found["clicked"]["completions"], found["clicked"]["adjusted"]) == (2, 1)
    assert (found["retired"]["failed"], found["retired"]["archived"]) == (1, True)
    assert found["e_visited_page"]["trackingType"] == "PAGE_VIEW"
    assert found["e_visited_page"]["label"] == "Page views"
    assert body["unknownEvents"] == [{"eventName": api.fqn("never_defined"), "failed": 1}]
    detail = get(api, "/events/retired/summary")
    assert detail["failed"] == 1
    latest = get(api, "/events/clicked/completions")["results"]
    adjusted = [r for r in latest if r["adjustments"]]
    assert len(adjusted) == 1
    assert adjusted[0]["source"] == "JS"
    assert adjusted[0]["adjustments"][0]["field"] == "properties.note"


def test_a_clicked_element_event_that_stopped_matching_is_flagged(api: Api) -> None:
    launch(api).create(**button())
    assert rows(api)["clicked_buy"]["selectorBroken"] is False
    body = json.dumps({"a": api.portal_id, "u": SITE + "/pricing", "m": [api.fqn("clicked_buy")]})
    api.client.post("/collect/misses", content=body,
                    headers={"Content-Type": "text/plain", "Origin": SITE})
    assert rows(api)["clicked_buy"]["selectorBroken"] is True


def test_contact_search_by_email_part_or_id(api: Api) -> None:
    seed(api)
    found = get(api, "/contacts", search="B")["results"]
    assert [c["email"] for c in found] == ["bob@example.com"]
    assert found[0]["completions"] == 2
    assert found[0]["lastCompletionAt"] == "2024-04-02T00:00:00.000Z"
    by_id = get(api, "/contacts", search=found[0]["id"])["results"]
    assert by_id[0]["id"] == found[0]["id"]
    starts = get(api, "/contacts", search="c")["results"]
    assert starts[0]["email"] == "cy@example.com"  # a prefix match before "contains"
    assert get(api, "/contacts", search="%")["results"] == []
    assert get(api, "/contacts", search="nobody")["results"] == []


def test_recent_contacts_without_a_search(api: Api) -> None:
    seed(api)
    api.post("/crm/v3/objects/contacts", json={"properties": {"email": "idle@example.com"}})
    found = get(api, "/contacts")["results"]
    assert [c["email"] for c in found] == ["bob@example.com", "cy@example.com",
                                           "ann@example.com", "idle@example.com"]
    assert found[-1]["completions"] == 0
    assert len(get(api, "/contacts", limit="2")["results"]) == 2


def test_timeline_newest_first_filtered_and_paged(api: Api) -> None:
    seed(api)
    api.define("login")
    api.send(eventName=api.fqn("login"), email="ann@example.com", occurredAt="2024-03-06T08:00:00Z")
    ann = get(api, "/contacts", search="ann")["results"][0]["id"]
    body = get(api, f"/contacts/{ann}/timeline")
    assert [(r["eventName"], r["occurredAt"][:10]) for r in body["results"]] == [
        ("login", "2024-03-06"), ("purchase", "2024-03-05"), ("purchase", "2024-03-04")]
    assert body["contact"]["events"] == {"login": 1, "purchase": 2}
    assert body["results"][2]["properties"] == {"plan": "gold", "note": "first"}
    only = get(api, f"/contacts/{ann}/timeline", event=api.fqn("purchase"))
    assert [r["eventName"] for r in only["results"]] == ["purchase", "purchase"]
    page = get(api, f"/contacts/{ann}/timeline", limit="2")
    rest = get(api, f"/contacts/{ann}/timeline", limit="2", after=page["paging"]["next"]["after"])
    assert [r["occurredAt"][:10] for r in rest["results"]] == ["2024-03-04"]
    bad = get(api, f"/contacts/{ann}/timeline", 400, event="pe999999_x", limit="0", after="x",
              extra="1")
    assert {e["in"] for e in bad["errors"]} == {"query.event", "query.limit", "query.after",
                                                "query.extra"}


def test_unknown_contacts_are_404(api: Api) -> None:
    for raw in ("999999", "0", "-1", "abc", "99999999999999999999999"):
        assert get(api, f"/contacts/{raw}/timeline", 404)["category"] == "OBJECT_NOT_FOUND"


def test_portals_never_see_each_other(api: Api, other: Api) -> None:
    seed(api)
    other.define("own")
    ann = get(api, "/contacts", search="ann")["results"][0]["id"]
    for name in ("purchase", api.fqn("purchase")):
        for path in ("series", "summary", "breakdown?property=plan", "completions"):
            assert get(other, f"/events/{name}/{path}", 404)["category"] == "OBJECT_NOT_FOUND"
    assert get(other, f"/contacts/{ann}/timeline", 404)
    assert get(other, "/contacts", search="ann")["results"] == []
    assert get(other, "/contacts")["results"] == []
    assert set(rows(other)) == {"own"}
    first = get(api, "/events/purchase/completions", limit="1", **MARCH)
    cursor = first["paging"]["next"]["after"]
    other.define("purchase")
    refused = get(other, "/events/purchase/completions", 400, after=cursor)
    assert refused["errors"][0]["code"] == "INVALID_CURSOR"
    assert get(other, "/events/purchase/summary", **MARCH)["completions"] == 0
