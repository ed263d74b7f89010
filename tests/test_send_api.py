"""``POST /events/v3/send`` and ``/events/v3/send/batch``: identity, time, types, idempotency,
batches and the monthly quota — always checked by reading the completions back."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from collector.app import create_app
from collector.portals import NewPortal
from collector.settings import Settings
from tests.conftest import Api, count_rows

PROPS: list[dict[str, Any]] = [
    {"name": "plan", "label": "Plan", "type": "string"},
    {"name": "amount", "label": "Amount", "type": "number"},
    {"name": "paid", "label": "Paid", "type": "bool"},
    {"name": "renews_at", "label": "Renews at", "type": "datetime"},
    {"name": "start_day", "label": "Start day", "type": "date"},
    {"name": "color", "label": "Color", "type": "enumeration",
     "options": [{"label": "Red", "value": "red"}, {"label": "Blue", "value": "blue"},
                 {"label": "Green", "value": "green"}]},
]


# HubSpot's own path is /crm/v3/objects/companies, but that is refused (see
# test_retrieval_api's objectType tests); the singular keeps these tests on their subject.
COMPANIES = "company"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def iso(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def stored(database: str, table: str = "completions") -> int:
    """Rows in ``table``, read straight from the database file (independent of the API)."""
    return count_rows(database, table)


def create_object(api: Api, object_type: str, **properties: str) -> str:
    response = api.post(f"/crm/v3/objects/{object_type}", json={"properties": properties})
    assert response.status_code == 201, response.text
    object_id: str = response.json()["id"]
    return object_id


def contact_by_email(api: Api, email: str) -> Any:
    return api.get(f"/crm/v3/objects/contacts/{email}", params={"idProperty": "email"})


def results(api: Api, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.events(limit=1000, **params)["results"]
    return found


def assert_error(response: Any, status: int, *where: str) -> dict[str, Any]:
    """HubSpot's error shape with exactly the offending fields ``where``."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "error"
    assert isinstance(body["message"], str)
    assert body["message"]
    uuid.UUID(body["correlationId"])
    assert sorted(e["in"] for e in body.get("errors", [])) == sorted(where), body
    return body


@pytest.fixture
def event(api: Api) -> str:
    api.define("purchased", *PROPS)
    return api.fqn("purchased")


def send_ok(api: Api, **body: Any) -> None:
    response = api.send(**body)
    assert response.status_code == 204, response.text
    assert response.content == b""


# -- success -----------------------------------------------------------------------------


def test_send_answers_204_with_no_body_and_stores_one(api: Api, event: str, database: str) -> None:
    response = api.send(eventName=event, email="ann@example.com", properties={"plan": "pro"})
    assert response.status_code == 204
    assert response.content == b""
    assert stored(database) == 1
    [found] = results(api)
    assert found["eventType"] == event
    assert found["properties"] == {"plan": "pro"}


def test_batch_answers_204_and_stores_every_input(api: Api, event: str, database: str) -> None:
    inputs = [{"eventName": event, "email": f"u{i}@example.com", "properties": {"amount": i}}
              for i in range(3)]
    response = api.post("/events/v3/send/batch", json={"inputs": inputs})
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert sorted(r["properties"]["amount"] for r in results(api)) == ["0", "1", "2"]
    assert stored(database) == 3


def test_null_optional_fields_mean_not_given(api: Api, event: str) -> None:
    """Generated clients that model every field send the unset ones as null: properties
    included (it was refused as "must be a JSON object" while null utk, uuid... passed)."""
    send_ok(api, eventName=event, email="nil@example.com", properties=None, utk=None,
            objectId=None, uuid=None, occurredAt=None)
    response = api.post("/events/v3/send/batch", json={"inputs": [
        {"eventName": event, "email": "nil@example.com", "properties": None}]})
    assert response.status_code == 204, response.text
    assert [r["properties"] for r in results(api)] == [{}, {}]


def test_completions_sent_without_a_uuid_get_time_ordered_ones(api: Api, event: str) -> None:
    before = now_ms()
    api.post("/events/v3/send/batch", json={"inputs": [
        {"eventName": event, "email": "ann@example.com"} for _ in range(3)]})
    api.send(eventName=event, email="ann@example.com")
    ids = [uuid.UUID(r["id"]) for r in results(api)]
    assert len(set(ids)) == 4
    assert {i.version for i in ids} == {7}
    assert all(before <= i.int >> 80 <= now_ms() for i in ids)  # 48 bits of Unix ms


# -- identity ----------------------------------------------------------------------------


@pytest.mark.parametrize("as_string", [False, True], ids=["int", "numeric-string"])
def test_object_id_of_an_existing_contact(api: Api, event: str, as_string: bool) -> None:
    contact = create_object(api, "contacts", email="known@example.com")
    send_ok(api, eventName=event, objectId=contact if as_string else int(contact))
    [found] = results(api)
    assert found["objectType"] == "CONTACT"
    assert found["objectId"] == contact


def test_object_id_that_does_not_exist_is_rejected(api: Api, event: str, database: str) -> None:
    create_object(api, "contacts", email="known@example.com")
    response = api.send(eventName=event, objectId=987654)
    body = assert_error(response, 400, "objectId")
    assert "987654" in body["errors"][0]["message"]
    assert stored(database) == 0


def test_object_id_of_another_portal_is_not_found(api: Api, other: Api, event: str,
                                                   database: str) -> None:
    theirs = create_object(other, "contacts", email="theirs@example.com")
    assert_error(api.send(eventName=event, objectId=int(theirs)), 400, "objectId")
    assert stored(database) == 0


