"""HubSpot's own Python client (``hubspot-api-client``) against a real ``footfall serve``:
code written for HubSpot works with only the base URL and the token changed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import SimplePublicObjectInputForCreate
from hubspot.crm.contacts.exceptions import ApiException as ContactError
from hubspot.events.exceptions import ApiException as ReadError
from hubspot.events.send import (
    BatchedBehavioralEventHttpCompletionRequest,
    BehavioralEventHttpCompletionRequest,
)
from hubspot.events.send.exceptions import ApiException as SendError

from tests.conftest import make_portals
from tests.realserver import serve


@pytest.fixture
def hubspot(database: str) -> Iterator[HubSpot]:
    portal = make_portals(database, "HubSpot client")[0]
    with serve(database) as base:
        # host: the generated APIs' base URL; base_url: the client's generic api_request.
        yield HubSpot(access_token=portal.token, host=base, base_url=base)


def _define(hubspot: HubSpot) -> str:
    response = hubspot.api_request({"method": "POST", "path": "/events/v3/event-definitions",
                                    "body": {"label": "Bought", "name": "bought",
                                             "primaryObject": "CONTACT", "propertyDefinitions": [
                                                 {"name": "amount", "label": "Amount",
                                                  "type": "number"},
                                                 {"name": "city", "label": "City",
                                                  "type": "string"}]}})
    assert response.status_code == 201, response.text
    return str(response.json()["fullyQualifiedName"])


def test_send_batch_and_read_back_with_hubspots_client(hubspot: HubSpot) -> None:
    fqn = _define(hubspot)
    sent_at = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert hubspot.events.send.basic_api.send(
        behavioral_event_http_completion_request=BehavioralEventHttpCompletionRequest(
            event_name=fqn, email="ann@example.com", occurred_at=sent_at,
            properties={"amount": "12.5", "city": "new york"})) is None  # 204
    hubspot.events.send.batch_api.send(
        batched_behavioral_event_http_completion_request=BatchedBehavioralEventHttpCompletionRequest(
            inputs=[BehavioralEventHttpCompletionRequest(
                event_name=fqn, email=f"c{i}@example.com", properties={"amount": str(i)},
                occurred_at=sent_at + timedelta(minutes=i + 1)) for i in range(3)]))

    events = hubspot.events.events_api
    first = events.get_page(object_type="contact", event_type=fqn, limit=2, sort=["DESCENDING"])
    assert [e.properties["amount"] for e in first.results] == ["2", "1"]
    rest = events.get_page(object_type="contact", event_type=fqn, limit=2, sort=["DESCENDING"],
                           after=first.paging.next.after)
    assert [e.properties["amount"] for e in rest.results] == ["0", "12.5"]
    ann = rest.results[1]
    assert ann.occurred_at == sent_at
    assert (ann.event_type, ann.object_type, ann.properties["city"]) == (fqn, "CONTACT", "new york")

    assert len(events.get_page(object_type="contact", event_type=fqn,
                               occurred_after=sent_at + timedelta(seconds=30)).results) == 3
    assert [e.id for e in events.get_page(object_type="contact", id=[ann.id]).results] == [ann.id]
    assert [e.id for e in events.get_page(object_type="contact",
                                          object_id=ann.object_id).results] == [ann.id]
    assert fqn in events.get_types().event_types


def test_hubspots_client_reads_every_offending_field(hubspot: HubSpot) -> None:
    fqn = _define(hubspot)
    with pytest.raises(SendError) as refused:
        hubspot.events.send.basic_api.send(
            behavioral_event_http_completion_request=BehavioralEventHttpCompletionRequest(
                event_name=fqn, email="bob@example.com", uuid="not-a-uuid",
                properties={"amount": "many"}))
    assert refused.value.status == 400
    body = json.loads(refused.value.body)
    assert body["category"] == "VALIDATION_ERROR"
    assert {e["in"] for e in body["errors"]} == {"uuid", "properties.amount"}


def test_the_generated_clients_placeholder_filter_is_explained(hubspot: HubSpot) -> None:
    """The generated ``get_page`` sends ``objectProperty.{propname}`` literally: refused with
    a message that says what to send instead, never filtered on a guess."""
    fqn = _define(hubspot)
    with pytest.raises(ReadError) as refused:
        hubspot.events.events_api.get_page(object_type="contact", event_type=fqn,
                                           object_property_propname="ann@example.com")
    assert refused.value.status == 400
    [error] = json.loads(refused.value.body)["errors"]
    assert error["in"] == "query.objectProperty.{propname}"
    assert "objectProperty.email=" in error["message"]


def test_hubspots_contacts_client_reads_a_contact_with_every_option(hubspot: HubSpot) -> None:
    """``get_by_id`` also sends ``associations`` and ``propertiesWithHistory`` when asked
    for them: both were refused as unknown parameters. Footfall's contacts have no
    associations and no history: the current value is the one entry."""
    contacts = hubspot.crm.contacts.basic_api
    created = contacts.create(simple_public_object_input_for_create=SimplePublicObjectInputForCreate(
        properties={"email": "ann@example.com", "firstname": "Ann"}))
    read = contacts.get_by_id(created.id, properties=["email"], associations=["companies"],
                              properties_with_history=["firstname", "lastname"])
    assert read.properties["email"] == "ann@example.com"
    assert read.associations is None
    [firstname] = read.properties_with_history["firstname"]
    assert firstname.value == "Ann"
    assert firstname.timestamp == created.updated_at
    assert set(read.properties_with_history) == {"firstname"}
    by_email = contacts.get_by_id("ann@example.com", id_property="email",
                                  properties_with_history="firstname")
    assert by_email.id == created.id


def test_a_second_contact_with_one_email_names_the_existing_id_as_hubspot_does(
        hubspot: HubSpot) -> None:
    """Integrations upsert by reading HubSpot's 409 message, "Contact already exists.
    Existing ID: <id>" (Pipedream's HubSpot actions, stape's server-side tag, ...)."""
    contacts = hubspot.crm.contacts.basic_api
    ann = SimplePublicObjectInputForCreate(properties={"email": "ann@example.com"})
    first = contacts.create(simple_public_object_input_for_create=ann)
    with pytest.raises(ContactError) as refused:
        contacts.create(simple_public_object_input_for_create=SimplePublicObjectInputForCreate(
            properties={"email": "ANN@example.com"}))
    assert refused.value.status == 409
    body = json.loads(refused.value.body)
    assert body["category"] == "CONFLICT"
    found = re.search(r"Existing ID: (\d+)", body["message"])
    assert found is not None, body["message"]
    assert found.group(1) == first.id
