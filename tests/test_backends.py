"""Behaviour every storage backend must share, through the HTTP API (runs on each backend)."""

from __future__ import annotations

import asyncio
import uuid

from collector.jsapi.portal_settings import TrackingCache, change_settings, load_settings
from collector.portals import ensure_first_portal
from collector.storage import open_store
from tests.conftest import Api, count_rows, make_portals


def _define(api: Api) -> None:
    api.define("viewed", {"name": "plan", "label": "Plan", "type": "string"},
               {"name": "amount", "label": "Amount", "type": "number"})


def test_paging_walks_every_completion_once_in_order(api: Api) -> None:
    _define(api)
    inputs = [{"eventName": api.fqn("viewed"), "email": f"u{i % 3}@example.com",
               "occurredAt": f"2024-01-01T00:00:{i // 2:02d}Z", "properties": {"plan": f"p{i}"}}
              for i in range(25)]
    assert api.post("/events/v3/send/batch", json={"inputs": inputs}).status_code == 204
    seen: list[str] = []
    params: dict[str, str] = {"objectType": "contact", "limit": "4", "sort": "ASCENDING"}
    while True:
        page = api.events(**params)
        seen += [r["properties"]["plan"] for r in page["results"]]
        if "paging" not in page:
            break
        params["after"] = page["paging"]["next"]["after"]
    assert seen == [f"p{i}" for i in range(25)]


def test_ascending_is_the_default_and_ties_keep_insert_order(api: Api) -> None:
    _define(api)
    for plan in ("a", "b", "c"):
        api.send(eventName=api.fqn("viewed"), email="x@example.com",
                 occurredAt="2024-05-01T10:00:00Z", properties={"plan": plan})
    plans = [r["properties"]["plan"] for r in api.events(objectType="contact")["results"]]
    assert plans == ["a", "b", "c"]
    newest = api.events(objectType="contact", sort="-occurredAt")["results"]
    assert [r["properties"]["plan"] for r in newest] == ["c", "b", "a"]


def test_repeated_uuid_is_stored_once(api: Api) -> None:
    _define(api)
    body = {"eventName": api.fqn("viewed"), "utk": "visitor-1", "uuid": str(uuid.uuid4())}
    for _ in range(3):
        assert api.send(**body).status_code == 204
    batch = {"inputs": [body, {**body, "uuid": str(uuid.uuid4())}]}
    assert api.post("/events/v3/send/batch", json=batch).status_code == 204
    results = api.events(objectType="contact")["results"]
    assert len(results) == 2
    assert body["uuid"] in {r["id"] for r in results}
    assert api.events(id=body["uuid"].upper())["results"][0]["id"] == body["uuid"]


def test_property_filters_are_exact_and_case_sensitive(api: Api) -> None:
    _define(api)
    for plan in ("Pro plan", "pro plan", "Pro"):
        api.send(eventName=api.fqn("viewed"), email="a@example.com", properties={"plan": plan})
    found = api.get("/events/v3/events?objectType=contact&property.plan=Pro+plan").json()
    assert [r["properties"]["plan"] for r in found["results"]] == ["Pro plan"]
    found = api.get("/events/v3/events?objectType=contact&property.plan=pro%20plan").json()
    assert [r["properties"]["plan"] for r in found["results"]] == ["pro plan"]
    assert api.events(**{"property.plan": "PRO"})["results"] == []


def test_object_property_filter_and_identify_moves_anonymous_history(api: Api) -> None:
    _define(api)
    api.send(eventName=api.fqn("viewed"), utk="tok-1", properties={"plan": "before"})
    api.send(eventName=api.fqn("viewed"), utk="tok-1", email="Ann@Example.com",
             properties={"plan": "after"})
    found = api.events(**{"objectType": "contact", "objectProperty.email": "ann@example.com"})
    assert sorted(r["properties"]["plan"] for r in found["results"]) == ["after", "before"]
    assert len({r["objectId"] for r in found["results"]}) == 1


def test_time_window_and_event_type_filters(api: Api) -> None:
    _define(api)
    api.define("other")
    for day in (1, 2, 3):
        api.send(eventName=api.fqn("viewed"), objectId=_contact(api),
                 occurredAt=f"2024-02-0{day}T00:00:00Z")
    api.send(eventName=api.fqn("other"), email="z@example.com", occurredAt="2024-02-02T00:00:00Z")
    found = api.events(occurredAfter="2024-02-01T00:00:00Z", occurredBefore="2024-02-03T00:00:00Z")
    assert {r["eventType"] for r in found["results"]} == {api.fqn("viewed"), api.fqn("other")}
    assert len(found["results"]) == 2
    only = api.events(eventType=api.fqn("other"))["results"]
    assert [r["eventType"] for r in only] == [api.fqn("other")]
    assert [r["occurredAt"][:10] for r in api.events(eventType=api.fqn("viewed"))["results"]] == [
        "2024-02-01", "2024-02-02", "2024-02-03"]


