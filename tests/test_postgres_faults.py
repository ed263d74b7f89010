"""PostgreSQL restarted under load, and several collectors writing the same completions.

A real ``footfall serve`` process sends through a real PostgreSQL that is stopped and
started again: what could not commit is answered 503, the collector reconnects by itself,
nothing acknowledged is lost and retried completions are never stored twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2
import psycopg
import pytest

from collector.errors import StoreUnavailable
from collector.model import NewCompletion
from collector.storage import open_store
from collector.storage.postgres import PostgresStore
from tests.conftest import make_portals
from tests.pgcluster import Cluster
from tests.realserver import serve


class Sender:
    """Threads sending small batches; every batch remembers its uuids and its answer."""

    def __init__(self, base: str, token: str, event: str) -> None:
        self.base, self.event = base, event
        self.headers = {"Authorization": f"Bearer {token}"}
        self.acked: set[str] = set()
        self.failed: list[list[dict[str, Any]]] = []
        self.other: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.saw_503 = threading.Event()
        self.progress = threading.Condition(self.lock)

    def batch(self) -> list[dict[str, Any]]:
        return [{"eventName": self.event, "utk": f"v{i}", "uuid": str(uuid.uuid4())}
                for i in range(10)]

    def post(self, client: httpx2.Client, inputs: list[dict[str, Any]]) -> int:
        try:
            return client.post("/events/v3/send/batch", json={"inputs": inputs},
                               headers=self.headers).status_code
        except httpx2.TransportError as exc:
            return -len(str(exc)) - 1

    def run(self) -> None:
        with httpx2.Client(base_url=self.base, timeout=30) as client:
            while not self.stop.is_set():
                inputs = self.batch()
                status = self.post(client, inputs)
                with self.lock:
                    if status == 204:
                        self.acked.update(i["uuid"] for i in inputs)
                    elif status == 503:
                        self.failed.append(inputs)
                        self.saw_503.set()
                    else:
                        self.other.append(str(status))
                    self.progress.notify_all()

    def wait_for(self, predicate: Any, timeout: float = 30) -> None:
        with self.progress:
            assert self.progress.wait_for(predicate, timeout), "senders made no progress"


def test_restart_under_load_loses_nothing_acknowledged(pg_cluster: Cluster) -> None:
    url = pg_cluster.new_database()
    portal = make_portals(url, "Load")[0]
    with serve(url) as base:
        headers = {"Authorization": f"Bearer {portal.token}"}
        created = httpx2.post(f"{base}/events/v3/event-definitions", headers=headers,
                              json={"label": "Ping", "name": "ping"})
        assert created.status_code == 201, created.text
        sender = Sender(base, portal.token, f"pe{portal.portal_id}_ping")
        threads = [threading.Thread(target=sender.run) for _ in range(3)]
        for thread in threads:
            thread.start()
        try:
            sender.wait_for(lambda: len(sender.acked) >= 200)
            pg_cluster.pg_ctl("stop")
            assert sender.saw_503.wait(30), "no request was refused while PostgreSQL was down"
            down = httpx2.get(f"{base}/healthz", timeout=10)  # a load balancer looks away
            assert (down.status_code, down.json()) == (503, {"status": "unavailable"})
            pg_cluster.pg_ctl("start")
            before = len(sender.acked)
            sender.wait_for(lambda: len(sender.acked) >= before + 200)  # it reconnected
            assert httpx2.get(f"{base}/healthz", timeout=10).json() == {"status": "ok"}
        finally:
            sender.stop.set()
            for thread in threads:
                thread.join()
        assert sender.other == []
        with httpx2.Client(base_url=base, timeout=30) as client:
            for inputs in sender.failed:  # a client retries what was refused
                assert sender.post(client, inputs) == 204
            read = client.get("/events/v3/events", params={"limit": 1}, headers=headers)
            assert read.status_code == 200, read.text
    sent = sender.acked | {i["uuid"] for inputs in sender.failed for i in inputs}
    with psycopg.connect(url) as conn:
        stored = [str(row[0]) for row in conn.execute("SELECT id FROM completions")]
        usage = conn.execute("SELECT sum(count) FROM usage").fetchone()
    assert len(stored) == len(set(stored)), "a completion was stored twice"
    assert sender.acked <= set(stored), "an acknowledged completion was lost"
    assert set(stored) == sent
    assert usage is not None
    assert usage[0] == len(stored)


def test_collectors_racing_on_the_same_uuids_store_each_once(pg_cluster: Cluster) -> None:
    url = pg_cluster.new_database()
    portal = make_portals(url, "Race")[0].portal_id
    ids = [str(uuid.uuid4()) for _ in range(600)]

    def completions(offset: int) -> list[NewCompletion]:
        chosen = ids[offset:] + ids[:offset]  # the same uuids, in different orders
        return [NewCompletion(id=i, event_name="e", object_type="CONTACT", occurred_at=1,
                              received_at=1_700_000_000_000, properties={}, source="HTTP",
                              email=f"c{n % 7}@example.com") for n, i in enumerate(chosen)]

    async def collector(offset: int) -> int:
        store = open_store(url)
        await store.open()
        try:
            counts = await asyncio.gather(*(store.append_completions(
                portal, completions(offset)[k:k + 50], 10**9) for k in range(0, 600, 50)))
            return sum(counts)
        finally:
            await store.close()

    async def race() -> list[int]:
        return list(await asyncio.gather(*(collector(o) for o in (0, 200, 400))))

    accepted = asyncio.run(race())
    assert accepted == [len(ids)] * 3  # each collector acknowledged all it was given
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*), count(DISTINCT id) FROM completions").fetchone()
        contacts = conn.execute("SELECT count(*) FROM objects").fetchone()
    assert row == (600, 600)
    assert contacts == (7,)


def _completion(**fields: Any) -> NewCompletion:
    return NewCompletion(**{"id": str(uuid.uuid4()), "event_name": "e", "object_type": "CONTACT",
                            "occurred_at": 1, "received_at": 1_700_000_000_000,
                            "properties": {}, "source": "HTTP", **fields})


def test_collectors_sending_the_same_uuids_in_any_order_never_deadlock(pg_cluster: Cluster) -> None:
    """A retry storm reaches collectors in different orders, for a contact that exists (no
    contact row lines them up): each group inserts its rows in uuid order, and a group that
    still loses a race runs again rather than answering 503."""
    url = pg_cluster.new_database()
    portal = make_portals(url, "Storm")[0].portal_id
    ids = [str(uuid.uuid4()) for _ in range(3000)]

    async def storm() -> list[object]:
        stores = [open_store(url) for _ in range(3)]
        for store in stores:
            await store.open()
        try:
            contact = (await stores[0].create_object(portal, "CONTACT", {})).id
            return list(await asyncio.gather(*(
                store.append_completions(portal, [_completion(id=i, object_id=contact)
                                                  for i in ids[o:] + ids[:o]], 10**9)
                for store, o in zip(stores, (0, 1000, 2000), strict=True)),
                return_exceptions=True))
        finally:
            for store in stores:
                await store.close()

    assert asyncio.run(storm()) == [3000, 3000, 3000]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM completions").fetchone() == (3000,)
        assert conn.execute("SELECT sum(count) FROM usage").fetchone() == (3000,)


def test_one_uuid_for_several_events_is_inserted_in_key_order(pg_cluster: Cluster) -> None:
    """A uuid is unique within its event: a group's rows lock in (uuid, event) order, not in
    the order they were sent, so two collectors given one uuid's events in opposite orders
    (a retry storm) do not deadlock on each other's rows."""
    url = pg_cluster.new_database()
    portal = make_portals(url, "Keys")[0].portal_id
    key = str(uuid.uuid4())

    async def send() -> int:
        store = open_store(url)
        await store.open()
        try:
            return await store.append_completions(
                portal, [_completion(id=key, event_name=name, utk="device1")
                         for name in ("shipped", "placed", "billed")], 10**9)
        finally:
            await store.close()

    assert asyncio.run(send()) == 3
    with psycopg.connect(url) as conn:  # a fresh table's rows lie in the order inserted
        inserted = [r[0] for r in conn.execute("SELECT event_name FROM completions ORDER BY ctid")]
        sent = [r[0] for r in conn.execute("SELECT event_name FROM completions ORDER BY seq")]
    assert inserted == ["billed", "placed", "shipped"]
    assert sent == ["shipped", "placed", "billed"]  # seq keeps the order they were sent


