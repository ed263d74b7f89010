"""Portals never see or change each other's data, and every API route needs a valid token.

Portal A (fixture ``api``) owns data; portal B (fixture ``other``) tries every route on it.
Both the isolation checks and the authentication checks are parametrized over ``ROUTES``,
so a new route fails these tests until it is covered.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from collector.app import ROUTES, create_app
from collector.portals import NewPortal
from collector.settings import Settings
from tests.conftest import Api

DEFS = "/events/v3/event-definitions"
PUBLIC_PATHS = {"/openapi.json", "/healthz"}
EMAIL = "ann@example.com"
UTK = "utk-ann-0001"
PLAN = {"name": "plan", "label": "Plan", "type": "string"}
TIER = {"name": "tier", "label": "Tier", "type": "enumeration",
        "options": [{"label": "Pro", "value": "pro"}, {"label": "Team", "value": "team"}]}


def route_cases(public: bool) -> list[Any]:
    cases = []
    for route in ROUTES:
        assert isinstance(route, Route)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            if (route.path in PUBLIC_PATHS) == public:
                cases.append(pytest.param(method, route.path, id=f"{method} {route.path}"))
    return cases


API_ROUTES = [case for case in route_cases(public=False)
              if case.values[1].startswith(("/events/v3/", "/crm/v3/"))]


@dataclass
class World:
    """What portal A owns before portal B starts trying."""

    definition: dict[str, Any]
    contact_id: str
    completion_ids: list[str]
    uuids: list[str]
    cursor: str


@pytest.fixture
def world(api: Api) -> World:
    definition = api.define("signed_up", PLAN, TIER)
    api.define("old_event")
    assert api.delete(f"{DEFS}/old_event").status_code == 204
    uuids = [str(uuid.uuid4()) for _ in range(3)]
    for index, key in enumerate(uuids):
        response = api.send(eventName=api.fqn("signed_up"), email=EMAIL, utk=UTK, uuid=key,
                            occurredAt=f"2024-05-0{index + 1}T12:00:00Z",
                            properties={"plan": "pro", "tier": "team"})
        assert response.status_code == 204, response.text
    page = api.events(limit=1)
    results = api.events()["results"]
    assert len(results) == 3
    return World(definition=definition, contact_id=results[0]["objectId"],
                 completion_ids=[r["id"] for r in results], uuids=uuids,
                 cursor=page["paging"]["next"]["after"])


def assert_untouched(api: Api, world: World) -> None:
    """Portal A's definitions, contact and completions are exactly as the world left them."""
    response = api.get(f"{DEFS}/signed_up")
    assert response.status_code == 200, response.text
    assert response.json() == world.definition
    listing = api.get(DEFS).json()
    assert [d["name"] for d in listing["results"]] == ["signed_up"]
    archived = api.get(DEFS, params={"archived": "true"}).json()
    assert [d["name"] for d in archived["results"]] == ["old_event"]
    results = api.events()["results"]
    assert [r["id"] for r in results] == world.completion_ids
    assert {r["objectId"] for r in results} == {world.contact_id}
    assert all(r["properties"] == {"plan": "pro", "tier": "team"} for r in results)
    contact = api.get(f"/crm/v3/objects/contacts/{world.contact_id}")
    assert contact.status_code == 200, contact.text
    assert contact.json()["properties"]["email"] == EMAIL


def error_fields(response: Any, status: int) -> list[str]:
    assert response.status_code == status, response.text[:600]
    body = response.json()
    assert body["status"] == "error"
    return [e["in"] for e in body.get("errors", [])]


def a_names(api: Api) -> list[str]:
    """Every way portal B could try to name portal A's event."""
    return ["signed_up", api.fqn("signed_up")]


# -- one isolation check per route -------------------------------------------------------------

Check = Callable[[Api, Api, World], None]


def create_definition(api: Api, other: Api, world: World) -> None:
    mine = other.define("signed_up", PLAN)
    assert mine["fullyQualifiedName"] == other.fqn("signed_up") != api.fqn("signed_up")
    assert mine["id"] != world.definition["id"]
    # B may even use A's fully qualified name as its own internal name: it stays B's.
    response = other.post(DEFS, json={"label": "Lookalike", "name": api.fqn("signed_up")})
    assert response.status_code in (201, 400), response.text
    if response.status_code == 201:
        assert response.json()["fullyQualifiedName"] == other.fqn(api.fqn("signed_up"))
    assert_untouched(api, world)