def test_unknown_email_creates_the_contact(api: Api, event: str) -> None:
    assert contact_by_email(api, "new@example.com").status_code == 404
    send_ok(api, eventName=event, email="new@example.com")
    contact = contact_by_email(api, "new@example.com")
    assert contact.status_code == 200, contact.text
    assert contact.json()["properties"]["email"] == "new@example.com"
    [found] = results(api)
    assert found["objectId"] == contact.json()["id"]


def test_same_email_is_the_same_contact_whatever_its_case(api: Api, event: str,
                                                          database: str) -> None:
    for email in ("ann@example.com", "Ann@Example.COM", "  ANN@example.com"):
        send_ok(api, eventName=event, email=email.strip())
    found = results(api)
    assert len(found) == 3
    assert len({r["objectId"] for r in found}) == 1
    assert stored(database, "objects") == 1
    by_filter = results(api, objectType="contact", **{"objectProperty.email": "ANN@example.com"})
    assert len(by_filter) == 3


def test_spaces_around_an_email_are_not_part_of_it(api: Api, event: str) -> None:
    """As the CRM API, objectProperty.email and idProperty=email take it: a form's trailing
    space made send refuse "ann@example.com " as "must be an email address"."""
    send_ok(api, eventName=event, email="  Ann@Example.com ")
    send_ok(api, eventName=event, email="ann@example.com\t")
    found = results(api)
    assert [r["objectId"] for r in found] == [contact_by_email(api, "ann@example.com").json()["id"]] * 2
    assert_error(api.send(eventName=event, email="ann @example.com"), 400, "email")
    assert_error(api.send(eventName=event, email="   "), 400, "email")


@pytest.mark.parametrize("email", ["ann @example.com", "ann@ex@ample.com", "a" * 250 + "@x.io"],
                         ids=["inner-space", "two-at-signs", "too-long"])
def test_the_crm_takes_as_an_email_what_send_takes(api: Api, event: str, email: str) -> None:
    """One email rule: the CRM API stored "ann @example.com" (it asked only for an '@'), a
    contact that send then refused to name ("must be an email address")."""
    assert_error(api.send(eventName=event, email=email), 400, "email")
    created = api.post("/crm/v3/objects/contacts", json={"properties": {"email": email}})
    assert_error(created, 400, "properties.email")


def test_email_of_an_existing_crm_contact_uses_it(api: Api, event: str, database: str) -> None:
    contact = create_object(api, "contacts", email="bob@example.com")
    send_ok(api, eventName=event, email="BOB@example.com")
    [found] = results(api)
    assert found["objectId"] == contact
    assert stored(database, "objects") == 1


def test_different_emails_are_different_contacts(api: Api, event: str) -> None:
    send_ok(api, eventName=event, email="one@example.com")
    send_ok(api, eventName=event, email="two@example.com")
    assert len({r["objectId"] for r in results(api)}) == 2


def test_utk_alone_creates_one_anonymous_contact(api: Api, event: str, database: str) -> None:
    send_ok(api, eventName=event, utk="visitor-1")
    send_ok(api, eventName=event, utk="visitor-1")
    send_ok(api, eventName=event, utk="visitor-2")
    found = results(api, sort="ASCENDING")
    assert found[0]["objectId"] == found[1]["objectId"] != found[2]["objectId"]
    assert stored(database, "objects") == 2


def test_utk_with_a_new_email_ties_earlier_anonymous_completions(api: Api, event: str) -> None:
    send_ok(api, eventName=event, utk="visitor-1", properties={"plan": "first"})
    send_ok(api, eventName=event, utk="visitor-1", properties={"plan": "second"})
    send_ok(api, eventName=event, utk="visitor-1", email="carol@example.com",
            properties={"plan": "identified"})
    contact = contact_by_email(api, "carol@example.com")
    assert contact.status_code == 200
    mine = results(api, objectType="contact", **{"objectProperty.email": "carol@example.com"})
    assert sorted(r["properties"]["plan"] for r in mine) == ["first", "identified", "second"]
    assert {r["objectId"] for r in mine} == {contact.json()["id"]}


def test_utk_with_a_known_email_moves_anonymous_history_to_that_contact(api: Api, event: str,
                                                                        database: str) -> None:
    send_ok(api, eventName=event, utk="visitor-9", properties={"plan": "anonymous"})
    dave = create_object(api, "contacts", email="dave@example.com")
    send_ok(api, eventName=event, utk="visitor-9", email="dave@example.com",
            properties={"plan": "identified"})
    mine = results(api, objectType="contacts", objectId=dave)
    assert sorted(r["properties"]["plan"] for r in mine) == ["anonymous", "identified"]
    assert {r["objectId"] for r in results(api)} == {dave}


def test_utk_after_identification_resolves_to_the_contact(api: Api, event: str) -> None:
    send_ok(api, eventName=event, utk="visitor-3", email="erin@example.com")
    send_ok(api, eventName=event, utk="visitor-3", properties={"plan": "later"})
    erin = contact_by_email(api, "erin@example.com").json()["id"]
    assert {r["objectId"] for r in results(api)} == {erin}


def test_shared_device_keeps_earlier_contact_history(api: Api, event: str) -> None:
    send_ok(api, eventName=event, utk="kiosk", email="first@example.com",
            properties={"plan": "a"})
    send_ok(api, eventName=event, utk="kiosk", email="second@example.com",
            properties={"plan": "b"})
    send_ok(api, eventName=event, utk="kiosk", properties={"plan": "c"})
    first = contact_by_email(api, "first@example.com").json()["id"]
    second = contact_by_email(api, "second@example.com").json()["id"]
    by_plan = {r["properties"]["plan"]: r["objectId"] for r in results(api)}
    assert by_plan == {"a": first, "b": second, "c": second}


