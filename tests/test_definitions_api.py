"""The event definitions API (SPEC sections 2-4): shapes, every naming rule, limits, lifecycle."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from collector.app import create_app
from collector.limits import EVENT_NAME_RE, Limits
from collector.portals import NewPortal
from collector.properties import STANDARD_PROPERTIES
from collector.settings import Settings
from tests.conftest import Api

DEFS = "/events/v3/event-definitions"
STANDARD_NAMES = set(STANDARD_PROPERTIES)

PLAN = {"name": "plan", "label": "Plan", "type": "string"}
TIER = {"name": "tier", "label": "Tier", "type": "enumeration",
        "options": [{"label": "Pro", "value": "pro"}, {"label": "Team", "value": "team"}]}


def error_fields(response: Any, status: int, category: str = "VALIDATION_ERROR") -> list[str]:
    """Assert HubSpot's error shape with ``status``/``category``; return every ``errors[].in``."""
    assert response.status_code == status, response.text[:600]
    body = response.json()
    assert body["status"] == "error"
    assert body["category"] == category
    assert isinstance(body["message"], str)
    assert body["message"]
    uuid.UUID(body["correlationId"])
    for error in body.get("errors", []):
        assert isinstance(error["message"], str)
        assert error["message"]
    return [error["in"] for error in body.get("errors", [])]


def create(api: Api, **body: Any) -> Any:
    return api.post(DEFS, json=body)


