"""When the store cannot write: 503, nothing of the request stored, nothing acknowledged lost."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid

import pytest

from collector.errors import StoreUnavailable
from collector.model import NewCompletion
from collector.portals import NewPortal
from collector.storage import Store
from collector.storage.sqlstore import SqlStore
from tests.conftest import Api, count_rows, in_store, refused_inserts

T0 = 1_700_000_000_000


def _input(api: Api, number: int) -> dict[str, object]:
    return {"eventName": api.fqn("ping"), "email": f"u{number}@example.com",
            "uuid": str(uuid.uuid4())}


def test_send_gets_503_and_the_retry_is_stored_once(api: Api, database: str,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    api.define("ping")
    acknowledged = _input(api, 1)
    assert api.send(**acknowledged).status_code == 204
    refused = _input(api, 2)
    with refused_inserts(database), caplog.at_level(logging.DEBUG, "footfall.errors"):
        response = api.send(**refused)
        assert response.status_code == 503, response.text
        body = response.json()
        assert body["category"] == "SERVICE_UNAVAILABLE"
        assert response.headers["retry-after"] == "1"
    # The database's own words (and where it is) are for the log, not for any client.
    assert body["message"] == StoreUnavailable.PUBLIC
    assert "disk says no" not in response.text
    [logged] = [r.getMessage() for r in caplog.records if body["correlationId"] in r.getMessage()]
    assert "disk says no" in logged
    assert count_rows(database, "completions") == 1
    # The client retries the same uuid once the store is back: stored exactly once.
    assert api.send(**refused).status_code == 204
    assert api.send(**refused).status_code == 204
    ids = sorted(r["id"] for r in api.events()["results"])
    assert ids == sorted([str(acknowledged["uuid"]), str(refused["uuid"])])


def test_a_failed_batch_stores_nothing_not_even_its_new_contacts(api: Api, database: str) -> None:
    api.define("ping")
    with refused_inserts(database):
        response = api.post("/events/v3/send/batch",
                            json={"inputs": [_input(api, n) for n in range(20)]})
        assert response.status_code == 503, response.text
    assert count_rows(database, "completions") == 0
    assert count_rows(database, "objects") == 0
    assert count_rows(database, "usage") == 0


def test_a_fault_fails_only_what_could_not_commit(api: Api, database: str) -> None:
    api.define("ping")
    assert api.post("/events/v3/send/batch",
                    json={"inputs": [_input(api, n) for n in range(5)]}).status_code == 204
    with refused_inserts(database, "objects"):
        # A known contact needs no new row: this one still commits.
        assert api.send(eventName=api.fqn("ping"), email="u1@example.com").status_code == 204
        assert api.send(**_input(api, 99)).status_code == 503
    assert count_rows(database, "completions") == 6


def test_a_request_the_database_refuses_fails_alone_not_with_its_group(
        database: str, portals: list[NewPortal]) -> None:
    """One request's rows refused (a value the database will not take; a bug) is that
    request's 503; the requests committed in the same group transaction are stored."""
    portal = portals[0].portal_id
    poisoned = {5, 17, 18, 33}

    def completion(number: int) -> NewCompletion:
        return NewCompletion(id=str(uuid.uuid4()), event_name=f"e{number}", object_type="CONTACT",
                             occurred_at=T0, received_at=T0, properties={}, source="HTTP",
                             email=f"u{number}@example.com")

    async def burst(store: Store) -> list[object]:
        # Sent at once: they wait for the writer together and go out as one group.
        return await asyncio.gather(*(store.append_completions(portal, [completion(n)], 10**9)
                                      for n in range(40)), return_exceptions=True)

    names = ", ".join(f"'e{n}'" for n in sorted(poisoned))
    with refused_inserts(database, when=f"NEW.event_name IN ({names})"):
        outcomes = in_store(database, burst)
    assert {n for n, o in enumerate(outcomes) if isinstance(o, StoreUnavailable)} == poisoned
    assert [o for n, o in enumerate(outcomes) if n not in poisoned] == [1] * 36
    assert count_rows(database, "completions") == 36
    assert count_rows(database, "objects") == 36  # the refused ones' new contacts undone


def test_the_health_ping_does_not_queue_behind_busy_readers(database: str) -> None:
    """/healthz pings on a thread of its own: long reads (say, analytics over a year) on
    every reader thread no longer make a load balancer take a working collector out."""

    async def busy(store: Store) -> None:
        assert isinstance(store, SqlStore)
        release = threading.Event()
        slow = [asyncio.ensure_future(store._read(lambda conn: release.wait(10)))
                for _ in range(8)]
        await asyncio.sleep(0.3)  # every reader is blocked now, more reads wait for one
        try:
            await asyncio.wait_for(store.ping(), 2)
        finally:
            release.set()
            await asyncio.gather(*slow)

    in_store(database, busy)
