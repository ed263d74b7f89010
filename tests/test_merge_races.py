"""Merges racing other writers on PostgreSQL: two collectors (or one collector's writer
thread and its ingest child) resolve the same visitor at once. Each transaction is driven
step by step through the real write path (``ingest_sql.store_completions``), so the
interleaving is exact, not hoped for."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import psycopg
import pytest

from collector.model import NewCompletion
from collector.storage import identity
from collector.storage.identity import IdentityCache
from collector.storage.ingest_sql import store_completions
from collector.storage.merges import merge_contact
from collector.storage.pgconn import DIALECT, PgConnection
from collector.storage.queries import now_ms
from collector.storage.tx import Tx
from tests.conftest import Api
from tests.test_send_api import create_object, results, send_ok

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


def _completion(event: str, **identity: Any) -> NewCompletion:
    now = now_ms()
    return NewCompletion("", event, "CONTACT", now, now, {}, "HTTP", **identity)


def _begin(database: str, portal_id: int, event: str, **identity: Any) -> Tx[PgConnection]:
    """A writer transaction that has resolved (and buffered) one completion, not flushed."""
    tx: Tx[PgConnection] = Tx(PgConnection(database))
    tx.conn.raw.execute("BEGIN")
    store_completions(tx, DIALECT, IdentityCache(), portal_id,
                      [_completion(event, **identity)], 10**9)
    return tx


def _commit(tx: Tx[PgConnection]) -> None:
    tx.run_before_commit()
    tx.conn.raw.execute("COMMIT")
    tx.conn.close()


def _wait_until_blocked(database: str) -> None:
    with psycopg.connect(database, autocommit=True) as pg:
        for _ in range(500):
            row = pg.execute("SELECT count(*) FROM pg_stat_activity"
                             " WHERE wait_event_type = 'Lock'").fetchone()
            if row and row[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the merging transaction never waited")


def _orphans(database: str) -> int:
    with psycopg.connect(database) as pg:
        row = pg.execute("SELECT count(*) FROM completions c WHERE NOT EXISTS (SELECT 1"
                         " FROM objects o WHERE o.portal_id = c.portal_id"
                         " AND o.id = c.object_id)").fetchone()
        return int(row[0]) if row else 0


@pytest.fixture
def event(api: Api) -> str:
    api.define("purchased")
    return api.fqn("purchased")


def test_a_merge_never_deletes_a_contact_another_writer_just_gave_an_email(
        api: Api, event: str, database: str) -> None:
    """Writer A identifies the visitor as a new address (the anonymous contact becomes
    new@example.com) while writer B identifies the same visitor as dave, an existing contact.
    B read the contact as anonymous before A committed; its merge must not delete it now."""
    send_ok(api, eventName=event, utk="visitor-r")
    create_object(api, "contacts", email="dave@example.com")
    first = _begin(database, api.portal_id, event, email="new@example.com", utk="visitor-r")
    merging: list[Tx[PgConnection]] = []
    thread = threading.Thread(target=lambda: merging.append(_begin(
        database, api.portal_id, event, email="dave@example.com", utk="visitor-r")))
    thread.start()
    _wait_until_blocked(database)
    _commit(first)
    thread.join(10)
    _commit(merging[0])
    found = api.get("/crm/v3/objects/contacts/new@example.com", params={"idProperty": "email"})
    assert found.status_code == 200, "the contact new@example.com was deleted by the merge"
    assert _orphans(database) == 0


def _contacts(database: str, portal_id: int) -> int:
    with psycopg.connect(database) as pg:
        row = pg.execute("SELECT count(*) FROM objects WHERE portal_id = %s"
                         " AND object_type = 'CONTACT'", (portal_id,)).fetchone()
        return int(row[0]) if row else 0


def _merge_waiting_for(database: str, first: Tx[PgConnection], portal_id: int,
                       event: str, email: str, utk: str) -> None:
    """Writer B identifies ``utk`` as ``email`` (merging its anonymous contact) while
    ``first`` is open: the merge must wait for ``first`` to commit, and then commit itself."""
    merging: list[Tx[PgConnection]] = []
    thread = threading.Thread(target=lambda: merging.append(_begin(
        database, portal_id, event, email=email, utk=utk)))
    thread.start()
    _wait_until_blocked(database)
    _commit(first)
    thread.join(10)
    assert merging, "the merge did not finish once the other writer committed"
    _commit(merging[0])


def test_a_completion_stored_by_utk_during_a_merge_follows_the_merge(
        api: Api, event: str, database: str) -> None:
    """Writer A resolves a hit by the visitor's utk (its anonymous contact) while writer B
    merges that contact into dave: the hit must not be left on the deleted row (invisible
    on dave's timeline, counted for a contact that does not exist). B's delete waits for A
    to commit, and B then moves A's hit too."""
    send_ok(api, eventName=event, utk="visitor-s")
    dave = create_object(api, "contacts", email="dave@example.com")
    hit = _begin(database, api.portal_id, event, utk="visitor-s")
    _merge_waiting_for(database, hit, api.portal_id, event, "dave@example.com", "visitor-s")
    assert {r["objectId"] for r in results(api)} == {dave}
    assert len(results(api)) == 3
    assert _orphans(database) == 0


def test_a_hit_by_utk_waiting_for_a_merge_goes_to_the_survivor(
        api: Api, event: str, database: str) -> None:
    """Writer B has merged the visitor's anonymous contact into dave (not committed yet) when
    writer A looks the utk up: A waits, finds the contact gone, and stores the hit on dave,
    the contact the visitor now names, without leaving an empty contact behind."""
    send_ok(api, eventName=event, utk="visitor-t")
    dave = create_object(api, "contacts", email="dave@example.com")
    merge = _begin(database, api.portal_id, event, email="dave@example.com", utk="visitor-t")
    hits: list[Tx[PgConnection]] = []
    thread = threading.Thread(target=lambda: hits.append(_begin(
        database, api.portal_id, event, utk="visitor-t")))
    thread.start()
    _wait_until_blocked(database)
    _commit(merge)
    thread.join(10)
    assert hits, "the hit did not resolve once the merge committed"
    _commit(hits[0])
    assert {r["objectId"] for r in results(api)} == {dave}
    assert len(results(api)) == 3
    assert _orphans(database) == 0
    assert _contacts(database, api.portal_id) == 1, "an empty contact was left behind"


def test_a_completion_sent_by_objectid_during_a_merge_follows_the_merge(
        api: Api, event: str, database: str) -> None:
    """As by utk, a send naming the anonymous contact by its objectId while a merge of it
    is under way ends up on the surviving contact."""
    send_ok(api, eventName=event, utk="visitor-u")
    anonymous = int(results(api)[0]["objectId"])
    dave = create_object(api, "contacts", email="dave@example.com")
    sent = _begin(database, api.portal_id, event, object_id=anonymous)
    _merge_waiting_for(database, sent, api.portal_id, event, "dave@example.com", "visitor-u")
    assert {r["objectId"] for r in results(api)} == {dave}
    assert len(results(api)) == 3
    assert _orphans(database) == 0


def test_two_identifies_of_one_anonymous_visitor_at_once_do_not_deadlock(
        api: Api, event: str, database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two writers tie one anonymous visitor to two contacts at once. Both used to hold the
    visitor's contact FOR KEY SHARE before either's merge deleted it, so each DELETE waited
    for the other's lock: a deadlock (1 s, then the group ran again). The second now waits
    for the first's commit when it reads the visitor, and then ties the utk as on a shared
    device. The merges are made to meet (a barrier) unless one writer waits before them."""
    send_ok(api, eventName=event, utk="visitor-x")
    emails = ("dave@example.com", "erin@example.com")
    for email in emails:
        create_object(api, "contacts", email=email)
    barrier = threading.Barrier(2, timeout=2)

    def together(*args: Any) -> bool:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return merge_contact(*args)

    monkeypatch.setattr(identity, "merge_contact", together)
    done: list[Any] = []

    def identify(email: str) -> None:
        try:
            done.append(_begin(database, api.portal_id, event, email=email, utk="visitor-x"))
        except Exception as exc:
            done.append(exc)

    writers = [threading.Thread(target=identify, args=(email,)) for email in emails]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + 10
    while not done and time.monotonic() < deadline:
        time.sleep(0.05)
    committed = [d for d in done if isinstance(d, Tx)]
    for tx in committed:  # the first through: the other goes on once it commits
        _commit(tx)
    for writer in writers:
        writer.join(10)
    for tx in [d for d in done if isinstance(d, Tx) and d not in committed]:
        _commit(tx)
    assert [d for d in done if not isinstance(d, Tx)] == []
    assert len(done) == 2
    assert _orphans(database) == 0