def listing(api: Api, **params: Any) -> dict[str, Any]:
    response = api.get(DEFS, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def fetch(api: Api, name: str) -> dict[str, Any]:
    response = api.get(f"{DEFS}/{name}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def property_names(definition: dict[str, Any]) -> list[str]:
    return [p["name"] for p in definition["properties"]]


def custom_property(definition: dict[str, Any], name: str) -> dict[str, Any]:
    properties: list[dict[str, Any]] = definition["properties"]
    (found,) = [p for p in properties if p["name"] == name]
    return found


def parse_time(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text)


# -- create: the full shape -------------------------------------------------------------------


def test_create_returns_the_full_definition(api: Api) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    response = create(api, label="Signed up", name="signed_up", description="Finished sign-up",
                      propertyDefinitions=[PLAN, TIER])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"].isdigit()
    assert body["name"] == "signed_up"
    assert body["fullyQualifiedName"] == f"pe{api.portal_id}_signed_up"
    assert body["label"] == "Signed up"
    assert body["description"] == "Finished sign-up"
    assert body["primaryObject"] == "CONTACT"
    assert body["objectTypeId"] == "0-1"
    assert body["trackingType"] == "MANUAL"
    assert body["archived"] is False
    assert before <= parse_time(body["createdAt"]) <= datetime.now(UTC) + timedelta(seconds=5)
    names = property_names(body)
    assert names[:2] == ["plan", "tier"]
    assert set(names[2:]) == STANDARD_NAMES
    assert len(STANDARD_NAMES) == 32
    assert len(names) == 34


def test_create_describes_custom_and_standard_properties(api: Api) -> None:
    body = api.define("signed_up", PLAN, TIER)
    plan = custom_property(body, "plan")
    assert plan["label"] == "Plan"
    assert plan["type"] == "string"
    assert plan["hubspotDefined"] is False
    assert plan["options"] == []
    tier = custom_property(body, "tier")
    assert tier["type"] == "enumeration"
    assert [(o["label"], o["value"]) for o in tier["options"]] == [("Pro", "pro"), ("Team", "team")]
    page_url = custom_property(body, "hs_page_url")
    assert page_url["hubspotDefined"] is True
    assert page_url["type"] == "string"
    standard = [p for p in body["properties"] if p["name"].startswith("hs_")]
    assert all(p["hubspotDefined"] is True for p in standard)


def test_created_definition_reads_back_identically(api: Api) -> None:
    created = api.define("signed_up", PLAN, TIER, description="d")
    assert fetch(api, "signed_up") == created


def test_without_default_properties_only_custom_ones_are_listed(api: Api) -> None:
    body = api.define("signed_up", PLAN, includeDefaultProperties=False)
    assert property_names(body) == ["plan"]
    assert property_names(fetch(api, "signed_up")) == ["plan"]
    response = api.send(eventName=api.fqn("signed_up"), email="ann@example.com",
                        properties={"hs_page_url": "https://example.com/"})
    assert "properties.hs_page_url" in error_fields(response, 400)


@pytest.mark.parametrize(("primary", "type_id"), [
    pytest.param("CONTACT", "0-1", id="contact"),
    pytest.param("COMPANY", "0-2", id="company"),
    pytest.param("DEAL", "0-3", id="deal"),
    pytest.param("TICKET", "0-5", id="ticket"),
])
def test_object_type_id_follows_the_primary_object(api: Api, primary: str, type_id: str) -> None:
    body = api.define("thing_happened", primaryObject=primary)
    assert body["primaryObject"] == primary
    assert body["objectTypeId"] == type_id


@pytest.mark.parametrize(("label", "name"), [
    pytest.param("Signed Up For Demo", "signed_up_for_demo", id="words"),
    pytest.param("  Viewed   pricing page!  ", "viewed_pricing_page", id="punctuation-and-spaces"),
    # Letters with accents keep their base letter (the seeds' own languages), instead of
    # each becoming "_" ("Møte booket" was m_te_booket).
    pytest.param("Møte booket", "mote_booket", id="norwegian"),
    pytest.param("Anmeldung für Straßenfest", "anmeldung_fur_strassenfest", id="german"),
    pytest.param("Événement spécial Æble", "evenement_special_aeble", id="french-danish"),
])
def test_name_is_derived_from_label_when_omitted(api: Api, label: str, name: str) -> None:
    response = create(api, label=label)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == name
    assert body["fullyQualifiedName"] == f"pe{api.portal_id}_{name}"
    assert fetch(api, name)["label"] == label


@pytest.mark.parametrize("label", [
    pytest.param("2024 Webinar", id="leading-digit"),
    pytest.param("Événement spécial", id="accents"),
    pytest.param("!!!", id="only-punctuation"),
    pytest.param("x" * 100, id="longest-label"),
])
def test_derived_name_is_always_a_valid_event_name(api: Api, label: str) -> None:
    response = create(api, label=label)
    assert response.status_code == 201, response.text
    name = response.json()["name"]
    assert EVENT_NAME_RE.match(name), name
    assert len(name) <= 50
    assert fetch(api, name)["label"] == label


def test_property_name_is_derived_from_label_when_omitted(api: Api) -> None:
    body = api.define("signed_up", {"label": "Plan Tier", "type": "string"},
                      {"label": "Größe", "type": "string"})
    assert custom_property(body, "plan_tier")["label"] == "Plan Tier"
    assert custom_property(body, "grosse")["label"] == "Größe"


@pytest.mark.parametrize("name", [
    pytest.param("a", id="one-letter"),
    pytest.param("signed-up", id="hyphen"),
    pytest.param("a" * 50, id="fifty-characters"),
    pytest.param("v2_signed-up_9", id="digits-underscores-hyphens"),
])
def test_valid_event_names_are_accepted(api: Api, name: str) -> None:
    assert api.define(name)["fullyQualifiedName"] == api.fqn(name)
    assert fetch(api, api.fqn(name))["name"] == name


@pytest.mark.parametrize("primary", ["contact", "contacts", "0-1"])
def test_primary_object_is_accepted_in_hubspot_spellings(api: Api, primary: str) -> None:
    assert api.define("signed_up", primaryObject=primary)["primaryObject"] == "CONTACT"


# -- create: every rule of SPEC section 3 -----------------------------------------------------

LONG = "a" * 51
MISSING: Any = object()  # a field left out of the request body


def drop_missing(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not MISSING}


def prop(**fields: Any) -> dict[str, Any]:
    return drop_missing({"name": "plan", "label": "Plan", "type": "string", **fields})


def enum(*options: Any, **fields: Any) -> dict[str, Any]:
    return prop(type="enumeration", options=list(options), **fields)


def option(value: str, label: str = "Label", **fields: Any) -> dict[str, Any]:
    return {"label": label, "value": value, **fields}


INVALID_CREATES = [
    # event names
    pytest.param({"name": "SignedUp"}, {"name"}, id="name-uppercase"),
    # The built-in page-view event's: its completions would be counted as page views.
    pytest.param({"name": "e_visited_page"}, {"name"}, id="name-of-a-built-in-event"),
    pytest.param({"name": MISSING, "label": "e_visited_page"}, {"name"},
                 id="name-derived-from-label-is-a-built-in-event"),
    pytest.param({"name": "signed_Up"}, {"name"}, id="name-one-uppercase-letter"),
    pytest.param({"name": "1signup"}, {"name"}, id="name-leading-digit"),
    pytest.param({"name": "_signup"}, {"name"}, id="name-leading-underscore"),
    pytest.param({"name": "-signup"}, {"name"}, id="name-leading-hyphen"),
    pytest.param({"name": LONG}, {"name"}, id="name-too-long-51"),
    pytest.param({"name": "signed up"}, {"name"}, id="name-space"),
    pytest.param({"name": "signed.up"}, {"name"}, id="name-dot"),
    pytest.param({"name": "café"}, {"name"}, id="name-non-ascii"),
    pytest.param({"name": ""}, {"name"}, id="name-empty"),
    pytest.param({"name": 7}, {"name"}, id="name-wrong-type"),
    # event labels
    pytest.param({"label": MISSING}, {"label"}, id="label-missing"),
    pytest.param({"label": ""}, {"label"}, id="label-empty"),
    pytest.param({"label": "   "}, {"label"}, id="label-blank"),
    pytest.param({"label": "x" * 101}, {"label"}, id="label-too-long-101"),
    pytest.param({"label": 5}, {"label"}, id="label-wrong-type"),
    pytest.param({"description": 5}, {"description"}, id="description-wrong-type"),
    pytest.param({"description": "x" * 1001}, {"description"}, id="description-too-long"),
    pytest.param({"primaryObject": "LEAD"}, {"primaryObject"}, id="primary-object-unknown"),
    pytest.param({"primaryObject": 1}, {"primaryObject"}, id="primary-object-wrong-type"),
    pytest.param({"includeDefaultProperties": "no"}, {"includeDefaultProperties"},
                 id="include-default-properties-wrong-type"),
    pytest.param({"colour": "red"}, {"colour"}, id="unknown-field"),
    pytest.param({"trackingType": "CLICKED_ELEMENT"}, {"trackingType"},
                 id="tracking-type-not-settable"),
    pytest.param({"propertyDefinitions": {}}, {"propertyDefinitions"},
                 id="property-definitions-wrong-type"),
    pytest.param({"propertyDefinitions": ["plan"]}, {"propertyDefinitions[0]"},
                 id="property-not-an-object"),
    # property names
    pytest.param({"propertyDefinitions": [prop(name="plan-tier")]},
                 {"propertyDefinitions[0].name"}, id="property-name-hyphen"),
    pytest.param({"propertyDefinitions": [prop(name="Plan")]},
                 {"propertyDefinitions[0].name"}, id="property-name-uppercase"),
    pytest.param({"propertyDefinitions": [prop(name="9lives")]},
                 {"propertyDefinitions[0].name"}, id="property-name-leading-digit"),
    pytest.param({"propertyDefinitions": [prop(name=LONG)]},
                 {"propertyDefinitions[0].name"}, id="property-name-too-long-51"),
    pytest.param({"propertyDefinitions": [prop(name="hs_plan")]},
                 {"propertyDefinitions[0].name"}, id="property-name-reserved-hs-prefix"),
    pytest.param({"propertyDefinitions": [prop(name="hs_page_url")]},
                 {"propertyDefinitions[0].name"}, id="property-name-standard-property"),
    pytest.param({"propertyDefinitions": [prop(name="")]},
                 {"propertyDefinitions[0].name"}, id="property-name-empty"),
    pytest.param({"propertyDefinitions": [prop(name=3)]},
                 {"propertyDefinitions[0].name"}, id="property-name-wrong-type"),
    pytest.param({"propertyDefinitions": [prop(), prop(label="Other plan")]},
                 {"propertyDefinitions[1].name"}, id="property-name-duplicate"),
    pytest.param({"propertyDefinitions": [prop(name="plan_tier"),
                                          {"label": "Plan tier", "type": "string"}]},
                 {"propertyDefinitions[1].name"}, id="property-name-duplicate-derived"),
    # property labels and types
    pytest.param({"propertyDefinitions": [prop(label=MISSING)]},
                 {"propertyDefinitions[0].label"}, id="property-label-missing"),
    pytest.param({"propertyDefinitions": [prop(label="x" * 51)]},
                 {"propertyDefinitions[0].label"}, id="property-label-too-long-51"),
    pytest.param({"propertyDefinitions": [prop(type=MISSING)]},
                 {"propertyDefinitions[0].type"}, id="property-type-missing"),
    pytest.param({"propertyDefinitions": [prop(type="text")]},
                 {"propertyDefinitions[0].type"}, id="property-type-unknown"),
    pytest.param({"propertyDefinitions": [prop(type="STRING")]},
                 {"propertyDefinitions[0].type"}, id="property-type-uppercase"),
    pytest.param({"propertyDefinitions": [prop(required=True)]},
                 {"propertyDefinitions[0].required"}, id="property-unknown-field"),
    pytest.param({"propertyDefinitions": [prop(description=["x"])]},
                 {"propertyDefinitions[0].description"}, id="property-description-wrong-type"),
    # options
    pytest.param({"propertyDefinitions": [prop(type="enumeration")]},
                 {"propertyDefinitions[0].options"}, id="enumeration-without-options"),
    pytest.param({"propertyDefinitions": [enum()]},
                 {"propertyDefinitions[0].options"}, id="enumeration-empty-options"),
    pytest.param({"propertyDefinitions": [prop(type="enumeration", options="pro;team")]},
                 {"propertyDefinitions[0].options"}, id="options-wrong-type"),
    pytest.param({"propertyDefinitions": [prop(options=[option("pro")])]},
                 {"propertyDefinitions[0].options"}, id="options-on-string"),
    pytest.param({"propertyDefinitions": [prop(type="number", options=[option("1")])]},
                 {"propertyDefinitions[0].options"}, id="options-on-number"),
    pytest.param({"propertyDefinitions": [enum(option("pro", "Pro"), option("pro", "Also pro"))]},
                 {"propertyDefinitions[0].options[1].value"}, id="option-value-duplicate"),
    pytest.param({"propertyDefinitions": [enum(option("pro;team"))]},
                 {"propertyDefinitions[0].options[0].value"}, id="option-value-semicolon"),
    pytest.param({"propertyDefinitions": [enum({"label": "Pro"})]},
                 {"propertyDefinitions[0].options[0].value"}, id="option-value-missing"),
    pytest.param({"propertyDefinitions": [enum({"value": "pro"})]},
                 {"propertyDefinitions[0].options[0].label"}, id="option-label-missing"),
    pytest.param({"propertyDefinitions": [enum(option(""))]},
                 {"propertyDefinitions[0].options[0].value"}, id="option-value-empty"),
    pytest.param({"propertyDefinitions": [enum({"label": "Five", "value": 5})]},
                 {"propertyDefinitions[0].options[0].value"}, id="option-value-wrong-type"),
    pytest.param({"propertyDefinitions": [enum("pro")]},
                 {"propertyDefinitions[0].options[0]"}, id="option-not-an-object"),
    pytest.param({"propertyDefinitions": [enum(option("pro", colour="red"))]},
                 {"propertyDefinitions[0].options[0].colour"}, id="option-unknown-field"),
    pytest.param({"propertyDefinitions": [enum(option("pro", displayOrder="1"))]},
                 {"propertyDefinitions[0].options[0].displayOrder"},
                 id="option-display-order-wrong-type"),
    # an option's description and hidden were stored unchecked: a JSON object became its
    # Python repr, any length went in, and "hidden": "yes" was silently false
    pytest.param({"propertyDefinitions": [enum(option("pro", description={"x": [1]}))]},
                 {"propertyDefinitions[0].options[0].description"},
                 id="option-description-wrong-type"),
    pytest.param({"propertyDefinitions": [enum(option("pro", description="x" * 1001))]},
                 {"propertyDefinitions[0].options[0].description"},
                 id="option-description-too-long"),
    pytest.param({"propertyDefinitions": [enum(option("pro", hidden="yes"))]},
                 {"propertyDefinitions[0].options[0].hidden"}, id="option-hidden-wrong-type"),
]


@pytest.mark.parametrize(("changes", "fields"), INVALID_CREATES)
def test_invalid_create_names_every_offending_field(api: Api, changes: dict[str, Any],
                                                     fields: set[str]) -> None:
    body = drop_missing({"label": "Signed up", "name": "signed_up", **changes})
    assert set(error_fields(create(api, **body), 400)) == fields
    assert listing(api)["total"] == 0
    assert listing(api, archived="true")["total"] == 0


def test_body_must_be_a_json_object(api: Api) -> None:
    assert error_fields(api.post(DEFS, json=["signed_up"]), 400) == ["body"]


def test_create_needs_a_json_content_type(api: Api) -> None:
    response = api.post(DEFS, content=b'{"label": "Signed up"}',
                        headers={"Content-Type": "text/plain"})
    assert response.status_code == 415, response.text
    assert listing(api)["total"] == 0


def test_every_violation_is_reported_at_once(api: Api) -> None:
    response = create(api, name="Bad Name", label="x" * 101, colour="red", propertyDefinitions=[
        {"name": "hs_secret", "label": "Secret", "type": "text"},
        {"name": "tier", "label": "Tier", "type": "enumeration"},
        {"name": "ok", "label": "Fine", "type": "string", "options": [option("a")]},
    ])
    fields = set(error_fields(response, 400))
    assert fields == {"name", "label", "colour", "propertyDefinitions[0].name",
                      "propertyDefinitions[0].type", "propertyDefinitions[1].options",
                      "propertyDefinitions[2].options"}
    assert listing(api)["total"] == 0


def test_too_many_properties_on_create_is_rejected(api: Api) -> None:
    props = [{"name": f"p{i}", "label": f"P {i}", "type": "string"} for i in range(501)]
    assert error_fields(create(api, label="Big", propertyDefinitions=props), 400) == [
        "propertyDefinitions"]


def test_longest_valid_labels_are_accepted(api: Api) -> None:
    body = api.define("signed_up", prop(label="p" * 50), label="e" * 100)
    assert body["label"] == "e" * 100
    assert custom_property(body, "plan")["label"] == "p" * 50


def test_options_keep_display_order_hidden_and_description(api: Api) -> None:
    body = api.define("signed_up", enum(option("team", "Team", displayOrder=2, hidden=True),
                                        option("pro", "Pro", displayOrder=1, description="Paid")))
    options = custom_property(body, "plan")["options"]
    assert options == [
        {"label": "Pro", "value": "pro", "displayOrder": 1, "description": "Paid", "hidden": False},
        {"label": "Team", "value": "team", "displayOrder": 2, "description": "", "hidden": True},
    ]


# -- duplicates and the definitions limit ------------------------------------------------------


def test_duplicate_name_is_a_conflict(api: Api) -> None:
    first = api.define("signed_up")
    response = create(api, name="signed_up", label="Another")
    assert error_fields(response, 409, "CONFLICT") == ["name"]
    assert listing(api)["total"] == 1
    assert fetch(api, "signed_up") == first


def test_duplicate_derived_name_is_a_conflict(api: Api) -> None:
    assert create(api, label="Signed up").status_code == 201
    response = create(api, label="Signed Up")
    assert error_fields(response, 409, "CONFLICT") == ["name"]
    # The caller sent no name: the answer says which one was derived, and what holds it.
    assert response.json()["errors"][0]["message"] == (
        "name: 'signed_up' is already taken by another event; choose another name")


def test_name_of_an_archived_definition_stays_taken(api: Api) -> None:
    api.define("signed_up")
    assert api.delete(f"{DEFS}/signed_up").status_code == 204
    response = create(api, name="signed_up", label="Again")
    assert error_fields(response, 409, "CONFLICT") == ["name"]
    assert "taken by an archived event (names are never reused)" in response.text
    assert fetch(api, "signed_up")["archived"] is True


@pytest.fixture
def limited(settings: Settings, portals: list[NewPortal]) -> Iterator[tuple[Api, Api]]:
    """Both portals on a deployment that allows 3 event definitions per portal."""
    small = replace(settings, limits=replace(settings.limits, definitions_per_portal=3))
    with TestClient(create_app(small)) as client:
        yield Api(client, portals[0]), Api(client, portals[1])


def test_default_limit_is_500_definitions_and_published(api: Api) -> None:
    assert Limits().definitions_per_portal == 500
    response = api.get("/events/v3/limits")
    assert response.status_code == 200
    assert response.json()["definitions_per_portal"] == 500


def test_definitions_limit_rejects_one_more(limited: tuple[Api, Api]) -> None:
    api, other = limited
    for name in ("e1", "e2", "e3"):
        api.define(name)
    response = create(api, name="e4", label="E4")
    assert error_fields(response, 400) == ["name"]
    assert "3" in response.json()["message"]
    assert listing(api)["total"] == 3
    assert api.get(f"{DEFS}/e4").status_code == 404
    # The count is per portal.
    for name in ("e1", "e2", "e3"):
        other.define(name)


# -- list, paging and search ------------------------------------------------------------------


def test_list_pages_through_every_definition(api: Api) -> None:
    names = [f"event_{i}" for i in range(5)]
    for name in names:
        api.define(name)
    first = listing(api, limit=2)
    assert first["total"] == 5
    assert [d["name"] for d in first["results"]] == names[:2]
    after = first["paging"]["next"]["after"]
    link = first["paging"]["next"]["link"]
    second = listing(api, limit=2, after=after)
    assert [d["name"] for d in second["results"]] == names[2:4]
    followed = api.client.get(link, headers=api.headers)
    assert followed.status_code == 200, followed.text
    assert followed.json()["results"] == second["results"]
    third = listing(api, limit=2, after=second["paging"]["next"]["after"])
    assert [d["name"] for d in third["results"]] == names[4:]
    assert "paging" not in third


def test_list_newest_first_with_hubspots_sort_order(api: Api) -> None:
    names = [f"event_{i}" for i in range(5)]
    for name in names:
        api.define(name)
    first = listing(api, limit=2, sortOrder="DESC", includeProperties="true")
    assert [d["name"] for d in first["results"]] == names[:-3:-1]
    assert all(d["properties"] for d in first["results"])
    second = listing(api, limit=2, sortOrder="desc", after=first["paging"]["next"]["after"])
    assert [d["name"] for d in second["results"]] == names[2:0:-1]
    third = listing(api, limit=2, sortOrder="DESC", after=second["paging"]["next"]["after"])
    assert [d["name"] for d in third["results"]] == names[:1]
    assert "paging" not in third
    assert [d["name"] for d in listing(api, sortOrder="ASC")["results"]] == names


def test_nulls_for_optional_fields_mean_not_given(api: Api) -> None:
    """HubSpot's generated clients send every optional field they model, unset ones null."""
    created = api.post(DEFS, json={
        "label": "Nulls", "name": "nulls", "description": None, "primaryObject": None,
        "includeDefaultProperties": None, "customMatchingId": None,
        "propertyDefinitions": [{"name": "plan", "label": "Plan", "type": "string",
                                 "description": None, "options": None}]})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["primaryObject"], body["description"]) == ("CONTACT", "")
    patched = api.patch(f"{DEFS}/{api.fqn('nulls')}", json={"label": None, "description": "d"})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["label"], patched.json()["description"]) == ("Nulls", "d")
    assert error_fields(api.post(DEFS, json={"label": None, "name": "no_label"}), 400) == ["label"]