def list_definitions(api: Api, other: Api, world: World) -> None:
    for params in ({}, {"searchString": "signed"}, {"archived": "true"},
                   {"after": "0", "limit": "1"}):
        response = other.get(DEFS, params=params)
        assert response.status_code == 200, response.text
        assert response.json() == {"total": 0, "results": []}
    other.define("mine")
    body = other.get(DEFS).json()
    assert [d["name"] for d in body["results"]] == ["mine"]
    assert body["total"] == 1


def get_definition(api: Api, other: Api, world: World) -> None:
    for name in [*a_names(api), api.fqn("old_event"), "old_event"]:
        assert error_fields(other.get(f"{DEFS}/{name}"), 404) == ["eventName"]


def update_definition(api: Api, other: Api, world: World) -> None:
    for name in a_names(api):
        response = other.patch(f"{DEFS}/{name}", json={"label": "Hijacked"})
        assert error_fields(response, 404) == ["eventName"]
    assert_untouched(api, world)


def archive_definition(api: Api, other: Api, world: World) -> None:
    for name in a_names(api):
        assert error_fields(other.delete(f"{DEFS}/{name}"), 404) == ["eventName"]
    assert_untouched(api, world)
    assert api.send(eventName=api.fqn("signed_up"), email=EMAIL).status_code == 204


def create_property(api: Api, other: Api, world: World) -> None:
    for name in a_names(api):
        response = other.post(f"{DEFS}/{name}/property",
                              json={"name": "stolen", "label": "Stolen", "type": "string"})
        assert error_fields(response, 404) == ["eventName"]
    assert_untouched(api, world)


def update_property(api: Api, other: Api, world: World) -> None:
    for name in a_names(api):
        response = other.patch(f"{DEFS}/{name}/property/tier",
                               json={"label": "Hijacked", "options": [{"label": "X", "value": "x"}]})
        assert error_fields(response, 404) == ["eventName"]
    assert_untouched(api, world)


def delete_property(api: Api, other: Api, world: World) -> None:
    for name in a_names(api):
        response = other.delete(f"{DEFS}/{name}/property/plan")
        assert error_fields(response, 404) == ["eventName"]
    assert_untouched(api, world)


def send(api: Api, other: Api, world: World) -> None:
    for name in a_names(api):
        response = other.send(eventName=name, email=EMAIL, properties={"plan": "pro"})
        assert error_fields(response, 400) == ["eventName"]
        assert response.json()["errors"][0]["code"] == "UNKNOWN_EVENT"
    other.define("mine", PLAN)
    # A's contact id means nothing in B.
    response = other.send(eventName=other.fqn("mine"), objectId=world.contact_id)
    assert error_fields(response, 400) == ["objectId"]
    # A uuid A already used is still new in B: B's completion is stored, A's stays A's.
    response = other.send(eventName=other.fqn("mine"), email=EMAIL, utk=UTK, uuid=world.uuids[0],
                          properties={"plan": "team"})
    assert response.status_code == 204, response.text
    (mine,) = other.events()["results"]
    assert mine["id"] == world.uuids[0]
    assert mine["objectId"] != world.contact_id
    assert mine["properties"] == {"plan": "team"}
    assert_untouched(api, world)


def send_batch(api: Api, other: Api, world: World) -> None:
    other.define("mine", PLAN)
    inputs = [{"eventName": other.fqn("mine"), "email": EMAIL},
              {"eventName": api.fqn("signed_up"), "email": EMAIL},
              {"eventName": other.fqn("mine"), "objectId": world.contact_id}]
    response = other.post("/events/v3/send/batch", json={"inputs": inputs})
    fields = error_fields(response, 400)
    assert "inputs[1].eventName" in fields
    assert "inputs[0].eventName" not in fields
    assert other.events()["results"] == []
    response = other.post("/events/v3/send/batch", json={"inputs": [
        {"eventName": other.fqn("mine"), "utk": UTK, "uuid": key} for key in world.uuids]})
    assert response.status_code == 204, response.text
    results = other.events()["results"]
    assert sorted(r["id"] for r in results) == sorted(world.uuids)
    assert {r["objectId"] for r in results} != {world.contact_id}
    assert_untouched(api, world)