def test_utk_of_another_portal_is_a_different_visitor(api: Api, other: Api, event: str) -> None:
    other.define("purchased", *PROPS)
    send_ok(other, eventName=other.fqn("purchased"), utk="same-token", email="x@example.com")
    send_ok(api, eventName=event, utk="same-token")
    assert contact_by_email(api, "x@example.com").status_code == 404
    [mine] = results(api)
    [theirs] = results(other)
    assert mine["objectId"] != theirs["objectId"]


# -- customMatchingId ----------------------------------------------------------------------


@pytest.fixture
def company_event(api: Api) -> str:
    api.define("renewed", {"name": "company_domain", "label": "Domain", "type": "string"},
               primaryObject="COMPANY",
               customMatchingId={"primaryObjectRule": {"targetObjectPropertyName": "domain",
                                                       "eventPropertyName": "company_domain"}})
    return api.fqn("renewed")


def test_custom_matching_id_resolves_the_company(api: Api, company_event: str) -> None:
    create_object(api, COMPANIES, domain="other.com")
    acme = create_object(api, COMPANIES, domain="acme.com")
    send_ok(api, eventName=company_event, properties={"company_domain": "acme.com"})
    [found] = results(api, objectType="company", objectId=acme)
    assert found["objectType"] == "COMPANY"
    assert found["objectId"] == acme
    assert found["properties"] == {"company_domain": "acme.com"}


def test_custom_matching_id_on_email_ignores_case_as_every_email_lookup(api: Api) -> None:
    """A contact is one address whatever its case (send's email, objectProperty.email,
    idProperty=email): a customMatchingId on email found 'Ann@Example.com' nowhere."""
    api.define("logged_in", {"name": "user_email", "label": "User email", "type": "string"},
               customMatchingId={"primaryObjectRule": {"targetObjectPropertyName": "email",
                                                       "eventPropertyName": "user_email"}})
    ann = create_object(api, "contacts", email="ann@example.com")
    send_ok(api, eventName=api.fqn("logged_in"), properties={"user_email": " Ann@Example.COM"})
    [found] = results(api)
    assert found["objectId"] == ann
    assert found["properties"] == {"user_email": " Ann@Example.COM"}  # stored as sent


def test_every_lookup_by_email_ignores_case_on_every_object_type(api: Api) -> None:
    """The CRM keeps the email of every record trimmed and lowercased, a company's as a
    contact's: a customMatchingId on it, idProperty=email and objectProperty.email match it
    whatever the case sent. Only for contacts did they (a company's email is no column:
    idProperty=email and objectProperty.email never found one, and its customMatchingId
    refused the very 'Info@Acme.com' the company was created with)."""
    api.define("co_ping", {"name": "co_email", "label": "Company email", "type": "string"},
               primaryObject="COMPANY",
               customMatchingId={"primaryObjectRule": {"targetObjectPropertyName": "email",
                                                       "eventPropertyName": "co_email"}})
    create_object(api, COMPANIES, email="other@acme.com")
    acme = create_object(api, COMPANIES, email="Info@Acme.com", domain="acme.com")
    send_ok(api, eventName=api.fqn("co_ping"), properties={"co_email": "Info@Acme.com"})
    [found] = results(api, objectType=COMPANIES, **{"objectProperty.email": " INFO@acme.com"})
    assert found["objectId"] == acme
    read = api.get("/crm/v3/objects/companies/Info@Acme.com", params={"idProperty": "email"})
    assert read.status_code == 200, read.text
    assert read.json()["id"] == acme


def test_custom_matching_id_unmatched_value_names_the_event_property(
        api: Api, company_event: str, database: str) -> None:
    create_object(api, COMPANIES, domain="acme.com")
    response = api.send(eventName=company_event, properties={"company_domain": "nobody.com"})
    body = assert_error(response, 400, "properties.company_domain")
    assert "nobody.com" in body["errors"][0]["message"]
    assert stored(database) == 0


def test_custom_matching_id_without_property_or_object_id(api: Api, company_event: str) -> None:
    assert_error(api.send(eventName=company_event, properties={}), 400, "objectId")


def test_custom_matching_id_overwrites_an_explicit_object_id(api: Api, company_event: str) -> None:
    """HubSpot: with a customMatchingId "the objectId is set or overwritten automatically
    from the configured mapping" (the German custom events guide, seed 002)."""
    acme = create_object(api, COMPANIES, domain="acme.com")
    globex = create_object(api, COMPANIES, domain="globex.com")
    send_ok(api, eventName=company_event, objectId=int(globex),
            properties={"company_domain": "acme.com"})
    [found] = results(api)
    assert found["objectId"] == acme


def test_custom_matching_id_without_a_match_keeps_the_object_id_sent(
        api: Api, company_event: str) -> None:
    globex = create_object(api, COMPANIES, domain="globex.com")
    send_ok(api, eventName=company_event, objectId=int(globex),
            properties={"company_domain": "nobody.com"})
    [found] = results(api)
    assert found["objectId"] == globex


def test_custom_matching_id_with_a_bad_object_id_and_a_match(api: Api, company_event: str,
                                                             database: str) -> None:
    """The mapping decides: an objectId it overwrites is not checked."""
    acme = create_object(api, COMPANIES, domain="acme.com")
    send_ok(api, eventName=company_event, objectId=999, properties={"company_domain": "acme.com"})
    [found] = results(api)
    assert found["objectId"] == acme
    response = api.send(eventName=company_event, objectId=999,
                        properties={"company_domain": "nobody.com"})
    assert_error(response, 400, "objectId")
    assert stored(database) == 1