def test_list_without_paging_when_everything_fits(api: Api) -> None:
    api.define("a_event")
    api.define("b_event")
    body = listing(api, limit=2)
    assert [d["name"] for d in body["results"]] == ["a_event", "b_event"]
    assert "paging" not in body
    assert listing(api)["results"] == body["results"]


def test_listed_definitions_have_the_full_shape(api: Api) -> None:
    created = api.define("signed_up", PLAN)
    assert listing(api)["results"] == [created]


def test_empty_list(api: Api) -> None:
    assert listing(api) == {"total": 0, "results": []}


@pytest.mark.parametrize(("params", "field"), [
    pytest.param({"limit": "0"}, "query.limit", id="limit-zero"),
    pytest.param({"limit": "-1"}, "query.limit", id="limit-negative"),
    pytest.param({"limit": "501"}, "query.limit", id="limit-too-large"),
    pytest.param({"limit": "ten"}, "query.limit", id="limit-not-a-number"),
    pytest.param({"after": "-5"}, "query.after", id="after-negative"),
    pytest.param({"after": "abc"}, "query.after", id="after-not-a-number"),
    pytest.param({"colour": "red"}, "query.colour", id="unknown-parameter"),
    pytest.param({"archived": "maybe"}, "query.archived", id="archived-not-a-boolean"),
    pytest.param({"sortOrder": "UP"}, "query.sortOrder", id="sort-order-unknown"),
    pytest.param({"includeProperties": "yes"}, "query.includeProperties",
                 id="include-properties-not-a-boolean"),
])
def test_bad_list_parameters_are_rejected(api: Api, params: dict[str, str], field: str) -> None:
    assert error_fields(api.get(DEFS, params=params), 400) == [field]


