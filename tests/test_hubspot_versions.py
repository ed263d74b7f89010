"""HubSpot's date-versioned paths (2026-03, 2026-09): a client written against them works
unchanged, end to end, and sees the same data as a v3 client of the same portal."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from collector.api.versions import DATE_VERSIONS
from collector.app import DATED_ROUTES
from tests.conftest import Api


@pytest.fixture(params=DATE_VERSIONS)
def version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_a_dated_client_defines_sends_and_reads_back(api: Api, version: str) -> None:
    defs = f"/events/{version}/event-definitions"
    created = api.post(defs, json={
        "label": "Signed up", "name": "signed_up", "primaryObject": "CONTACT",
        "propertyDefinitions": [{"name": "plan", "label": "Plan", "type": "string"}]})
    assert created.status_code == 201, created.text
    fqn = created.json()["fullyQualifiedName"]
    assert fqn == api.fqn("signed_up")
    added = api.post(f"{defs}/signed_up/property",
                     json={"name": "seats", "label": "Seats", "type": "number"})
    assert added.status_code == 201, added.text
    renamed = api.patch(f"{defs}/signed_up/property/seats", json={"label": "Seat count"})
    assert renamed.status_code == 200, renamed.text
    properties = api.get(f"{defs}/signed_up").json()["properties"]
    assert {p["name"]: p["label"] for p in properties}["seats"] == "Seat count"

    contact = api.post(f"/crm/objects/{version}/contacts",
                       json={"properties": {"email": "ann@example.com"}})
    assert contact.status_code == 201, contact.text
    contact_id = contact.json()["id"]
    read = api.get(f"/crm/objects/{version}/contacts/ann@example.com",
                   params={"idProperty": "email"})
    assert read.status_code == 200, read.text
    assert read.json()["id"] == contact_id

    keys = [str(uuid.uuid4()) for _ in range(3)]
    sent = api.post(f"/events/{version}/send", json={
        "eventName": fqn, "email": "ann@example.com", "uuid": keys[0],
        "occurredAt": "2026-10-01T12:00:00Z", "properties": {"plan": "pro", "seats": 3}})
    assert sent.status_code == 204, sent.text
    batch = api.post(f"/events/{version}/send/batch", json={"inputs": [
        {"eventName": fqn, "objectId": contact_id, "uuid": key,
         "occurredAt": f"2026-10-0{day}T12:00:00Z"} for day, key in ((2, keys[1]), (3, keys[2]))]})
    assert batch.status_code == 204, batch.text

    occurrences = f"/events/event-occurrences/{version}"
    page = api.get(occurrences, params={"objectType": "contact", "objectId": contact_id,
                                        "eventType": fqn, "limit": 2, "sort": "occurredAt"})
    assert page.status_code == 200, page.text
    body = page.json()
    assert [r["id"] for r in body["results"]] == keys[:2]
    assert body["results"][0]["properties"]["plan"] == "pro"
    link = urlsplit(body["paging"]["next"]["link"])
    assert link.path == occurrences  # the next page stays on the client's version
    rest = api.get(f"{link.path}?{link.query}")
    assert [r["id"] for r in rest.json()["results"]] == keys[2:]
    # The same completions through v3: one store, whichever path wrote them.
    assert sorted(r["id"] for r in api.events(eventType=fqn)["results"]) == sorted(keys)

    types = api.get(f"{occurrences}/event-types")
    assert types.status_code == 200, types.text
    assert fqn in types.json()["eventTypes"]

    archived = api.delete(f"{defs}/signed_up")
    assert archived.status_code == 204, archived.text
    listed = api.get(defs, params={"archived": "true"}).json()["results"]
    assert [d["name"] for d in listed] == ["signed_up"]


def test_dated_definition_list_pages_on_its_own_path(api: Api, version: str) -> None:
    for name in ("first", "second"):
        api.define(name)
    path = f"/events/{version}/event-definitions"
    body = api.get(path, params={"limit": 1}).json()
    assert urlsplit(body["paging"]["next"]["link"]).path == path


@pytest.mark.parametrize("path", ["/events/{v}/send", "/events/v3/{v}/send",
                                  "/events/custom/{v}/send"])
def test_every_dated_send_form_stores(api: Api, version: str, path: str) -> None:
    """The docs' form and the form of HubSpot's published 2026-09 OpenAPI document."""
    api.define("pinged")
    key = str(uuid.uuid4())
    sent = api.post(path.format(v=version), json={"eventName": api.fqn("pinged"),
                                                  "email": "bo@example.com", "uuid": key})
    assert sent.status_code == 204, sent.text
    batch = api.post(path.format(v=version) + "/batch", json={"inputs": [
        {"eventName": api.fqn("pinged"), "email": "bo@example.com"}]})
    assert batch.status_code == 204, batch.text
    assert key in [r["id"] for r in api.events()["results"]]
    assert len(api.events()["results"]) == 2


def test_the_custom_definition_paths_of_hubspots_current_reference(api: Api,
                                                                  version: str) -> None:
    """HubSpot's current reference names them /events/custom/{v}/event-definitions."""
    defs = f"/events/custom/{version}/event-definitions"
    created = api.post(defs, json={"label": "Booked", "name": "booked",
                                   "primaryObject": "CONTACT"})
    assert created.status_code == 201, created.text
    added = api.post(f"{defs}/booked/property",
                     json={"name": "room", "label": "Room", "type": "string"})
    assert added.status_code == 201, added.text
    assert api.patch(f"{defs}/booked", json={"label": "Room booked"}).status_code == 200
    assert api.get(f"{defs}/booked").json()["label"] == "Room booked"
    body = api.get(defs).json()
    assert [d["name"] for d in body["results"]] == ["booked"]
    assert api.delete(f"{defs}/booked/property/room").status_code == 204
    assert api.delete(f"{defs}/booked").status_code == 204
    assert api.get(defs, params={"archived": "true"}).json()["total"] == 1


def test_dated_errors_are_the_v3_errors(api: Api, version: str) -> None:
    response = api.post(f"/events/{version}/send", json={"eventName": api.fqn("nope"),
                                                          "email": "not an email"})
    assert response.status_code == 400, response.text
    fields = sorted(e["in"] for e in response.json()["errors"])
    v3 = api.post("/events/v3/send", json={"eventName": api.fqn("nope"), "email": "not an email"})
    assert fields == sorted(e["in"] for e in v3.json()["errors"])
    assert fields


def test_every_dated_route_needs_a_token(client: TestClient) -> None:
    for route in DATED_ROUTES:
        path = route.path.replace("{event_name}", "x").replace("{property_name}", "y") \
            .replace("{object_type}", "contacts").replace("{object_id}", "1")
        for method in sorted((route.methods or set()) - {"HEAD"}):
            response = client.request(method, path, json={})
            assert response.status_code == 401, (method, path, response.text)
            assert response.json()["category"] == "INVALID_AUTHENTICATION", (method, path)


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/events/2025-09/send"), ("POST", "/events/2027-03/send"),
    ("POST", "/events/v4/send"), ("GET", "/events/event-occurrences/v3")])
def test_a_version_footfall_does_not_serve_is_404(api: Api, method: str, path: str) -> None:
    response = api.client.request(method, path, headers=api.headers,
                                  json={"eventName": api.fqn("x"), "email": "a@example.com"}
                                  if method == "POST" else None)
    assert response.status_code == 404, response.text