def test_identifying_one_visitor_as_two_people_at_once_keeps_both(pg_cluster: Cluster) -> None:
    """Two collectors identify the same anonymous visitor with different emails: the second
    does not take over the contact the first just gave an email; it gets its own."""
    url = pg_cluster.new_database()
    portal = make_portals(url, "Shared")[0].portal_id

    async def scenario() -> None:
        store = open_store(url)
        await store.open()
        try:
            await store.append_completions(portal, [_completion(utk="device1")], 10**9)
            with psycopg.connect(url) as other:  # the other collector, mid-transaction
                other.execute("UPDATE objects SET email = 'first@example.com'"
                              " WHERE email IS NULL")
                send = asyncio.ensure_future(store.append_completions(
                    portal, [_completion(email="second@example.com", utk="device1")], 10**9))
                await asyncio.sleep(0.5)
                other.commit()
            assert await send == 1
        finally:
            await store.close()

    asyncio.run(scenario())
    with psycopg.connect(url) as conn:
        emails = [row[0] for row in conn.execute("SELECT email FROM objects ORDER BY id")]
    assert emails == ["first@example.com", "second@example.com"]


# Jobs of fewer than 100 completions are written by the ingest child process, larger ones
# by the server's writer thread: the fault tests run with one of each.
WRITERS = pytest.mark.parametrize("size", [1, 100], ids=["ingest-child", "writer-thread"])