def test_search_string_matches_name_and_label_case_insensitively(api: Api) -> None:
    api.define("signed_up", label="Signed up")
    api.define("plan_upgraded", label="Upgraded the plan")
    api.define("demo_booked", label="Booked a DEMO")
    assert [d["name"] for d in listing(api, searchString="SIGNED")["results"]] == ["signed_up"]
    assert [d["name"] for d in listing(api, searchString="demo")["results"]] == ["demo_booked"]
    assert [d["name"] for d in listing(api, searchString="the plan")["results"]] == [
        "plan_upgraded"]
    body = listing(api, searchString="nothing-like-this")
    assert body == {"total": 0, "results": []}


def test_search_and_paging_combine(api: Api) -> None:
    for i in range(3):
        api.define(f"match_{i}")
        api.define(f"other_{i}")
    first = listing(api, searchString="match", limit=2)
    assert first["total"] == 3
    assert [d["name"] for d in first["results"]] == ["match_0", "match_1"]
    rest = listing(api, searchString="match", limit=2, after=first["paging"]["next"]["after"])
    assert [d["name"] for d in rest["results"]] == ["match_2"]


def test_archived_true_lists_only_archived_definitions(api: Api) -> None:
    api.define("kept")
    api.define("gone")
    assert api.delete(f"{DEFS}/gone").status_code == 204
    assert [d["name"] for d in listing(api)["results"]] == ["kept"]
    archived = listing(api, archived="true")
    assert [d["name"] for d in archived["results"]] == ["gone"]
    assert archived["results"][0]["archived"] is True
    assert [d["name"] for d in listing(api, archived="false")["results"]] == ["kept"]


