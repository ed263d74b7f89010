"""The daily rollup equals a GROUP BY over the completions after every way of storing them."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from collector.app import create_app
from collector.settings import Settings
from tests.conftest import Api, in_store, make_portals
from tests.importkit import define_purchase, run_import, write_csv
from tests.jshits import hit, post_hits
from tests.pgcluster import Cluster

DAY = 86_400_000
ROLLUP = ("SELECT portal_id, event_name, utc_day, completions, adjusted FROM completion_days"
          " ORDER BY 1, 2, 3")
TRUTH = ("SELECT portal_id, event_name, occurred_at / 86400000, count(*),"
         " sum(CASE WHEN adjustments IS NULL THEN 0 ELSE 1 END) FROM completions"
         " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")


def query(database: str, sql: str) -> list[tuple[Any, ...]]:
    if database.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(database) as pg:
            return [tuple(int(v) if isinstance(v, int) else v for v in row)
                    for row in pg.execute(sql).fetchall()]
    with contextlib.closing(sqlite3.connect(database)) as conn:
        return [tuple(row) for row in conn.execute(sql).fetchall()]


def assert_exact(database: str) -> list[tuple[Any, ...]]:
    rollup = query(database, ROLLUP)
    assert rollup == query(database, TRUTH)
    return rollup


def test_http_sends_count_once_per_uuid(api: Api, database: str) -> None:
    api.define("signup")
    repeated = str(uuid.uuid4())
    base = 1_700_000_000_000
    for offset in (0, 1, DAY, 3 * DAY + 5):
        assert api.send(eventName=api.fqn("signup"), email="ann@example.com",
                        occurredAt=base + offset).status_code == 204
    for _ in range(3):  # a retried send is acknowledged again but stored once
        assert api.send(eventName=api.fqn("signup"), email="bob@example.com", uuid=repeated,
                        occurredAt=base).status_code == 204
    batch = [{"eventName": api.fqn("signup"), "email": f"u{i}@example.com",
              "occurredAt": base + i * DAY // 2} for i in range(7)]
    batch.append({"eventName": api.fqn("signup"), "email": "bob@example.com", "uuid": repeated,
                  "occurredAt": base})
    assert api.post("/events/v3/send/batch", json={"inputs": batch}).status_code == 204
    rollup = assert_exact(database)
    assert sum(row[3] for row in rollup) == 4 + 1 + 7


def test_a_retry_on_another_day_leaves_that_day_alone(api: Api, database: str) -> None:
    api.define("signup")
    repeated = str(uuid.uuid4())
    base = 1_700_000_000_000
    assert api.send(eventName=api.fqn("signup"), email="a@example.com", uuid=repeated,
                    occurredAt=base).status_code == 204
    assert api.send(eventName=api.fqn("signup"), email="a@example.com", uuid=repeated,
                    occurredAt=base + 5 * DAY).status_code == 204
    assert assert_exact(database) == [(api.portal_id, "signup", base // DAY, 1, 0)]


def test_a_retry_adds_only_what_was_stored_and_counts_no_day_again(api: Api,
                                                                   database: str) -> None:
    """The flush counts the rows its insert stored. It never recounts a day from the stored
    completions (a scan of the whole day per retried group, which a retry storm after an
    outage would turn into a stall): a day's row that differs from the completions (here on
    purpose) only grows by the new rows."""
    api.define("signup")
    repeated = str(uuid.uuid4())
    base = 1_700_000_000_000
    assert api.send(eventName=api.fqn("signup"), email="a@example.com", uuid=repeated,
                    occurredAt=base).status_code == 204
    change(database, "UPDATE completion_days SET completions = 1000")
    batch = [{"eventName": api.fqn("signup"), "email": "a@example.com", "uuid": repeated,
              "occurredAt": base},
             *({"eventName": api.fqn("signup"), "email": f"u{i}@example.com",
                "occurredAt": base + i} for i in range(3))]
    assert api.post("/events/v3/send/batch", json={"inputs": batch}).status_code == 204
    assert query(database, ROLLUP) == [(api.portal_id, "signup", base // DAY, 1003, 0)]


def change(database: str, sql: str) -> None:
    if database.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(database, autocommit=True) as pg:
            pg.execute(sql)
        return
    with contextlib.closing(sqlite3.connect(database)) as conn:
        conn.execute(sql)
        conn.commit()


def test_js_hits_count_adjusted_completions(api: Api, database: str) -> None:
    api.define("clicked", {"name": "note", "label": "Note", "type": "string"})
    long_note = {"note": "x" * 300}  # over the 256-character limit: truncated and recorded
    response = post_hits(api.client, api.portal_id, hit(api.fqn("clicked"), p=long_note),
                         hit(api.fqn("clicked"), p={"note": "short"}), hit())
    assert response.status_code in (200, 204), response.text
    rollup = assert_exact(database)
    by_event = {row[1]: row for row in rollup}
    assert by_event["clicked"][3:] == (2, 1)
    assert by_event["e_visited_page"][3:] == (1, 0)


def test_imports_count_new_rows_only(api: Api, database: str, tmp_path: Path) -> None:
    define_purchase(api)
    rows = [["Email", "Date", "Plan"],
            ["ann@example.com", "2024-01-02T10:00:00Z", "gold"],
            ["bob@example.com", "2024-01-02T23:59:59Z", "silver"],
            ["cy@example.com", "2024-02-10T00:00:00Z", "gold"]]
    path = write_csv(tmp_path / "sales.csv", rows)
    assert run_import(database, api.portal_id, path, "--event", "purchase").exit_code == 0
    assert run_import(database, api.portal_id, path, "--event", "purchase").exit_code == 0
    rollup = assert_exact(database)
    assert [row[3] for row in rollup] == [2, 1]


def test_an_import_repeating_a_uuid_is_recounted(api: Api, database: str,
                                                 tmp_path: Path) -> None:
    define_purchase(api)
    same = str(uuid.uuid4())
    rows = [["Email", "Date", "UUID"],
            ["ann@example.com", "2024-01-02T10:00:00Z", same],
            ["bob@example.com", "2024-01-05T10:00:00Z", same],
            ["cy@example.com", "2024-01-05T11:00:00Z", str(uuid.uuid4())]]
    path = write_csv(tmp_path / "dupes.csv", rows)
    result = run_import(database, api.portal_id, path, "--event", "purchase")
    assert result.exit_code == 0, result.output
    rollup = assert_exact(database)
    assert sum(row[3] for row in rollup) == 2


def test_portals_have_their_own_rows(api: Api, other: Api, database: str) -> None:
    api.define("signup")
    other.define("signup")
    assert api.send(eventName=api.fqn("signup"), email="a@example.com").status_code == 204
    for _ in range(2):
        assert other.send(eventName=other.fqn("signup"), email="b@example.com").status_code == 204
    rollup = assert_exact(database)
    assert {row[0]: row[3] for row in rollup} == {api.portal_id: 1, other.portal_id: 2}


@pytest.fixture
def private_database(backend: str, tmp_path: Path,
                     request: pytest.FixtureRequest) -> Iterator[str]:
    """A database of this test alone: it changes the schema, so it is never reused."""
    if backend == "sqlite":
        yield str(tmp_path / "own.db")
        return
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    url = cluster.new_database()
    try:
        yield url
    finally:
        cluster.drop_database(url)


def test_the_migration_fills_the_rollup_from_stored_completions(private_database: str) -> None:
    database = private_database
    [portal] = make_portals(database, "Old")
    with TestClient(create_app(Settings(database=database))) as client:
        api = Api(client, portal)
        api.define("signup")
        for day in range(3):
            api.send(eventName=api.fqn("signup"), email="a@example.com",
                     occurredAt=1_700_000_000_000 + day * DAY)
    statements = ["DROP TABLE completion_days", "DROP INDEX failed_events_received",
                  "DELETE FROM schema_migrations WHERE version = 5"]
    if database.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(database, autocommit=True) as pg:
            for sql in statements:
                pg.execute(sql)
    else:
        with contextlib.closing(sqlite3.connect(database)) as conn:
            for sql in statements:
                conn.execute(sql)
            conn.commit()

    in_store(database, lambda store: asyncio.sleep(0))  # opening applies the migration
    assert len(assert_exact(database)) == 3
