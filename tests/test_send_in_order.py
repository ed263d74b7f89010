"""A batch (and an ingest group of several requests) behaves like its inputs sent one by
one, in order: a lookup by email (a customMatchingId on ``email``) finds the contact that an
earlier input of the same batch or group created by sending to that email."""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from typing import Any

import pytest

from collector.model import NewCompletion
from collector.storage import is_postgres_url, pgconn, sqliteconn
from collector.storage.identity import IdentityCache, Resolver
from collector.storage.ingest_worker import run_group
from tests.conftest import Api, count_rows, make_portals

ANN = "ann@example.com"


@pytest.fixture
def events(api: Api) -> tuple[str, str]:
    """A plain contact event, and one whose customMatchingId finds the contact by email."""
    api.define("signed_up")
    api.define("logged_in", {"name": "user_email", "label": "User email", "type": "string"},
               customMatchingId={"primaryObjectRule": {"targetObjectPropertyName": "email",
                                                       "eventPropertyName": "user_email"}})
    return api.fqn("signed_up"), api.fqn("logged_in")


def stored(api: Api) -> list[tuple[str, str]]:
    """(event, the email of its contact) of every completion, in the order sent."""
    found = api.events(limit=1000, sort="ASCENDING")["results"]
    emails = {}
    for contact_id in {r["objectId"] for r in found}:
        read = api.get(f"/crm/v3/objects/contacts/{contact_id}")
        assert read.status_code == 200, read.text
        emails[contact_id] = read.json()["properties"].get("email")
    return [(r["eventType"], emails[r["objectId"]]) for r in found]


def batch(api: Api, *inputs: dict[str, Any]) -> Any:
    return api.post("/events/v3/send/batch", json={"inputs": list(inputs)})


def send_all(api: Api, how: str, inputs: list[dict[str, Any]]) -> None:
    """Send ``inputs`` as one batch or as one request each, in order; every answer a 204."""
    answers = ([batch(api, *inputs)] if how == "batch"
               else [api.post("/events/v3/send", json=body) for body in inputs])
    for response in answers:
        assert response.status_code == 204, response.text


@pytest.mark.parametrize("how", ["batch", "apart"])
def test_a_match_finds_the_contact_an_earlier_input_created(
        api: Api, events: tuple[str, str], database: str, how: str) -> None:
    """A batch said 400 "no contact has email = 'Ann@Example.com'" (inputs[1]) and stored
    nothing; the same inputs sent apart were stored. A retry is stored once."""
    signed_up, logged_in = events
    inputs = [{"eventName": signed_up, "email": ANN, "occurredAt": 1, "uuid": str(uuid.uuid4())},
              {"eventName": logged_in, "properties": {"user_email": "Ann@Example.com"},
               "occurredAt": 2, "uuid": str(uuid.uuid4())}]
    send_all(api, how, inputs)
    send_all(api, how, inputs)
    assert stored(api) == [(signed_up, ANN), (logged_in, ANN)]
    assert count_rows(database, "objects") == 1


@pytest.mark.parametrize("how", ["batch", "apart"])
def test_a_match_wins_over_the_fallback_identifiers(api: Api, events: tuple[str, str],
                                                    how: str) -> None:
    """With a utk as well, a batch stored the matching input on the utk's anonymous
    contact (and answered 204): the match decides, as it does when the inputs are apart."""
    signed_up, logged_in = events
    send_all(api, how, [{"eventName": signed_up, "email": ANN, "occurredAt": 1},
                        {"eventName": logged_in, "utk": "visitor-1", "occurredAt": 2,
                         "properties": {"user_email": ANN}}])
    assert stored(api) == [(signed_up, ANN), (logged_in, ANN)]


@pytest.mark.parametrize("how", ["batch", "apart"])
def test_a_match_finds_the_visitor_an_earlier_input_identified(
        api: Api, events: tuple[str, str], database: str, how: str) -> None:
    """The anonymous contact of a utk becomes Ann's when she identifies; a later match on
    her email finds that contact."""
    signed_up, logged_in = events
    send_all(api, how, [{"eventName": signed_up, "utk": "visitor-1", "occurredAt": 1},
                        {"eventName": signed_up, "utk": "visitor-1", "email": ANN,
                         "occurredAt": 2},
                        {"eventName": logged_in, "properties": {"user_email": ANN},
                         "occurredAt": 3}])
    assert stored(api) == [(signed_up, ANN), (signed_up, ANN), (logged_in, ANN)]
    assert count_rows(database, "objects") == 1