def test_a_batch_matches_each_object_type_on_its_own(api: Api) -> None:
    """A contact event and a company event matching the same value in one batch: each finds
    its own kind of record (a lookup shared by value gave the contact event the company)."""
    rule = {"primaryObjectRule": {"targetObjectPropertyName": "ref", "eventPropertyName": "ref"}}
    ref = {"name": "ref", "label": "Ref", "type": "string"}
    api.define("co_ev", ref, primaryObject="COMPANY", customMatchingId=rule)
    api.define("c_ev", ref, customMatchingId=rule)
    company = create_object(api, COMPANIES, ref="R-1")
    contact = create_object(api, "contacts", email="r@example.com", ref="R-1")
    response = api.post("/events/v3/send/batch", json={"inputs": [
        {"eventName": api.fqn("co_ev"), "properties": {"ref": "R-1"}},
        {"eventName": api.fqn("c_ev"), "properties": {"ref": "R-1"}}]})
    assert response.status_code == 204, response.text
    found = {(r["eventType"], r["objectType"], r["objectId"]) for r in results(api)}
    assert found == {(api.fqn("co_ev"), "COMPANY", company), (api.fqn("c_ev"), "CONTACT", contact)}


def test_contact_event_custom_matching_id_lets_the_identifiers_go(api: Api) -> None:
    """A contact event with a customMatchingId needs no objectId, email or utk when the
    matching property is sent; without a match, the email sent stands in."""
    api.define("upgraded", {"name": "customer_ref", "label": "Customer", "type": "string"},
               customMatchingId={"primaryObjectRule": {"targetObjectPropertyName": "customer_ref",
                                                       "eventPropertyName": "customer_ref"}})
    ann = create_object(api, "contacts", email="ann@example.com", customer_ref="C-1")
    send_ok(api, eventName=api.fqn("upgraded"), properties={"customer_ref": "C-1"})
    send_ok(api, eventName=api.fqn("upgraded"), email="bob@example.com",
            properties={"customer_ref": "C-2"})
    found = results(api)
    assert sorted(r["objectId"] == ann for r in found) == [False, True]
    assert len(api.events(objectType="contact",
                          **{"objectProperty.email": "bob@example.com"})["results"]) == 1
    assert_error(api.send(eventName=api.fqn("upgraded"), properties={"customer_ref": "C-3"}),
                 400, "properties.customer_ref")


@pytest.mark.parametrize("field", ["email", "utk"])
def test_company_event_cannot_be_identified_by_contact_fields(api: Api, company_event: str,
                                                              field: str) -> None:
    value = "a@example.com" if field == "email" else "visitor-1"
    create_object(api, COMPANIES, domain="acme.com")
    response = api.send(eventName=company_event, properties={"company_domain": "acme.com"},
                        **{field: value})
    assert_error(response, 400, field)


def test_a_company_event_with_only_an_email_is_told_both_problems(api: Api) -> None:
    """The email is refused (contacts only) and the missing objectId is named too: every
    problem at once."""
    api.define("renewed_plain", primaryObject="COMPANY")
    response = api.send(eventName=api.fqn("renewed_plain"), email="a@example.com")
    assert response.status_code == 400
    assert sorted(e["in"] for e in response.json()["errors"]) == ["email", "objectId"]


# -- occurredAt ----------------------------------------------------------------------------


@pytest.mark.parametrize(("sent", "expected"), [
    ("2024-03-01T12:34:56.789Z", "2024-03-01T12:34:56.789Z"),
    ("2024-03-01T14:34:56.789+02:00", "2024-03-01T12:34:56.789Z"),
    ("2024-03-01T07:34:56.789-05:00", "2024-03-01T12:34:56.789Z"),
    ("2024-03-01T12:34:56Z", "2024-03-01T12:34:56.000Z"),
    (1709296496789, "2024-03-01T12:34:56.789Z"),
    ("1709296496789", "2024-03-01T12:34:56.789Z"),
    ("2015-06-01T00:00:00.000Z", "2015-06-01T00:00:00.000Z"),
], ids=["iso-z", "iso-plus-offset", "iso-minus-offset", "iso-no-millis", "epoch-ms",
        "epoch-ms-string", "back-dated"])
def test_occurred_at_formats(api: Api, event: str, sent: Any, expected: str) -> None:
    send_ok(api, eventName=event, email="t@example.com", occurredAt=sent)
    [found] = results(api)
    assert found["occurredAt"] == expected


@pytest.mark.parametrize("sent", [
    "2004-01-11T03:17:49.791Z", "2004-01-11T12:08:11.649Z", "1970-01-25T08:59:41.513Z",
], ids=["2004-a", "2004-b", "1970"])
def test_occurred_at_iso_keeps_every_millisecond(api: Api, event: str, sent: str) -> None:
    send_ok(api, eventName=event, email="t@example.com", occurredAt=sent)
    [found] = results(api)
    assert found["occurredAt"] == sent


@pytest.mark.parametrize("sent", ["1969-12-31T23:59:59.999Z", -1, "1900-01-01"],
                         ids=["last-ms-of-1969", "epoch-minus-1", "1900"])
def test_occurred_at_before_1970_is_refused(api: Api, event: str, database: str,
                                            sent: Any) -> None:
    response = api.send(eventName=event, email="t@example.com", occurredAt=sent)
    assert_error(response, 400, "occurredAt")
    assert "1970-01-01" in response.text
    assert stored(database) == 0


def test_occurred_at_defaults_to_receive_time(api: Api, event: str) -> None:
    before = now_ms()
    send_ok(api, eventName=event, email="t@example.com")
    after = now_ms()
    [found] = results(api)
    occurred = datetime.fromisoformat(found["occurredAt"].replace("Z", "+00:00"))
    assert before <= int(occurred.timestamp() * 1000) + 1
    assert occurred.timestamp() * 1000 <= after


def test_occurred_at_slightly_in_the_future_is_clock_skew(api: Api, event: str) -> None:
    soon = now_ms() + 60_000
    send_ok(api, eventName=event, email="t@example.com", occurredAt=soon)
    assert results(api)[0]["occurredAt"] == iso(soon)


# -- typed property values -----------------------------------------------------------------