def _list_events(path: str) -> Check:
    def check(api: Api, other: Api, world: World) -> None:
        attempts: list[dict[str, str]] = [
            {},
            {"eventType": api.fqn("signed_up")},
            {"eventType": "signed_up"},
            {"objectType": "contact", "objectId": world.contact_id},
            {"objectType": "contact", "objectProperty.email": EMAIL},
            {"id": world.completion_ids[0]},
            {"property.plan": "pro"},
            {"sort": "ASCENDING"},
        ]
        for params in attempts:
            response = other.get(path, params=params)
            assert response.status_code == 200, (params, response.text)
            assert response.json()["results"] == [], params
        stolen = other.get(path, params={"limit": "1", "after": world.cursor})
        assert error_fields(stolen, 400) == ["query.after"]
        # A's cursor works for A, so the rejection above is about the portal.
        assert api.get(path, params={"limit": "1", "after": world.cursor}).status_code == 200
        # And the other way round: B's cursor is useless to A.
        other.define("mine")
        for _ in range(2):
            assert other.send(eventName=other.fqn("mine"), email=EMAIL).status_code == 204
        cursor = other.get(path, params={"limit": "1"}).json()["paging"]["next"]["after"]
        assert error_fields(api.get(path, params={"limit": "1", "after": cursor}), 400) == [
            "query.after"]
        assert_untouched(api, world)
    return check


def event_types(api: Api, other: Api, world: World) -> None:
    response = other.get("/events/v3/events/event-types")
    assert response.status_code == 200, response.text
    assert response.json() == {"eventTypes": ["e_visited_page"]}
    other.define("mine")
    assert other.get("/events/v3/events/event-types").json() == {
        "eventTypes": ["e_visited_page", other.fqn("mine")]}
    assert api.fqn("signed_up") in api.get("/events/v3/events/event-types").json()["eventTypes"]


def limits(api: Api, other: Api, world: World) -> None:
    mine, theirs = other.get("/events/v3/limits"), api.get("/events/v3/limits")
    assert mine.status_code == theirs.status_code == 200
    assert mine.json() == theirs.json()


def create_object(api: Api, other: Api, world: World) -> None:
    # The same email is a different contact in another portal, not a conflict.
    response = other.post("/crm/v3/objects/contacts", json={"properties": {"email": EMAIL}})
    assert response.status_code == 201, response.text
    assert response.json()["id"] != world.contact_id
    found = api.get(f"/crm/v3/objects/contacts/{EMAIL}", params={"idProperty": "email"})
    assert found.status_code == 200, found.text
    assert found.json()["id"] == world.contact_id
    assert_untouched(api, world)


def get_object(api: Api, other: Api, world: World) -> None:
    response = other.get(f"/crm/v3/objects/contacts/{world.contact_id}")
    assert error_fields(response, 404) == ["objectId"]
    response = other.get(f"/crm/v3/objects/contacts/{EMAIL}", params={"idProperty": "email"})
    assert error_fields(response, 404) == ["objectId"]
    assert api.get(f"/crm/v3/objects/contacts/{world.contact_id}").status_code == 200


CHECKS: dict[tuple[str, str], Check] = {
    ("POST", DEFS): create_definition,
    ("GET", DEFS): list_definitions,
    ("GET", DEFS + "/{event_name}"): get_definition,
    ("PATCH", DEFS + "/{event_name}"): update_definition,
    ("DELETE", DEFS + "/{event_name}"): archive_definition,
    ("POST", DEFS + "/{event_name}/property"): create_property,
    ("PATCH", DEFS + "/{event_name}/property/{property_name}"): update_property,
    ("DELETE", DEFS + "/{event_name}/property/{property_name}"): delete_property,
    ("POST", "/events/v3/send"): send,
    ("POST", "/events/v3/send/batch"): send_batch,
    ("GET", "/events/v3/events"): _list_events("/events/v3/events"),
    ("GET", "/events/v3/events/"): _list_events("/events/v3/events/"),
    ("GET", "/events/v3/events/event-types"): event_types,
    ("GET", "/events/v3/limits"): limits,
    ("POST", "/crm/v3/objects/{object_type}"): create_object,
    ("GET", "/crm/v3/objects/{object_type}/{object_id}"): get_object,
}


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
def test_other_portal_can_neither_read_nor_change(api: Api, other: Api, world: World,
                                                   method: str, path: str) -> None:
    check = CHECKS.get((method, path))
    assert check is not None, f"no isolation check for {method} {path}: add one to CHECKS"
    check(api, other, world)


def test_every_isolation_check_names_a_real_route() -> None:
    assert set(CHECKS) == {tuple(case.values) for case in API_ROUTES}