def _completions(size: int, utk: str) -> list[NewCompletion]:
    return [_completion(utk=utk) for _ in range(size)]


@WRITERS
def test_the_first_write_after_a_restart_is_stored(pg_cluster: Cluster, size: int) -> None:
    """The writer's idle connection died with the server: the next group reconnects before
    it starts instead of answering 503."""
    url = pg_cluster.new_database()
    portal = make_portals(url, "Restart")[0].portal_id

    async def scenario() -> list[int]:
        store = open_store(url)
        await store.open()
        try:
            first = await store.append_completions(portal, _completions(size, "v"), 10**9)
            pg_cluster.pg_ctl("restart")
            second = await store.append_completions(portal, _completions(size, "v"), 10**9)
            return [first, second]
        finally:
            await store.close()

    assert asyncio.run(scenario()) == [size, size]


@WRITERS
def test_writes_while_the_server_is_down_fail_quietly(pg_cluster: Cluster, size: int,
                                                      caplog: pytest.LogCaptureFixture,
                                                      capfd: pytest.CaptureFixture[str]) -> None:
    """The reconnect's StoreUnavailable was taken for one job's fault: each group was split
    and retried against a server that was down, with a traceback per part (the ingest
    child logs to the server's standard error, the writer thread to its logger)."""
    url = pg_cluster.new_database()
    portal = make_portals(url, "Down")[0].portal_id

    async def scenario() -> list[BaseException | int]:
        store = open_store(url)
        await store.open()
        try:
            assert await store.append_completions(portal, _completions(size, "u"), 10**9) == size
            pg_cluster.pg_ctl("stop")
            try:
                return await asyncio.gather(*(
                    store.append_completions(portal, _completions(size, f"v{i}"), 10**9)
                    for i in range(8)), return_exceptions=True)
            finally:
                pg_cluster.pg_ctl("start")
        finally:
            await store.close()

    with caplog.at_level(logging.WARNING):
        outcomes = asyncio.run(scenario())
    assert all(isinstance(o, StoreUnavailable) for o in outcomes), outcomes
    assert not [r for r in caplog.records if "running its parts apart" in r.getMessage()]
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    child_log = capfd.readouterr().err
    assert "Traceback" not in child_log
    assert "running its parts apart" not in child_log
    assert "failed alone" not in child_log