@pytest.mark.parametrize(("name", "sent", "expected"), [
    ("plan", "pro plan", "pro plan"),
    ("plan", 42, "42"),
    ("plan", True, "true"),
    ("amount", 42, "42"),
    ("amount", -7, "-7"),
    ("amount", 3.5, "3.5"),
    ("amount", 2.0, "2"),
    ("amount", "42", "42"),
    ("amount", "19.99", "19.99"),
    ("amount", "-0.5", "-0.5"),
    ("amount", 9007199254740991, "9007199254740991"),
    # Number text is kept digit for digit, in plain notation (a float lost the last digits
    # of the first and stored the second as 1e-08, text a number may not be sent as).
    ("amount", "12345678.123456789", "12345678.123456789"),
    ("amount", "0.00000001", "0.00000001"),
    ("amount", 1e-8, "0.00000001"),
    ("amount", "-000.1000", "-0.1"),
    ("amount", "-0.0", "0"),
    ("plan", 2.5e-7, "0.00000025"),
    ("paid", True, "true"),
    ("paid", False, "false"),
    ("paid", "true", "true"),
    ("paid", "FALSE", "false"),
    ("renews_at", "2024-03-01T12:00:00Z", "2024-03-01T12:00:00.000Z"),
    ("renews_at", "2024-03-01T14:00:00.250+02:00", "2024-03-01T12:00:00.250Z"),
    ("renews_at", 1709294400000, "2024-03-01T12:00:00.000Z"),
    ("renews_at", "1709294400000", "2024-03-01T12:00:00.000Z"),
    ("renews_at", "2004-01-11T03:17:49.791Z", "2004-01-11T03:17:49.791Z"),
    ("start_day", "2024-03-01", "2024-03-01"),
    ("start_day", "2024-03-01T00:00:00Z", "2024-03-01"),
    ("start_day", 1709251200000, "2024-03-01"),
    # A date of birth: date and datetime values span the four-digit years, 1970 is no bound.
    ("start_day", "1965-05-01", "1965-05-01"),
    ("start_day", -86400000, "1969-12-31"),
    ("start_day", "0001-01-01", "0001-01-01"),
    ("renews_at", "1969-12-31T23:59:59Z", "1969-12-31T23:59:59.000Z"),
    ("renews_at", "1900-01-01T00:00:00.5Z", "1900-01-01T00:00:00.500Z"),
    ("renews_at", -1, "1969-12-31T23:59:59.999Z"),
    ("renews_at", "0999-03-04T05:06:07Z", "0999-03-04T05:06:07.000Z"),
    ("renews_at", "9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"),
    ("start_day", "9999-12-31", "9999-12-31"),
    ("color", "red", "red"),
    ("color", "red;blue", "red;blue"),
    ("color", "green;red;blue", "green;red;blue"),
], ids=lambda v: repr(v)[:40])
def test_typed_values_read_back_as_strings(api: Api, event: str, name: str, sent: Any,
                                           expected: str) -> None:
    send_ok(api, eventName=event, email="t@example.com", properties={name: sent})
    [found] = results(api)
    assert found["properties"] == {name: expected}


@pytest.mark.parametrize(("name", "sent"), [
    ("amount", "1.2.3"),
    ("amount", "12abc"),
    ("amount", "1e5"),
    ("amount", True),
    ("amount", 9007199254740992),
    ("amount", "9007199254740991.5"),
    ("paid", "yes"),
    ("paid", 1),
    ("renews_at", "next tuesday"),
    ("start_day", "2024-03-01T10:00:00Z"),
    ("start_day", 1709251200001),
    ("renews_at", "10000-01-01T00:00:00Z"),
    ("renews_at", "9999-12-31T23:59:59-00:01"),
    ("renews_at", "0001-01-01T00:00:00+00:01"),
    ("renews_at", -62135596800001),
    ("color", "purple"),
    ("color", "red;purple"),
    ("color", "Red"),
], ids=lambda v: repr(v)[:40])
def test_values_that_do_not_fit_their_type_are_rejected(api: Api, event: str, database: str,
                                                        name: str, sent: Any) -> None:
    response = api.send(eventName=event, email="t@example.com", properties={name: sent})
    assert_error(response, 400, f"properties.{name}")
    assert stored(database) == 0


def test_a_number_sent_as_text_is_found_by_the_text_it_was_stored_as(api: Api,
                                                                      event: str) -> None:
    send_ok(api, eventName=event, email="t@example.com", properties={"amount": "0.00000001"})
    [found] = results(api, **{"property.amount": "0.00000001"})
    assert found["properties"]["amount"] == "0.00000001"


def test_several_properties_together(api: Api, event: str) -> None:
    send_ok(api, eventName=event, email="t@example.com",
            properties={"plan": "pro", "amount": "10.5", "paid": True, "color": "blue"})
    [found] = results(api)
    assert found["properties"] == {"plan": "pro", "amount": "10.5", "paid": "true",
                                   "color": "blue"}


# -- standard properties -------------------------------------------------------------------


def test_hs_asset_title_is_stored_as_hs_page_title(api: Api, event: str) -> None:
    send_ok(api, eventName=event, email="t@example.com",
            properties={"hs_asset_title": "Pricing"})
    [found] = results(api)
    assert found["properties"] == {"hs_page_title": "Pricing"}
    assert results(api, **{"property.hs_page_title": "Pricing"}) == [found]


def test_reading_back_by_the_alias_finds_what_it_stored(api: Api, event: str) -> None:
    """A client that sends hs_asset_title reads back with the same name: the filter and the
    properties list take the alias as the standard name it was stored under."""
    send_ok(api, eventName=event, email="t@example.com",
            properties={"hs_asset_title": "Pricing", "plan": "pro"})
    [found] = results(api)
    assert results(api, **{"property.hs_asset_title": "Pricing"}) == [found]
    assert results(api, **{"property.hs_asset_title": "Other"}) == []
    [only] = results(api, properties="hs_asset_title")
    assert only["properties"] == {"hs_page_title": "Pricing"}