# -- read -------------------------------------------------------------------------------------


def test_get_by_internal_name_and_by_fully_qualified_name(api: Api) -> None:
    created = api.define("signed-up", PLAN)
    assert fetch(api, "signed-up") == created
    assert fetch(api, api.fqn("signed-up")) == created


@pytest.mark.parametrize("name", ["nope", "pe999999_nope", "SIGNED_UP"])
def test_get_unknown_definition_is_404(api: Api, name: str) -> None:
    api.define("signed_up")
    assert error_fields(api.get(f"{DEFS}/{name}"), 404, "OBJECT_NOT_FOUND") == ["eventName"]


@pytest.mark.parametrize("body", [{"name": "pe2_signup", "label": "Signup"},
                                  {"label": "PE2 signup"}], ids=["given", "derived-from-label"])
def test_names_that_look_like_a_fully_qualified_name_are_refused(api: Api,
                                                                 body: dict[str, str]) -> None:
    """``pe2_signup`` would be ambiguous with portal 2's fullyQualifiedName prefix."""
    response = api.post(DEFS, json=body)
    assert response.status_code == 400, response.text
    assert [e["in"] for e in response.json()["errors"]] == ["name"]
    assert api.get(DEFS).json()["results"] == []


# -- update -----------------------------------------------------------------------------------