def _cluster_processes(cluster: Cluster) -> list[int]:
    """The postmaster (first line of postmaster.pid) and every process it started."""
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                children.append(int(entry.name))
    return [postmaster, *children]


@WRITERS
def test_a_server_that_stops_answering_gets_503s_in_bounded_time(pg_cluster: Cluster,
                                                                 size: int) -> None:
    """A PostgreSQL stopped (SIGSTOP) keeps its connections open: reads and writes waited
    for as long as it was stopped (a dropped network path: until the kernel gave up)."""
    url = pg_cluster.new_database()
    portal = make_portals(url, "Frozen")[0].portal_id

    async def scenario() -> tuple[list[float], list[int]]:
        store = open_store(url, answer_timeout=1)
        await store.open()
        try:
            assert await store.append_completions(portal, _completions(size, "a"), 10**9) == size
            frozen = _cluster_processes(pg_cluster)
            for pid in frozen:
                os.kill(pid, signal.SIGSTOP)
            waited = []
            try:
                for call in (lambda: store.load_definitions(portal),
                             lambda: store.append_completions(portal, _completions(size, "b"),
                                                              10**9)):
                    start = time.monotonic()
                    with pytest.raises(StoreUnavailable, match="did not answer within 1 s"):
                        await call()
                    waited.append(time.monotonic() - start)
            finally:
                for pid in frozen:
                    os.kill(pid, signal.SIGCONT)
            # Answering again: the store works without being reopened.
            after = [await store.append_completions(portal, _completions(size, "c"), 10**9),
                     len(await store.load_definitions(portal))]
            return waited, after
        finally:
            await store.close()

    waited, after = asyncio.run(scenario())
    assert all(0.9 < w < 5 for w in waited), waited
    assert after == [size, 0]


@WRITERS
def test_closing_while_the_server_stopped_answering_takes_bounded_time(pg_cluster: Cluster,
                                                                       size: int) -> None:
    """A group waits on a frozen PostgreSQL (its request has had its 503): closing the store
    waits for it at most the answer timeout. It waited for as long as the server was
    stopped. The ingest child is killed; a stuck writer thread is left behind."""
    url = pg_cluster.new_database()
    portal = make_portals(url, "Closing")[0].portal_id

    async def scenario() -> tuple[float, int | None]:
        store = open_store(url, answer_timeout=1)
        await store.open()
        closed = False
        try:
            assert isinstance(store, PostgresStore)
            assert await store.append_completions(portal, _completions(size, "a"), 10**9) == size
            child = store._ingest_process._child
            frozen = _cluster_processes(pg_cluster)
            for pid in frozen:
                os.kill(pid, signal.SIGSTOP)
            try:
                with pytest.raises(StoreUnavailable, match="did not answer within 1 s"):
                    await store.append_completions(portal, _completions(size, "b"), 10**9)
                start = time.monotonic()
                await store.close()
                closed = True
                return time.monotonic() - start, None if child is None else child.process.returncode
            finally:
                for pid in frozen:
                    os.kill(pid, signal.SIGCONT)
        finally:
            if not closed:
                await store.close()

    took, returncode = asyncio.run(scenario())
    assert took < 5, took
    if size == 1:  # written by the ingest child, which was killed (once: a second kill
        # through asyncio could collect its status first, and asyncio reported 255)
        assert returncode == -signal.SIGKILL, returncode
    else:  # by the writer thread, which was waited for
        assert took > 0.9, took