@pytest.mark.parametrize("alias_first", [True, False], ids=["alias-first", "standard-first"])
def test_hs_page_title_wins_over_its_alias(api: Api, event: str, alias_first: bool) -> None:
    pairs = [("hs_asset_title", "Alias"), ("hs_page_title", "Standard")]
    props = dict(pairs if alias_first else pairs[::-1])
    send_ok(api, eventName=event, email="t@example.com", properties=props)
    assert results(api)[0]["properties"] == {"hs_page_title": "Standard"}


def test_hs_page_content_type_overrides_hs_asset_type(api: Api, event: str) -> None:
    send_ok(api, eventName=event, email="t@example.com",
            properties={"hs_asset_type": "BLOG_POST", "hs_page_content_type": "LANDING_PAGE"})
    props = results(api)[0]["properties"]
    assert props["hs_asset_type"] == "LANDING_PAGE"
    assert props["hs_page_content_type"] == "LANDING_PAGE"


def test_hs_asset_type_alone_is_kept(api: Api, event: str) -> None:
    send_ok(api, eventName=event, email="t@example.com", properties={"hs_asset_type": "BLOG_POST"})
    assert results(api)[0]["properties"] == {"hs_asset_type": "BLOG_POST"}


def test_an_asset_type_may_be_a_custom_events_internal_name(api: Api, event: str) -> None:
    """HubSpot's guide lists CUSTOM_BEHAVIORAL_EVENT_NAME as "the internal name of a custom
    event, e.g. pe123456_manually_tracked_event": that name is the value sent."""
    send_ok(api, eventName=event, email="t@example.com",
            properties={"hs_asset_type": "pe123456_manually_tracked_event"})
    send_ok(api, eventName=event, email="t@example.com",
            properties={"hs_page_content_type": f"{event};BLOG_POST"})
    send_ok(api, eventName=event, email="t@example.com",
            properties={"hs_asset_type": "pe1_video-played"})  # event names may hold "-"
    stored_types = sorted(str(r["properties"].get("hs_asset_type")) for r in results(api))
    assert stored_types == sorted([f"{event};BLOG_POST", "pe123456_manually_tracked_event",
                                   "pe1_video-played"])
    for bad in ("pe_x", "PE1_X", "pe1_", "pe1_X", "manually_tracked_event", "pe\u0661_x"):
        assert_error(api.send(eventName=event, email="t@example.com",
                              properties={"hs_asset_type": bad}), 400, "properties.hs_asset_type")


def test_standard_number_and_url_properties(api: Api, event: str) -> None:
    url = "https://example.com/" + "a" * 900
    send_ok(api, eventName=event, email="t@example.com",
            properties={"hs_screen_width": "1920", "hs_page_url": url})
    assert results(api)[0]["properties"] == {"hs_screen_width": "1920", "hs_page_url": url}


# -- idempotency by uuid -------------------------------------------------------------------


def test_repeated_uuid_is_stored_once(api: Api, event: str, database: str) -> None:
    key = str(uuid.uuid4())
    send_ok(api, eventName=event, email="t@example.com", uuid=key, properties={"plan": "one"})
    send_ok(api, eventName=event, email="t@example.com", uuid=key, properties={"plan": "one"})
    [found] = results(api)
    assert found["id"] == key
    assert stored(database) == 1


def test_repeated_uuid_keeps_the_first_completion(api: Api, event: str) -> None:
    key = str(uuid.uuid4())
    send_ok(api, eventName=event, email="t@example.com", uuid=key, properties={"plan": "first"})
    send_ok(api, eventName=event, email="t@example.com", uuid=key, properties={"plan": "second"})
    assert [r["properties"] for r in results(api)] == [{"plan": "first"}]


def test_uuid_twice_in_one_batch_is_stored_once(api: Api, event: str, database: str) -> None:
    key = str(uuid.uuid4())
    one = {"eventName": event, "email": "t@example.com", "uuid": key}
    response = api.post("/events/v3/send/batch", json={"inputs": [one, one, {**one, "uuid": None}]})
    assert response.status_code == 204, response.text
    assert stored(database) == 2
    assert sum(r["id"] == key for r in results(api)) == 1


def test_uuid_of_single_send_then_batch_is_stored_once(api: Api, event: str,
                                                       database: str) -> None:
    key = str(uuid.uuid4())
    send_ok(api, eventName=event, email="t@example.com", uuid=key)
    response = api.post("/events/v3/send/batch",
                        json={"inputs": [{"eventName": event, "email": "t@example.com", "uuid": key}]})
    assert response.status_code == 204, response.text
    assert stored(database) == 1


def test_uuid_is_normalised_before_deduplication(api: Api, event: str, database: str) -> None:
    key = uuid.uuid4()
    send_ok(api, eventName=event, email="t@example.com", uuid=str(key))
    send_ok(api, eventName=event, email="t@example.com", uuid=str(key).upper())
    assert stored(database) == 1
    assert results(api)[0]["id"] == str(key)


def test_repeated_uuid_is_stored_once_across_a_restart(settings: Settings,
                                                       portals: list[NewPortal],
                                                       database: str) -> None:
    key = str(uuid.uuid4())
    with TestClient(create_app(settings)) as first:
        api = Api(first, portals[0])
        api.define("purchased", *PROPS)
        send_ok(api, eventName=api.fqn("purchased"), email="t@example.com", uuid=key)
    with TestClient(create_app(settings)) as second:
        api = Api(second, portals[0])
        send_ok(api, eventName=api.fqn("purchased"), email="t@example.com", uuid=key)
        batch = {"inputs": [{"eventName": api.fqn("purchased"), "email": "t@example.com",
                             "uuid": key}]}
        assert api.post("/events/v3/send/batch", json=batch).status_code == 204
        [found] = results(api)
        assert found["id"] == key
    assert stored(database) == 1