def test_patch_changes_label_and_description(api: Api) -> None:
    created = api.define("signed_up", PLAN, description="old")
    response = api.patch(f"{DEFS}/signed_up", json={"label": "Registered", "description": "new"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["label"] == "Registered"
    assert body["description"] == "new"
    assert body["name"] == "signed_up"
    assert body["fullyQualifiedName"] == created["fullyQualifiedName"]
    assert body["id"] == created["id"]
    assert body["createdAt"] == created["createdAt"]
    assert parse_time(body["updatedAt"]) >= parse_time(created["updatedAt"])
    assert body["properties"] == created["properties"]
    assert fetch(api, "signed_up") == body


def test_patch_by_fully_qualified_name_and_only_description(api: Api) -> None:
    api.define("signed_up", label="Signed up", description="old")
    response = api.patch(f"{DEFS}/{api.fqn('signed_up')}", json={"description": ""})
    assert response.status_code == 200, response.text
    assert response.json()["label"] == "Signed up"
    assert fetch(api, "signed_up")["description"] == ""


@pytest.mark.parametrize(("body", "fields"), [
    pytest.param({"name": "renamed"}, {"name"}, id="name-is-fixed"),
    pytest.param({"primaryObject": "DEAL"}, {"primaryObject"}, id="primary-object-is-fixed"),
    pytest.param({"label": ""}, {"label"}, id="label-empty"),
    pytest.param({"label": "x" * 101}, {"label"}, id="label-too-long"),
    pytest.param({"label": 3}, {"label"}, id="label-wrong-type"),
    pytest.param({"description": False}, {"description"}, id="description-wrong-type"),
    pytest.param({"label": "", "colour": "red"}, {"label", "colour"}, id="all-at-once"),
])
def test_invalid_patch_changes_nothing(api: Api, body: dict[str, Any], fields: set[str]) -> None:
    created = api.define("signed_up")
    assert set(error_fields(api.patch(f"{DEFS}/signed_up", json=body), 400)) == fields
    assert fetch(api, "signed_up") == created


def test_patch_unknown_definition_is_404(api: Api) -> None:
    response = api.patch(f"{DEFS}/nope", json={"label": "X"})
    assert error_fields(response, 404, "OBJECT_NOT_FOUND") == ["eventName"]


# -- archive ----------------------------------------------------------------------------------


def test_delete_archives_and_send_is_rejected(api: Api) -> None:
    api.define("signed_up", PLAN)
    assert api.send(eventName=api.fqn("signed_up"), email="ann@example.com").status_code == 204
    response = api.delete(f"{DEFS}/{api.fqn('signed_up')}")
    assert response.status_code == 204, response.text
    assert response.content == b""
    body = fetch(api, "signed_up")
    assert body["archived"] is True
    assert body["archivedAt"] is not None
    rejected = api.send(eventName=api.fqn("signed_up"), email="ann@example.com")
    assert error_fields(rejected, 400) == ["eventName"]
    assert rejected.json()["errors"][0]["code"] == "ARCHIVED_EVENT"
    batch = api.post("/events/v3/send/batch", json={"inputs": [
        {"eventName": api.fqn("signed_up"), "email": "ann@example.com"}]})
    assert error_fields(batch, 400) == ["inputs[0].eventName"]
    assert len(api.events()["results"]) == 1


def test_delete_unknown_definition_is_404(api: Api) -> None:
    assert error_fields(api.delete(f"{DEFS}/nope"), 404, "OBJECT_NOT_FOUND") == ["eventName"]


# -- properties -------------------------------------------------------------------------------


def test_add_property(api: Api) -> None:
    api.define("signed_up", PLAN)
    response = api.post(f"{DEFS}/signed_up/property", json=TIER)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "tier"
    assert body["type"] == "enumeration"
    assert body["hubspotDefined"] is False
    assert [o["value"] for o in body["options"]] == ["pro", "team"]
    assert custom_property(fetch(api, "signed_up"), "tier") == body
    sent = api.send(eventName=api.fqn("signed_up"), email="ann@example.com",
                    properties={"tier": "team"})
    assert sent.status_code == 204, sent.text


def test_add_property_by_fully_qualified_name_with_derived_name(api: Api) -> None:
    api.define("signed_up")
    response = api.post(f"{DEFS}/{api.fqn('signed_up')}/property",
                        json={"label": "Referral Code", "type": "string"})
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "referral_code"


@pytest.mark.parametrize(("body", "fields"), [
    pytest.param(prop(name="hs_plan"), {"name"}, id="reserved-hs-prefix"),
    pytest.param(prop(name="Plan"), {"name"}, id="uppercase-name"),
    pytest.param(prop(name="plan-tier"), {"name"}, id="hyphen-in-name"),
    pytest.param(prop(type="text"), {"type"}, id="unknown-type"),
    pytest.param(prop(type="enumeration"), {"options"}, id="enumeration-without-options"),
    pytest.param(prop(label="x" * 51), {"label"}, id="label-too-long"),
    pytest.param(prop(colour="red"), {"colour"}, id="unknown-field"),
    pytest.param(prop(name="Bad!", type="text"), {"name", "type"}, id="all-at-once"),
])
def test_invalid_property_is_rejected(api: Api, body: dict[str, Any], fields: set[str]) -> None:
    created = api.define("signed_up")
    response = api.post(f"{DEFS}/signed_up/property", json=body)
    assert set(error_fields(response, 400)) == fields
    assert fetch(api, "signed_up") == created


def test_add_property_with_taken_name_is_a_conflict(api: Api) -> None:
    api.define("signed_up", PLAN)
    response = api.post(f"{DEFS}/signed_up/property", json=prop(label="Again", type="number"))
    assert error_fields(response, 409, "CONFLICT") == ["name"]
    assert custom_property(fetch(api, "signed_up"), "plan")["type"] == "string"


def test_add_property_to_unknown_definition_is_404(api: Api) -> None:
    response = api.post(f"{DEFS}/nope/property", json=PLAN)
    assert error_fields(response, 404, "OBJECT_NOT_FOUND") == ["eventName"]


def test_add_property_beyond_the_limit_names_the_problem(settings: Settings,
                                                         portals: list[NewPortal]) -> None:
    small = replace(settings, limits=replace(settings.limits, properties_per_definition=1))
    with TestClient(create_app(small)) as client:
        api = Api(client, portals[0])
        api.define("signed_up", PLAN)
        response = api.post(f"{DEFS}/signed_up/property", json=TIER)
        assert error_fields(response, 400) != [], "errors[] must say what is over the limit"
        assert [p["name"] for p in fetch(api, "signed_up")["properties"]
                if not p["hubspotDefined"]] == ["plan"]


def test_patch_property_label_description_and_options(api: Api) -> None:
    api.define("signed_up", TIER)
    response = api.patch(f"{DEFS}/signed_up/property/tier", json={
        "label": "Plan tier", "description": "Which plan",
        "options": [option("pro", "Pro"), option("enterprise", "Enterprise")]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["label"], body["description"], body["type"]) == (
        "tier", "Plan tier", "Which plan", "enumeration")
    assert [o["value"] for o in body["options"]] == ["pro", "enterprise"]
    assert custom_property(fetch(api, "signed_up"), "tier") == body
    ok = api.send(eventName=api.fqn("signed_up"), email="a@example.com",
                  properties={"tier": "enterprise"})
    assert ok.status_code == 204, ok.text
    removed = api.send(eventName=api.fqn("signed_up"), email="a@example.com",
                       properties={"tier": "team"})
    assert error_fields(removed, 400) == ["properties.tier"]


@pytest.mark.parametrize(("body", "fields"), [
    pytest.param({"name": "renamed"}, {"name"}, id="name-is-fixed"),
    pytest.param({"type": "number"}, {"type"}, id="type-is-fixed"),
    pytest.param({"label": "x" * 51}, {"label"}, id="label-too-long"),
    pytest.param({"label": ""}, {"label"}, id="label-empty"),
    pytest.param({"options": []}, {"options"}, id="enumeration-options-emptied"),
    pytest.param({"options": [option("a"), option("a")]}, {"options[1].value"},
                 id="duplicate-option-values"),
    pytest.param({"options": [option("a", description=7, hidden=1)]},
                 {"options[0].description", "options[0].hidden"},
                 id="option-description-and-hidden-wrong-type"),
])
def test_invalid_property_patch_changes_nothing(api: Api, body: dict[str, Any],
                                                fields: set[str]) -> None:
    created = api.define("signed_up", TIER)
    response = api.patch(f"{DEFS}/signed_up/property/tier", json=body)
    assert set(error_fields(response, 400)) == fields
    assert fetch(api, "signed_up") == created


def test_options_cannot_be_added_to_a_string_property(api: Api) -> None:
    api.define("signed_up", PLAN)
    response = api.patch(f"{DEFS}/signed_up/property/plan", json={"options": [option("a")]})
    assert error_fields(response, 400) == ["options"]


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_unknown_property_is_404(api: Api, method: str) -> None:
    api.define("signed_up", PLAN)
    response = api.client.request(method, f"{DEFS}/signed_up/property/nope", headers=api.headers,
                                  json={"label": "X"} if method == "PATCH" else None)
    assert error_fields(response, 404, "OBJECT_NOT_FOUND") == ["propertyName"]


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_property_of_unknown_definition_is_404(api: Api, method: str) -> None:
    response = api.client.request(method, f"{DEFS}/nope/property/plan", headers=api.headers,
                                  json={"label": "X"} if method == "PATCH" else None)
    assert error_fields(response, 404, "OBJECT_NOT_FOUND") == ["eventName"]


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_standard_property_is_read_only(api: Api, method: str) -> None:
    created = api.define("signed_up")
    response = api.client.request(method, f"{DEFS}/signed_up/property/hs_page_url",
                                  headers=api.headers,
                                  json={"label": "X"} if method == "PATCH" else None)
    assert error_fields(response, 400) == ["propertyName"]
    assert response.json()["errors"][0]["code"] == "READ_ONLY"
    assert fetch(api, "signed_up") == created


def test_delete_property(api: Api) -> None:
    api.define("signed_up", PLAN, TIER)
    response = api.delete(f"{DEFS}/{api.fqn('signed_up')}/property/plan")
    assert response.status_code == 204, response.text
    definition = fetch(api, "signed_up")
    assert "plan" not in property_names(definition)
    assert "tier" in property_names(definition)
    sent = api.send(eventName=api.fqn("signed_up"), email="a@example.com",
                    properties={"plan": "pro"})
    assert error_fields(sent, 400) == ["properties.plan"]
    assert error_fields(api.delete(f"{DEFS}/signed_up/property/plan"), 404,
                        "OBJECT_NOT_FOUND") == ["propertyName"]


def test_deleted_property_can_be_added_again(api: Api) -> None:
    api.define("signed_up", PLAN)
    assert api.delete(f"{DEFS}/signed_up/property/plan").status_code == 204
    response = api.post(f"{DEFS}/signed_up/property", json=prop(type="number"))
    assert response.status_code == 201, response.text
    assert custom_property(fetch(api, "signed_up"), "plan")["type"] == "number"


# -- customMatchingId -------------------------------------------------------------------------

DOMAIN = {"name": "company_domain", "label": "Company domain", "type": "string"}
RULE = {"primaryObjectRule": {"targetObjectPropertyName": "domain",
                              "eventPropertyName": "company_domain"}}


def test_custom_matching_id_is_stored_and_resolves_the_object(api: Api) -> None:
    body = api.define("deal_signed", DOMAIN, primaryObject="COMPANY", customMatchingId=RULE)
    assert body["customMatchingId"] == RULE
    assert fetch(api, "deal_signed")["customMatchingId"] == RULE
    company = api.post("/crm/v3/objects/company", json={"properties": {"domain": "acme.com"}})
    assert company.status_code == 201, company.text
    sent = api.send(eventName=api.fqn("deal_signed"), properties={"company_domain": "acme.com"})
    assert sent.status_code == 204, sent.text
    (result,) = api.events(objectType="company")["results"]
    assert result["objectId"] == company.json()["id"]


@pytest.mark.parametrize(("plural", "primary"), [
    pytest.param("contacts", "CONTACT", id="contacts"),
    pytest.param("companies", "COMPANY", id="companies"),
    pytest.param("deals", "DEAL", id="deals"),
    pytest.param("tickets", "TICKET", id="tickets"),
])
def test_objects_the_definition_attaches_to_use_hubspots_plural_names(
        api: Api, plural: str, primary: str) -> None:
    """HubSpot's own paths are ``/crm/v3/objects/companies`` etc.; SPEC 4 accepts them too."""
    api.define("thing_happened", primaryObject=primary)
    created = api.post(f"/crm/v3/objects/{plural}", json={"properties": {"name": "x"}})
    assert created.status_code == 201, created.text
    object_id = created.json()["id"]
    assert api.get(f"/crm/v3/objects/{plural}/{object_id}").status_code == 200
    sent = api.send(eventName=api.fqn("thing_happened"), objectId=object_id)
    assert sent.status_code == 204, sent.text
    (result,) = api.events(objectType=plural, objectId=object_id)["results"]
    assert result["objectType"] == primary


def test_custom_matching_id_without_a_match_names_the_event_property(api: Api) -> None:
    api.define("deal_signed", DOMAIN, primaryObject="COMPANY", customMatchingId=RULE)
    sent = api.send(eventName=api.fqn("deal_signed"), properties={"company_domain": "nobody.com"})
    assert error_fields(sent, 400) == ["properties.company_domain"]
    assert api.events()["results"] == []


def test_definitions_without_custom_matching_id_say_null(api: Api) -> None:
    assert api.define("signed_up")["customMatchingId"] is None


_RULE_PATH = "customMatchingId.primaryObjectRule"


@pytest.mark.parametrize(("rule", "fields"), [
    pytest.param("domain", {"customMatchingId"}, id="not-an-object"),
    pytest.param({}, {"customMatchingId"}, id="empty-object"),
    pytest.param({"primaryObjectRule": {"targetObjectPropertyName": "domain"}},
                 {"customMatchingId"}, id="event-property-missing"),
    pytest.param({"primaryObjectRule": {"targetObjectPropertyName": 1,
                                        "eventPropertyName": "company_domain"}},
                 {"customMatchingId"}, id="target-wrong-type"),
    pytest.param({"primaryObjectRule": {"targetObjectPropertyName": "domain",
                                        "eventPropertyName": "nope"}},
                 {f"{_RULE_PATH}.eventPropertyName"}, id="event-property-not-defined"),
    pytest.param({"primaryObjectRule": {"targetObjectPropertyName": "Domain Name!",
                                        "eventPropertyName": "company_domain"}},
                 {f"{_RULE_PATH}.targetObjectPropertyName"}, id="target-invalid-name"),
    pytest.param({"primaryObjectRule": {**RULE["primaryObjectRule"], "colour": "red"}},
                 {f"{_RULE_PATH}.colour"}, id="unknown-field-in-rule"),
])
def test_invalid_custom_matching_id_is_rejected(api: Api, rule: Any, fields: set[str]) -> None:
    response = create(api, label="Deal signed", primaryObject="COMPANY",
                      propertyDefinitions=[DOMAIN], customMatchingId=rule)
    assert set(error_fields(response, 400)) == fields
    assert listing(api)["total"] == 0


def test_matching_property_cannot_be_deleted(api: Api) -> None:
    created = api.define("deal_signed", DOMAIN, primaryObject="COMPANY", customMatchingId=RULE)
    response = api.delete(f"{DEFS}/deal_signed/property/company_domain")
    assert error_fields(response, 400) == ["propertyName"]
    assert fetch(api, "deal_signed") == created