def _contact(api: Api) -> str:
    response = api.post("/crm/v3/objects/contacts", json={"properties": {"firstname": "Bo"}})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_portals_are_isolated(api: Api, other: Api) -> None:
    _define(api)
    api.send(eventName=api.fqn("viewed"), email="a@example.com")
    assert other.events()["results"] == []
    response = other.send(eventName=api.fqn("viewed"), email="a@example.com")
    assert response.status_code == 400, response.text
    assert api.get(f"/crm/v3/objects/contacts/{_contact(other)}").status_code == 404


def test_definitions_round_trip_through_archive(api: Api) -> None:
    created = api.define("bought", {"name": "tier", "label": "Tier", "type": "enumeration",
                                    "options": [{"label": "Gold", "value": "gold"}]})
    assert created["name"] == "bought"
    response = api.patch(f"/events/v3/event-definitions/{api.fqn('bought')}",
                         json={"label": "Bought it", "description": "d"})
    assert response.status_code == 200, response.text
    again = api.get(f"/events/v3/event-definitions/{api.fqn('bought')}").json()
    assert (again["label"], again["description"]) == ("Bought it", "d")
    assert api.delete(f"/events/v3/event-definitions/{api.fqn('bought')}").status_code == 204
    assert api.client.post("/events/v3/event-definitions", headers=api.headers,
                           json={"label": "Bought", "name": "bought"}).status_code == 409


def test_contacts_by_email_are_unique(api: Api) -> None:
    body = {"properties": {"email": "dup@example.com"}}
    assert api.post("/crm/v3/objects/contacts", json=body).status_code == 201
    assert api.post("/crm/v3/objects/contacts", json=body).status_code == 409


def test_identify_in_the_same_batch_moves_the_anonymous_past(api: Api) -> None:
    """A page view and the identify that follows it often arrive together: the anonymous
    completion, not inserted yet, moves to the known contact as a stored one would."""
    _define(api)
    known = _contact_with_email(api, "known@example.com")
    batch = {"inputs": [{"eventName": api.fqn("viewed"), "utk": "device-7"},
                        {"eventName": api.fqn("viewed"), "utk": "device-7",
                         "email": "known@example.com"}]}
    assert api.post("/events/v3/send/batch", json=batch).status_code == 204
    owners = {r["objectId"] for r in api.events(objectType="contact")["results"]}
    assert owners == {known}


def _contact_with_email(api: Api, email: str) -> str:
    response = api.post("/crm/v3/objects/contacts", json={"properties": {"email": email}})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_collectors_starting_together_on_an_empty_database_make_one_portal(
        database: str) -> None:
    """Each collector creates portal 1 on an empty database at start: of several starting
    at the same moment, one does (each counted none, then each created one)."""
    async def start_together() -> list[object]:
        stores = [open_store(database) for _ in range(4)]
        for store in stores:
            await store.open()
        try:
            return list(await asyncio.gather(*(ensure_first_portal(s) for s in stores)))
        finally:
            for store in stores:
                await store.close()

    created = [found for found in asyncio.run(start_together()) if found is not None]
    assert len(created) == 1
    assert count_rows(database, "portals") == 1


def test_tracking_settings_changed_at_once_keep_every_change(database: str) -> None:
    """Each change reads, applies and saves: done at the same moment (from several
    collectors), the last save used to win and the others' fields were lost."""
    portal = make_portals(database, "p")[0].portal_id
    changes = [{"cookieless": True}, {"respectDoNotTrack": True}, {"hashRouting": True},
               {"allowedDomains": ["shop.example"]}, {"consent": "required"}]

    async def change_together() -> dict[str, object]:
        stores = [open_store(database) for _ in changes]
        for store in stores:
            await store.open()
        try:
            await change_settings(stores[0], TrackingCache(stores[0]), portal, {
                "cookieless": False, "respectDoNotTrack": False, "hashRouting": False,
                "allowedDomains": [], "consent": "none"})
            await asyncio.gather(*(change_settings(s, TrackingCache(s), portal, body)
                                   for s, body in zip(stores, changes, strict=True)))
            return (await load_settings(stores[0], portal)).to_json()
        finally:
            for store in stores:
                await store.close()

    for _ in range(5):
        assert asyncio.run(change_together()) == {
            "cookieless": True, "respectDoNotTrack": True, "hashRouting": True,
            "allowedDomains": ["shop.example"], "consent": "required"}