def test_same_uuid_in_two_portals_is_two_completions(api: Api, other: Api, event: str) -> None:
    other.define("purchased", *PROPS)
    key = str(uuid.uuid4())
    send_ok(api, eventName=event, email="t@example.com", uuid=key)
    send_ok(other, eventName=other.fqn("purchased"), email="t@example.com", uuid=key)
    assert [r["id"] for r in results(api)] == [key]
    assert [r["id"] for r in results(other)] == [key]


def test_one_uuid_for_two_events_is_two_completions(api: Api, event: str,
                                                    database: str) -> None:
    """HubSpot: a uuid "must be unique within the event type"; a client that gives an order's
    uuid to "placed" and to "shipped" keeps both (the second was acknowledged and dropped)."""
    api.define("shipped")
    key = str(uuid.uuid4())
    send_ok(api, eventName=event, email="t@example.com", uuid=key)
    batch = {"inputs": [{"eventName": api.fqn("shipped"), "email": "t@example.com", "uuid": key}]}
    assert api.post("/events/v3/send/batch", json=batch).status_code == 204
    send_ok(api, eventName=api.fqn("shipped"), email="t@example.com", uuid=key)  # a retry
    assert sorted(r["eventType"] for r in api.events(id=key)["results"]) == sorted(
        [event, api.fqn("shipped")])
    assert stored(database) == 2


# -- batches -------------------------------------------------------------------------------


def test_batch_of_500_is_accepted(api: Api, event: str, database: str) -> None:
    inputs = [{"eventName": event, "utk": f"v{i % 7}", "properties": {"amount": i}}
              for i in range(500)]
    response = api.post("/events/v3/send/batch", json={"inputs": inputs})
    assert response.status_code == 204, response.text
    assert stored(database) == 500
    assert len(results(api)) == 500


def test_batch_of_501_is_rejected(api: Api, event: str, database: str) -> None:
    inputs = [{"eventName": event, "email": "t@example.com"}] * 501
    body = assert_error(api.post("/events/v3/send/batch", json={"inputs": inputs}), 400, "inputs")
    assert "500" in body["errors"][0]["message"]
    assert stored(database) == 0


@pytest.mark.parametrize("payload", [{"inputs": []}, {}, {"inputs": None},
                                     {"inputs": {"eventName": "x"}}],
                         ids=["empty-list", "missing", "null", "object"])
def test_batch_without_a_list_of_inputs_is_rejected(api: Api, event: str, database: str,
                                                    payload: dict[str, Any]) -> None:
    assert_error(api.post("/events/v3/send/batch", json=payload), 400, "inputs")
    assert stored(database) == 0


def test_batch_errors_name_every_bad_index(api: Api, event: str, database: str) -> None:
    good = {"eventName": event, "email": "t@example.com"}
    inputs = [
        good,
        {**good, "properties": {"amount": "lots"}},
        good,
        {**good, "eventName": api.fqn("nope")},
        {**good, "occurredAt": "yesterday", "properties": {"color": "purple"}},
    ]
    response = api.post("/events/v3/send/batch", json={"inputs": inputs})
    assert_error(response, 400, "inputs[1].properties.amount", "inputs[3].eventName",
                 "inputs[4].occurredAt", "inputs[4].properties.color")
    assert stored(database) == 0
    assert results(api) == []


def test_batch_with_one_unresolvable_object_stores_nothing(api: Api, event: str,
                                                           database: str) -> None:
    inputs = [{"eventName": event, "email": "fresh@example.com"},
              {"eventName": event, "utk": "visitor-1"},
              {"eventName": event, "objectId": 424242}]
    response = api.post("/events/v3/send/batch", json={"inputs": inputs})
    assert_error(response, 400, "inputs[2].objectId")
    assert results(api) == []
    assert stored(database) == 0
    # The contact the first input would have created was rolled back with the rest.
    assert contact_by_email(api, "fresh@example.com").status_code == 404
    assert stored(database, "objects") == 0
    assert stored(database, "visitors") == 0


def test_batch_after_a_failed_batch_works(api: Api, event: str, database: str) -> None:
    bad = [{"eventName": event, "email": "fresh@example.com"},
           {"eventName": event, "objectId": 424242}]
    assert api.post("/events/v3/send/batch", json={"inputs": bad}).status_code == 400
    good = [{"eventName": event, "email": "fresh@example.com"}]
    assert api.post("/events/v3/send/batch", json={"inputs": good}).status_code == 204
    [found] = results(api)
    assert found["objectId"] == contact_by_email(api, "fresh@example.com").json()["id"]


def test_batch_resolves_the_same_email_once(api: Api, event: str, database: str) -> None:
    inputs = [{"eventName": event, "email": "same@example.com"} for _ in range(5)]
    assert api.post("/events/v3/send/batch", json={"inputs": inputs}).status_code == 204
    assert len({r["objectId"] for r in results(api)}) == 1
    assert stored(database, "objects") == 1


# -- monthly quota -------------------------------------------------------------------------


@pytest.fixture
def quota(settings: Settings, portals: list[NewPortal]) -> Iterator[tuple[Api, Api]]:
    """Both portals on an app whose monthly quota is 3 completions."""
    with TestClient(create_app(dataclasses.replace(settings, monthly_quota=3))) as test_client:
        first, second = Api(test_client, portals[0]), Api(test_client, portals[1])
        first.define("purchased", *PROPS)
        second.define("purchased", *PROPS)
        yield first, second