def test_many_matches_find_the_contacts_of_many_earlier_inputs(
        api: Api, events: tuple[str, str], database: str) -> None:
    signed_up, logged_in = events
    emails = [f"user{n}@example.com" for n in range(250)]
    inputs = [{"eventName": signed_up, "email": email, "occurredAt": 1} for email in emails]
    inputs += [{"eventName": logged_in, "properties": {"user_email": email}, "occurredAt": 2}
               for email in reversed(emails)]
    assert batch(api, *inputs).status_code == 204
    assert count_rows(database, "objects") == 250
    assert sorted(stored(api)) == sorted({(e, email) for e in events for email in emails})


def test_a_match_before_the_input_that_creates_its_contact_is_refused(
        api: Api, events: tuple[str, str], database: str) -> None:
    """In order: the contact does not exist yet when the matching input comes (as with
    two requests sent in this order), so the batch is refused and writes nothing."""
    signed_up, logged_in = events
    response = batch(api, {"eventName": logged_in, "properties": {"user_email": ANN}},
                     {"eventName": signed_up, "email": ANN})
    assert response.status_code == 400, response.text
    assert [e["in"] for e in response.json()["errors"]] == ["inputs[0].properties.user_email"]
    assert count_rows(database, "completions") == count_rows(database, "objects") == 0


def test_an_email_an_input_is_not_stored_by_makes_no_contact(
        api: Api, events: tuple[str, str], database: str) -> None:
    """inputs[1] is stored on Ann (its match decides), so Bob's contact is never made and
    inputs[2]'s match on Bob finds nothing, as when the three are sent apart; the refusal
    names each unmatched input and the batch writes nothing."""
    signed_up, logged_in = events
    bob = "bob@example.com"
    response = batch(api, {"eventName": signed_up, "email": ANN},
                     {"eventName": logged_in, "email": bob, "properties": {"user_email": ANN}},
                     {"eventName": logged_in, "properties": {"user_email": bob}},
                     {"eventName": logged_in, "properties": {"user_email": "eve@example.com"}})
    assert response.status_code == 400, response.text
    assert [e["in"] for e in response.json()["errors"]] == [
        "inputs[2].properties.user_email", "inputs[3].properties.user_email"]
    assert count_rows(database, "completions") == count_rows(database, "objects") == 0


def test_a_match_finds_the_contact_an_earlier_request_of_its_group_created(
        database: str) -> None:
    """Two requests in one ingest transaction (the writer's group commit): the second sees
    the contact the first created, uncommitted, in the same transaction (this worked)."""
    portal = make_portals(database, "P")[0].portal_id
    backend = pgconn if is_postgres_url(database) else sqliteconn
    transactor: Any = (pgconn.Transactor(database) if backend is pgconn
                       else sqliteconn.SQLiteTransactor(database, 5000))

    def job(**identity: Any) -> tuple[str, int, tuple[Any, ...]]:
        completion = NewCompletion(id=str(uuid.uuid4()), event_name="x", object_type="CONTACT",
                                   occurred_at=10**12, received_at=10**12, properties={},
                                   source="HTTP", **identity)
        return ("completions", portal, ([completion], 10**6))

    conn = transactor.connect()
    try:
        outcomes = run_group(transactor, backend.DIALECT, conn, IdentityCache(),
                             [job(email=ANN), job(match=("email", ANN, "user_email"))])
    finally:
        transactor.close(conn)
    assert outcomes == [(True, 1), (True, 1)]
    assert count_rows(database, "objects") == 1
    assert count_rows(database, "completions") == 2


@pytest.mark.parametrize("how", ["batch", "apart"])
def test_a_match_before_the_creating_input_keeps_its_fallback_when_a_later_one_matches(
        api: Api, events: tuple[str, str], how: str) -> None:
    """inputs[0] matches Ann before inputs[1] makes her, so it is stored by its utk (as when
    sent apart); inputs[2], after, is stored on Ann. The promise inputs[2]'s check made
    belongs to inputs[2] alone: taken by the match's key, it reached inputs[0] too, whose
    resolve found no Ann yet (an AssertionError: the group failed, 503 on every retry)."""
    signed_up, logged_in = events
    send_all(api, how, [{"eventName": logged_in, "utk": "visitor-1", "occurredAt": 1,
                         "properties": {"user_email": ANN}},
                        {"eventName": signed_up, "email": ANN, "occurredAt": 2},
                        {"eventName": logged_in, "occurredAt": 3,
                         "properties": {"user_email": ANN}}])
    assert stored(api) == [(logged_in, None), (signed_up, ANN), (logged_in, ANN)]