def test_utk_and_email_identify_contacts_per_portal(api: Api, other: Api) -> None:
    for portal in (api, other):
        portal.define("visited")
        assert portal.send(eventName=portal.fqn("visited"), utk=UTK).status_code == 204
    assert api.send(eventName=api.fqn("visited"), email=EMAIL, utk=UTK).status_code == 204
    a_ids = {r["objectId"] for r in api.events()["results"]}
    b_ids = {r["objectId"] for r in other.events()["results"]}
    assert len(a_ids) == 1
    assert len(b_ids) == 1
    assert a_ids.isdisjoint(b_ids)
    # B's anonymous visitor was not identified by A's identify.
    (b_id,) = b_ids
    contact = other.get(f"/crm/v3/objects/contacts/{b_id}")
    assert contact.status_code == 200, contact.text
    assert "email" not in contact.json()["properties"]


def test_custom_matching_id_only_matches_own_objects(api: Api, other: Api) -> None:
    domain = {"name": "company_domain", "label": "Company domain", "type": "string"}
    rule = {"primaryObjectRule": {"targetObjectPropertyName": "domain",
                                  "eventPropertyName": "company_domain"}}
    created = api.post("/crm/v3/objects/company", json={"properties": {"domain": "acme.com"}})
    assert created.status_code == 201, created.text
    other.define("deal_signed", domain, primaryObject="COMPANY", customMatchingId=rule)
    response = other.send(eventName=other.fqn("deal_signed"),
                          properties={"company_domain": "acme.com"})
    assert response.status_code == 400, response.text
    assert other.events()["results"] == []


def test_quota_is_counted_per_portal(settings: Settings, portals: list[NewPortal]) -> None:
    with TestClient(create_app(replace(settings, monthly_quota=5))) as client:
        api, other = Api(client, portals[0]), Api(client, portals[1])
        api.define("e")
        other.define("e")
        body = {"inputs": [{"eventName": api.fqn("e"), "email": f"u{i}@example.com"}
                           for i in range(5)]}
        assert api.post("/events/v3/send/batch", json=body).status_code == 204
        full = api.send(eventName=api.fqn("e"), email=EMAIL)
        assert full.status_code == 429, full.text
        assert full.json()["category"] == "RATE_LIMITS"
        response = other.send(eventName=other.fqn("e"), email=EMAIL)
        assert response.status_code == 204, response.text
        assert len(api.events()["results"]) == 5
        assert len(other.events()["results"]) == 1


# -- authentication on every route -------------------------------------------------------------

SAMPLE_PARAMS = {"event_name": "signed_up", "property_name": "plan", "object_type": "contacts",
                 "object_id": "1", "job_id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
                 "contact_id": "1"}


def concrete(path: str) -> str:
    for name, value in SAMPLE_PARAMS.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"add a sample value for the path parameter in {path}"
    return path


BAD_AUTHORIZATION: list[Any] = [
    pytest.param(None, id="missing-header"),
    pytest.param("", id="empty-header"),
    pytest.param("Basic {token}", id="basic-scheme"),
    pytest.param("Token {token}", id="token-scheme"),
    pytest.param("{token}", id="no-scheme"),
    pytest.param("Bearer", id="bearer-without-token"),
    pytest.param("Bearer ffpat-not-a-real-token", id="unknown-token"),
    pytest.param("Bearer {token}x", id="token-with-extra-character"),
]


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION)
@pytest.mark.parametrize(("method", "path"), route_cases(public=False))
def test_every_route_rejects_bad_credentials(api: Api, method: str, path: str,
                                             authorization: str | None) -> None:
    headers = {} if authorization is None else {
        "Authorization": authorization.format(token=api.portal.token)}
    body: dict[str, Any] | None = {} if method in ("POST", "PATCH") else None
    response = api.client.request(method, concrete(path), headers=headers, json=body)
    assert response.status_code == 401, response.text
    payload = response.json()
    assert payload["status"] == "error"
    assert payload["category"] == "INVALID_AUTHENTICATION"
    assert payload["message"]
    uuid.UUID(payload["correlationId"])
    assert response.headers["www-authenticate"].lower().startswith("bearer")


def test_only_the_documented_routes_are_public() -> None:
    assert {case.values[1] for case in route_cases(public=True)} == PUBLIC_PATHS


@pytest.mark.parametrize("path", sorted(PUBLIC_PATHS))
def test_public_routes_need_no_token(api: Api, path: str) -> None:
    response = api.client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")


def test_bearer_scheme_is_case_insensitive(api: Api) -> None:
    response = api.client.get(DEFS, headers={"Authorization": f"bearer {api.portal.token}"})
    assert response.status_code == 200, response.text


def test_each_token_acts_for_its_own_portal(api: Api, other: Api) -> None:
    api.define("only_a")
    assert [d["name"] for d in api.get(DEFS).json()["results"]] == ["only_a"]
    assert other.get(DEFS).json()["results"] == []