def test_quota_refuses_the_completion_past_it(quota: tuple[Api, Api], database: str) -> None:
    api, _ = quota
    for i in range(3):
        send_ok(api, eventName=api.fqn("purchased"), email="q@example.com",
                properties={"amount": i})
    response = api.send(eventName=api.fqn("purchased"), email="q@example.com",
                        properties={"amount": 99})
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["category"] == "RATE_LIMITS"
    assert body["status"] == "error"
    uuid.UUID(body["correlationId"])
    assert "3" in body["message"]
    assert sorted(r["properties"]["amount"] for r in results(api)) == ["0", "1", "2"]
    assert stored(database) == 3


def test_quota_refuses_a_whole_batch_that_would_pass_it(quota: tuple[Api, Api],
                                                        database: str) -> None:
    api, _ = quota
    send_ok(api, eventName=api.fqn("purchased"), email="q@example.com")
    inputs = [{"eventName": api.fqn("purchased"), "email": f"b{i}@example.com"} for i in range(3)]
    response = api.post("/events/v3/send/batch", json={"inputs": inputs})
    assert response.status_code == 429, response.text
    assert response.json()["category"] == "RATE_LIMITS"
    assert len(results(api)) == 1
    assert stored(database) == 1
    assert contact_by_email(api, "b0@example.com").status_code == 404
    # What still fits is accepted.
    assert api.post("/events/v3/send/batch", json={"inputs": inputs[:2]}).status_code == 204
    assert stored(database) == 3


def test_quota_is_per_portal(quota: tuple[Api, Api]) -> None:
    api, other = quota
    for _ in range(3):
        send_ok(api, eventName=api.fqn("purchased"), email="q@example.com")
    assert api.send(eventName=api.fqn("purchased"), email="q@example.com").status_code == 429
    send_ok(other, eventName=other.fqn("purchased"), email="q@example.com")
    assert len(results(other)) == 1


def test_quota_refusals_are_not_counted(quota: tuple[Api, Api]) -> None:
    api, _ = quota
    send_ok(api, eventName=api.fqn("purchased"), email="q@example.com")
    for _ in range(3):
        assert api.send(eventName=api.fqn("purchased"), email="q@example.com",
                        properties={"amount": "bad"}).status_code == 400
    too_many = [{"eventName": api.fqn("purchased"), "email": "q@example.com"}] * 3
    assert api.post("/events/v3/send/batch", json={"inputs": too_many}).status_code == 429
    send_ok(api, eventName=api.fqn("purchased"), email="q@example.com")
    send_ok(api, eventName=api.fqn("purchased"), email="q@example.com")
    assert len(results(api)) == 3


def test_quota_counts_a_repeated_uuid_once(quota: tuple[Api, Api], database: str) -> None:
    api, _ = quota
    key = str(uuid.uuid4())
    for _ in range(3):
        send_ok(api, eventName=api.fqn("purchased"), email="q@example.com", uuid=key)
    send_ok(api, eventName=api.fqn("purchased"), email="q@example.com")
    send_ok(api, eventName=api.fqn("purchased"), email="q@example.com")
    assert stored(database) == 3


def test_quota_counts_one_uuid_once_per_event(quota: tuple[Api, Api], database: str) -> None:
    """Near the quota, a uuid stored for another event is a new completion, not a retry."""
    api, _ = quota
    api.define("refunded")
    key = str(uuid.uuid4())
    send_ok(api, eventName=api.fqn("purchased"), email="q@example.com", uuid=key)
    send_ok(api, eventName=api.fqn("purchased"), email="q@example.com")
    send_ok(api, eventName=api.fqn("refunded"), email="q@example.com", uuid=key)
    retried = api.send(eventName=api.fqn("refunded"), email="q@example.com", uuid=key.upper())
    assert retried.status_code == 204  # a retry of the stored one: acknowledged again
    over = api.send(eventName=api.fqn("purchased"), email="q@example.com")
    assert over.status_code == 429, over.text
    assert stored(database) == 3


def test_quota_still_acknowledges_a_retry_of_a_stored_completion(quota: tuple[Api, Api],
                                                                 database: str) -> None:
    """A client retrying after a lost 204 must not be told 429 for a completion already kept."""
    api, _ = quota
    keys = [str(uuid.uuid4()) for _ in range(3)]
    for key in keys:
        send_ok(api, eventName=api.fqn("purchased"), email="q@example.com", uuid=key)
    send_ok(api, eventName=api.fqn("purchased"), email="q@example.com", uuid=keys[0])
    assert stored(database) == 3


@pytest.mark.parametrize("identity", [{"email": None}, {"utk": None}, {"objectId": None},
                                      {"email": None, "utk": None, "objectId": None}],
                         ids=["email", "utk", "objectId", "all"])
def test_null_is_no_identifier(api: Api, event: str, database: str,
                               identity: dict[str, Any]) -> None:
    """null names nobody: a 400 naming the field (it reached the writer as an identity-less
    completion and failed the whole group commit with a 503, other portals' sends too)."""
    response = api.send(eventName=event, **identity)
    assert response.status_code == 400, response.text
    assert [e["in"] for e in response.json()["errors"]] == ["objectId"]
    batch = api.post("/events/v3/send/batch", json={"inputs": [
        {"eventName": event, "email": "ann@example.com"}, {"eventName": event, **identity}]})
    assert batch.status_code == 400, batch.text
    assert [e["in"] for e in batch.json()["errors"]] == ["inputs[1].objectId"]
    assert stored(database) == 0


def test_a_null_object_id_of_an_object_event_is_required(api: Api, database: str) -> None:
    api.define("renewed_plain", primaryObject="COMPANY")
    response = api.send(eventName=api.fqn("renewed_plain"), objectId=None)
    assert response.status_code == 400, response.text
    assert [e["in"] for e in response.json()["errors"]] == ["objectId"]
    assert stored(database) == 0