@pytest.mark.parametrize("how", ["batch", "apart"])
def test_a_promise_does_not_reach_an_earlier_input_whose_email_made_a_contact(
        api: Api, events: tuple[str, str], how: str) -> None:
    """inputs[0]'s match on Zoe misses, so it is stored by its email (Carl), and inputs[1]
    finds Carl by that email; inputs[3] is stored on Zoe, whom inputs[2] made. A promise of
    inputs[3] taken by the key inputs[0] shares moved inputs[0] to a Zoe not made yet."""
    signed_up, logged_in = events
    carl, zoe = "carl@example.com", "zoe@example.com"
    send_all(api, how, [{"eventName": logged_in, "email": carl, "occurredAt": 1,
                         "properties": {"user_email": zoe}},
                        {"eventName": logged_in, "occurredAt": 2,
                         "properties": {"user_email": carl}},
                        {"eventName": signed_up, "email": zoe, "occurredAt": 3},
                        {"eventName": logged_in, "occurredAt": 4,
                         "properties": {"user_email": zoe}}])
    assert stored(api) == [(logged_in, carl), (logged_in, carl), (signed_up, zoe),
                           (logged_in, zoe)]


def test_each_completion_is_resolved_as_its_own_check_decided(
        database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL reads committed rows statement by statement: another collector may commit
    Zoe between two checks of one batch. inputs[0]'s match missed (it is stored by Carl's
    email, which inputs[1]'s match was promised); inputs[2]'s found Zoe. Taken by the
    match's key at resolve, inputs[0] went to Zoe, Carl was never made and inputs[1]'s
    promise failed the job (AssertionError: 503). The first lookup of Zoe is made to miss
    here, as it did before the other collector's commit."""
    portal = make_portals(database, "P")[0].portal_id
    backend = pgconn if is_postgres_url(database) else sqliteconn
    transactor: Any = (pgconn.Transactor(database) if backend is pgconn
                       else sqliteconn.SQLiteTransactor(database, 5000))
    carl, zoe = "carl@example.com", "zoe@example.com"

    def job(*completions: dict[str, Any]) -> tuple[str, int, tuple[Any, ...]]:
        return ("completions", portal, ([
            NewCompletion(id=str(uuid.uuid4()), event_name="x", object_type="CONTACT",
                          occurred_at=10**12 + n, received_at=10**12, properties={},
                          source="HTTP", **identity)
            for n, identity in enumerate(completions)], 10**6))

    original, missed = Resolver._match, list[str]()

    def match(self: Resolver, object_type: str, prop: str, value: str) -> int | None:
        if value == zoe and not missed:
            missed.append(value)
            return None
        return original(self, object_type, prop, value)

    conn = transactor.connect()
    try:
        assert run_group(transactor, backend.DIALECT, conn, IdentityCache(),
                         [job({"email": zoe})]) == [(True, 1)]
        monkeypatch.setattr(Resolver, "_match", match)
        outcomes = run_group(transactor, backend.DIALECT, conn, IdentityCache(), [job(
            {"email": carl, "match": ("email", zoe, "user_email")},
            {"match": ("email", carl, "user_email")},
            {"match": ("email", zoe, "user_email")})])
    finally:
        transactor.close(conn)
    assert outcomes == [(True, 3)]
    assert count_rows(database, "objects") == 2
    assert _emails_in_order(database) == [zoe, carl, carl, zoe]


def _emails_in_order(database: str) -> list[str]:
    """The email of each completion's contact, by occurredAt."""
    sql = ("SELECT o.email FROM completions c JOIN objects o ON o.id = c.object_id"
           " ORDER BY c.occurred_at, c.seq")
    if is_postgres_url(database):
        import psycopg

        with psycopg.connect(database) as pg:
            return [r[0] for r in pg.execute(sql).fetchall()]
    with contextlib.closing(sqlite3.connect(database)) as lite:
        return [r[0] for r in lite.execute(sql).fetchall()]
