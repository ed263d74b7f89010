"""An identify that merges an anonymous visitor's contact into an existing one: the merged-away
id keeps resolving to the surviving contact, as on HubSpot — a send by that ``objectId``
stores on the survivor, the CRM read by it returns the survivor (whose read lists the merged
ids in ``hs_merged_object_ids``), and so does the analytics timeline. Both backends."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from collector.app import create_app
from collector.portals import NewPortal
from collector.settings import Settings
from collector.storage import Store
from collector.storage.sqlstore import SqlStore
from tests.conftest import Api, in_store
from tests.test_send_api import assert_error, create_object, results, send_ok, stored
from tests.uikit import Browser

TIMELINE = "/footfall/v1/analytics/contacts/{}/timeline"


@pytest.fixture
def event(api: Api) -> str:
    api.define("purchased", {"name": "plan", "label": "Plan", "type": "string"})
    return api.fqn("purchased")


def merge_visitor(api: Api, event: str, email: str = "dave@example.com") -> tuple[str, str]:
    """An anonymous visitor (a contact made for its utk) identifies as an existing contact:
    (the anonymous contact's id, the existing contact's id)."""
    send_ok(api, eventName=event, utk="visitor-m", properties={"plan": "anonymous"})
    [first] = results(api)
    known = create_object(api, "contacts", email=email)
    send_ok(api, eventName=event, utk="visitor-m", email=email, properties={"plan": "identified"})
    return first["objectId"], known


def plans_by_contact(api: Api) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for r in results(api, sort="ASCENDING"):
        found.setdefault(r["objectId"], []).append(r["properties"]["plan"])
    return found


def crm_read(api: Api, contact: str) -> Any:
    return api.get(f"/crm/v3/objects/contacts/{contact}")


@pytest.mark.parametrize("as_number", [False, True], ids=["id-as-string", "id-as-number"])
def test_a_send_by_a_merged_away_id_stores_on_the_surviving_contact(
        api: Api, event: str, database: str, as_number: bool) -> None:
    old, dave = merge_visitor(api, event)
    send_ok(api, eventName=event, objectId=int(old) if as_number else old,
            properties={"plan": "later"})
    assert plans_by_contact(api) == {dave: ["anonymous", "identified", "later"]}
    assert stored(database, "objects") == 1  # the merged-away row is gone
    assert stored(database, "contact_merges") == 1


def test_a_batch_by_a_merged_away_id_stores_on_the_surviving_contact(api: Api, event: str) -> None:
    old, dave = merge_visitor(api, event)
    inputs = [{"eventName": event, "objectId": old, "properties": {"plan": "batch-1"}},
              {"eventName": event, "objectId": dave, "properties": {"plan": "batch-2"}}]
    response = api.post("/events/v3/send/batch", json={"inputs": inputs})
    assert response.status_code == 204, response.text
    assert plans_by_contact(api) == {dave: ["anonymous", "identified", "batch-1", "batch-2"]}


@pytest.mark.parametrize("identify_first", [True, False], ids=["identify-first", "objectId-first"])
def test_a_merge_within_one_batch_redirects_the_anonymous_id(api: Api, event: str,
                                                              identify_first: bool) -> None:
    send_ok(api, eventName=event, utk="visitor-b", properties={"plan": "anonymous"})
    [first] = results(api)
    dave = create_object(api, "contacts", email="dave@example.com")
    identify = {"eventName": event, "utk": "visitor-b", "email": "dave@example.com",
                "properties": {"plan": "identify"}}
    by_id = {"eventName": event, "objectId": first["objectId"], "properties": {"plan": "by-id"}}
    inputs = [identify, by_id] if identify_first else [by_id, identify]
    response = api.post("/events/v3/send/batch", json={"inputs": inputs})
    assert response.status_code == 204, response.text
    assert set(plans_by_contact(api)) == {dave}


def test_the_crm_read_by_a_merged_away_id_returns_the_surviving_contact(api: Api,
                                                                         event: str) -> None:
    old, dave = merge_visitor(api, event)
    by_old = crm_read(api, old)
    assert by_old.status_code == 200, by_old.text
    body = by_old.json()
    assert body["id"] == dave
    assert body["properties"]["email"] == "dave@example.com"
    assert body["properties"]["hs_object_id"] == dave
    assert body["properties"]["hs_merged_object_ids"] == old
    assert crm_read(api, dave).json() == body


def test_a_contact_never_merged_has_no_merged_ids(api: Api, event: str) -> None:
    send_ok(api, eventName=event, email="ann@example.com")
    [found] = results(api)
    assert "hs_merged_object_ids" not in crm_read(api, found["objectId"]).json()["properties"]


def test_the_timeline_of_a_merged_away_id_is_the_surviving_contacts(api: Api,
                                                                     event: str) -> None:
    old, dave = merge_visitor(api, event)
    response = api.get(TIMELINE.format(old))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["contact"]["id"] == dave
    assert body["contact"]["email"] == "dave@example.com"
    assert sorted(r["properties"]["plan"] for r in body["results"]) == ["anonymous", "identified"]
    assert api.get(TIMELINE.format(dave)).json() == body


def test_the_events_of_a_merged_away_id_are_the_surviving_contacts(api: Api, event: str,
                                                                   other: Api) -> None:
    """``GET /events/v3/events?objectType=contact&objectId=<old id>`` lists the survivor's
    completions, as the CRM read and the timeline answer with the survivor."""
    old, dave = merge_visitor(api, event)
    by_old = results(api, objectType="contact", objectId=old, sort="ASCENDING")
    assert [r["properties"]["plan"] for r in by_old] == ["anonymous", "identified"]
    assert {r["objectId"] for r in by_old} == {dave}
    assert by_old == results(api, objectType="contact", objectId=dave, sort="ASCENDING")
    assert len(results(api, objectType="contact", objectId=old, eventType=event)) == 2
    assert results(other, objectType="contact", objectId=old) == []


@pytest.mark.parametrize("name", ["hs_merged_object_ids", "hs_object_id"])
def test_the_crm_create_refuses_the_ids_the_crm_sets(api: Api, database: str,
                                                     name: str) -> None:
    """Read-only on HubSpot: a contact claiming merged ids (or an id) of its own would read
    as a merge that never happened."""
    response = api.post("/crm/v3/objects/contacts", json={"properties": {
        "email": "eve@example.com", name: "1;2"}})
    body = assert_error(response, 400, f"properties.{name}")
    assert name in body["message"]
    assert body["errors"][0]["code"] == "READ_ONLY_VALUE"
    assert stored(database, "objects") == 0


def test_the_contact_page_of_a_merged_away_id_redirects_to_the_surviving_contacts(
        client: TestClient, portals: list[NewPortal], api: Api, event: str) -> None:
    old, dave = merge_visitor(api, event)
    browser = Browser(client)
    browser.sign_in(portals[0].token)
    response = browser.get(f"/app/contacts/{old}?event={event}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/app/contacts/{dave}?event={event}"
    assert "dave@example.com" in browser.follow(response).text


def test_searching_contacts_by_a_merged_away_id_finds_the_surviving_contact(
        api: Api, event: str) -> None:
    old, dave = merge_visitor(api, event)
    found = api.get("/footfall/v1/analytics/contacts", params={"search": old}).json()
    assert [c["id"] for c in found["results"]] == [dave]


def test_a_merged_away_id_is_unknown_to_another_portal(api: Api, other: Api, event: str) -> None:
    old, _ = merge_visitor(api, event)
    other.define("purchased", {"name": "plan", "label": "Plan", "type": "string"})
    assert_error(other.send(eventName=other.fqn("purchased"), objectId=old), 400, "objectId")
    assert crm_read(other, old).status_code == 404
    assert other.get(TIMELINE.format(old)).status_code == 404
    assert other.get("/footfall/v1/analytics/contacts",
                     params={"search": old}).json()["results"] == []


def test_merges_of_merges_resolve_to_the_final_contact(settings: Settings, portals: list[NewPortal],
                                                       database: str) -> None:
    """A merged into B, later B into C. The identify path only ever merges an anonymous
    contact into one with an email, so the second merge is made in the store directly,
    while no collector runs (a running one caches contacts with an email as live)."""
    from collector.storage import merges

    with TestClient(create_app(settings)) as client:
        api = Api(client, portals[0])
        api.define("purchased", {"name": "plan", "label": "Plan", "type": "string"})
        event = api.fqn("purchased")
        a, b = merge_visitor(api, event, "b@example.com")
        c = create_object(api, "contacts", email="c@example.com")

    def merge(conn: Any) -> bool:  # only an anonymous contact merges: b loses its email first
        conn.execute("UPDATE objects SET email = NULL WHERE id = ?", (int(b),))
        return merges.merge_contact(conn, api.portal_id, int(b), int(c))

    async def merge_b_into_c(store: Store) -> None:
        assert isinstance(store, SqlStore)
        assert await store._write(merge)

    in_store(database, merge_b_into_c)
    with TestClient(create_app(settings)) as client:
        api = Api(client, portals[0])
        for old in (a, b):
            read = crm_read(api, old).json()
            assert read["id"] == c
            assert read["properties"]["hs_merged_object_ids"] == f"{a};{b}"
            assert api.get(TIMELINE.format(old)).json()["contact"]["id"] == c
        send_ok(api, eventName=event, objectId=a, properties={"plan": "by-a"})
        send_ok(api, eventName=event, objectId=b, properties={"plan": "by-b"})
        assert plans_by_contact(api) == {c: ["anonymous", "identified", "by-a", "by-b"]}
    assert stored(database, "objects") == 1


def test_an_anonymous_contacts_id_names_no_company(api: Api, event: str) -> None:
    """Within one batch, an anonymous contact found by its id is remembered as a contact only."""
    send_ok(api, eventName=event, utk="visitor-c")
    [first] = results(api)
    api.define("renewed", primaryObject="COMPANY")
    inputs = [{"eventName": event, "objectId": first["objectId"]},
              {"eventName": api.fqn("renewed"), "objectId": first["objectId"]}]
    assert_error(api.post("/events/v3/send/batch", json={"inputs": inputs}), 400,
                 "inputs[1].objectId")


def test_a_merged_away_id_is_never_given_to_a_new_contact(api: Api, event: str) -> None:
    """The merged-away contact made last had the highest id: the next contact gets a new one
    (SQLite gave the highest id + 1 again before its table was AUTOINCREMENT), so the old id
    still reads as the survivor and the new contact as itself."""
    dave = create_object(api, "contacts", email="dave@example.com")
    send_ok(api, eventName=event, utk="visitor-n", properties={"plan": "anonymous"})
    old = next(r["objectId"] for r in results(api) if r["objectId"] != dave)
    send_ok(api, eventName=event, utk="visitor-n", email="dave@example.com",
            properties={"plan": "identified"})
    zed = create_object(api, "contacts", email="zed@example.com")
    assert zed not in (old, dave)
    assert crm_read(api, old).json()["id"] == dave
    assert crm_read(api, zed).json()["properties"].get("hs_merged_object_ids") is None
    assert crm_read(api, dave).json()["properties"]["hs_merged_object_ids"] == old