def test_small_jobs_go_through_the_ingest_child_and_batches_through_the_writer(
        pg_cluster: Cluster) -> None:
    """Single sends and JS hits are written by the ingest child (their round trips do not
    wait for the server's GIL); a batch of 100 or more by the server's writer thread. The
    child learns the database through its pipe: the URL is not in its command line."""
    url = pg_cluster.new_database()
    portal = make_portals(url, "Route")[0].portal_id

    async def scenario() -> tuple[list[int], bytes]:
        store = open_store(url)
        await store.open()
        try:
            assert isinstance(store, PostgresStore)
            child, writer = store._ingest_process, store._writer
            counts = []
            for size in (1, 99, 100):
                before = (child.transactions, writer.transactions)
                stored = await store.append_completions(
                    portal, [_completion(utk=f"v{i}") for i in range(size)], 10**9)
                assert stored == size
                counts += [child.transactions - before[0], writer.transactions - before[1]]
            assert child._child is not None
            return counts, Path(f"/proc/{child._child.process.pid}/cmdline").read_bytes()
        finally:
            await store.close()

    counts, cmdline = asyncio.run(scenario())
    assert counts == [1, 0, 1, 0, 0, 1]
    assert b"ingest_worker" in cmdline
    assert b"postgres" not in cmdline
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM completions").fetchone() == (200,)


def _waiting_for_a_lock(url: str) -> None:
    """Until a session of the database waits for a row lock."""
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(500):
            if conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname ="
                            " current_database() AND wait_event_type = 'Lock'").fetchone() != (0,):
                return
            time.sleep(0.01)
    raise AssertionError("nobody waited for a lock")


def test_a_small_send_whose_group_lost_a_deadlock_runs_again(pg_cluster: Cluster) -> None:
    """Another transaction locks the day's rollup row, then asks for the usage row that the
    ingest child's group holds while it waits for the rollup row: PostgreSQL aborts the
    child's group as the deadlock's loser. The group runs again once the other commits, and
    the send is stored (it was a 503)."""
    url = pg_cluster.new_database()
    portal = make_portals(url, "Deadlock")[0].portal_id

    async def scenario() -> int:
        store = open_store(url)
        await store.open()
        try:
            assert isinstance(store, PostgresStore)
            assert await store.append_completions(portal, [_completion(utk="a")], 10**9) == 1
            committed = store._ingest_process.transactions
            with psycopg.connect(url) as other:
                other.execute("UPDATE completion_days SET completions = completions"
                              " WHERE portal_id = %s", (portal,))
                send = asyncio.ensure_future(
                    store.append_completions(portal, [_completion(utk="b")], 10**9))
                await asyncio.to_thread(_waiting_for_a_lock, url)
                await asyncio.to_thread(
                    other.execute, "UPDATE usage SET count = count WHERE portal_id = %s",
                    (portal,))  # returns once the child's group is aborted
                other.commit()
            stored = await send
            assert store._ingest_process.transactions == committed + 1  # the child's group
            return stored
        finally:
            await store.close()

    assert asyncio.run(scenario()) == 1
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM completions").fetchone() == (2,)
        assert conn.execute("SELECT count FROM usage").fetchone() == (2,)
        assert conn.execute("SELECT sum(completions) FROM completion_days").fetchone() == (2,)


def test_an_ingest_child_started_while_the_server_is_down_waits_for_it(
        pg_cluster: Cluster) -> None:
    """The child connects for its first group. While PostgreSQL is down each group gets its
    503 at once from the same child (it used to die, and a new one was started for every
    write); once the server is back, the next send is stored."""
    url = pg_cluster.new_database()
    portal = make_portals(url, "Later")[0].portal_id

    async def scenario() -> tuple[list[int], int]:
        store = open_store(url)
        await store.open()
        try:
            assert isinstance(store, PostgresStore)
            pids = []
            pg_cluster.pg_ctl("stop")
            try:
                for utk in ("a", "b"):
                    start = time.monotonic()
                    with pytest.raises(StoreUnavailable):
                        await store.append_completions(portal, [_completion(utk=utk)], 10**9)
                    assert time.monotonic() - start < 10  # a child's start, then a refusal
                    assert store._ingest_process._child is not None
                    pids.append(store._ingest_process._child.process.pid)
            finally:
                pg_cluster.pg_ctl("start")
            stored = await store.append_completions(portal, [_completion(utk="c")], 10**9)
            assert store._ingest_process._child is not None
            pids.append(store._ingest_process._child.process.pid)
            return pids, stored
        finally:
            await store.close()

    pids, stored = asyncio.run(scenario())
    assert stored == 1
    assert len(set(pids)) == 1, pids
