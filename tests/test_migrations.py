"""Versioned migrations on both backends; concurrent starts on one PostgreSQL; clear start errors."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from collector.cli import main
from collector.model import NewCompletion
from collector.storage import Store, open_store
from collector.storage.migrate import SCHEMA_MIGRATIONS, migrations
from tests.conftest import count_rows, in_store
from tests.pgcluster import Cluster, free_port


def _versions(database: str) -> list[int]:
    sql = "SELECT version FROM schema_migrations ORDER BY version"
    if database.startswith("postgresql://"):
        with psycopg.connect(database) as conn:
            return [row[0] for row in conn.execute(sql)]
    with sqlite3.connect(database) as conn:
        return [row[0] for row in conn.execute(sql)]


def _open_and_close(database: str, times: int = 1) -> None:
    async def run() -> None:
        stores = [open_store(database) for _ in range(times)]
        await asyncio.gather(*(store.open() for store in stores))
        await asyncio.gather(*(store.close() for store in stores))

    asyncio.run(run())


def test_every_version_is_applied_once_and_reopening_applies_nothing(database: str,
                                                                     backend: str) -> None:
    expected = [version for version, _ in migrations(backend)]
    assert expected
    assert expected[0] == 1
    _open_and_close(database)
    _open_and_close(database)
    assert _versions(database) == expected


def test_both_backends_have_the_same_versions() -> None:
    assert [v for v, _ in migrations("sqlite")] == [v for v, _ in migrations("postgresql")]


def test_collectors_starting_together_on_an_empty_postgresql_migrate_once(
        pg_cluster: Cluster) -> None:
    pg_cluster.admin("CREATE DATABASE racing_start")
    url = pg_cluster.url("racing_start")
    try:
        _open_and_close(url, times=6)
        assert _versions(url) == [v for v, _ in migrations("postgresql")]
    finally:
        pg_cluster.drop_database(url)


def _apply_up_to(database: str, backend: str, last: int) -> None:
    """The schema as a collector of version ``last`` left it."""
    if database.startswith("postgresql://"):
        with psycopg.connect(database, autocommit=True) as pg:
            pg.execute(SCHEMA_MIGRATIONS)
            for version, statements in migrations(backend)[:last]:
                for statement in statements:
                    pg.execute(statement)
                pg.execute("INSERT INTO schema_migrations VALUES (%s, 0)", (version,))
        return
    with contextlib.closing(sqlite3.connect(database)) as conn:
        conn.execute(SCHEMA_MIGRATIONS)
        for version, statements in migrations(backend)[:last]:
            for statement in statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations VALUES (?, 0)", (version,))
        conn.commit()


@pytest.fixture
def unmigrated(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database without any schema (the ``database`` fixture's are migrated)."""
    if backend == "sqlite":
        yield str(tmp_path / "old.db")
        return
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    cluster.admin("CREATE DATABASE unmigrated")
    url = cluster.url("unmigrated")
    try:
        yield url
    finally:
        cluster.drop_database(url)


def test_version_7_keeps_stored_completions_and_keys_a_uuid_by_its_event(
        unmigrated: str, backend: str) -> None:
    """A database of version 6 with completions: after version 7 they are kept, a retry of
    one is still stored once, and its uuid sent for another event is a new completion."""
    database = unmigrated
    _apply_up_to(database, backend, 6)
    key = "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
    rows = [(1, "Old", 0), (1, 1, "CONTACT", "old@example.com", "{}", 0, 0),
            (1, key, "placed", "CONTACT", 1, 1_700_000_000_000, 1_700_000_000_000, "HTTP", "{}")]
    sql = ["INSERT INTO portals (id, name, created_at) VALUES (?, ?, ?)",
           "INSERT INTO objects (portal_id, id, object_type, email, properties, created_at,"
           " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
           "INSERT INTO completions (portal_id, id, event_name, object_type, object_id,"
           " occurred_at, received_at, source, properties) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"]
    if database.startswith("postgresql://"):
        with psycopg.connect(database) as pg:
            for statement, row in zip(sql, rows, strict=True):
                pg.execute(statement.replace("?", "%s"), row)
    else:
        with contextlib.closing(sqlite3.connect(database)) as conn:
            for statement, row in zip(sql, rows, strict=True):
                conn.execute(statement, row)
            conn.commit()

    def sent(event_name: str) -> NewCompletion:
        return NewCompletion(id=key, event_name=event_name, object_type="CONTACT",
                             occurred_at=1_700_000_000_000, received_at=1_700_000_000_000,
                             properties={}, source="HTTP", object_id=1)

    async def send(store: Store) -> None:
        await store.append_completions(1, [sent("placed"), sent("shipped")], 10**9)

    in_store(database, send)
    assert _versions(database) == [v for v, _ in migrations(backend)]
    assert count_rows(database, "completions") == 2


def test_version_8_keeps_every_contact_and_records_merges_from_then_on(
        unmigrated: str, backend: str) -> None:
    """A database of version 7 with an anonymous contact left empty by an identify (as
    every version before 8 left them): after version 8 it is kept (nothing records whom it
    was merged into), and the next merge is recorded and redirects its id."""
    database = unmigrated
    _apply_up_to(database, backend, 7)
    rows = [(1, "Old", 0), (1, 1, "CONTACT", None, "{}", 0, 0),
            (1, 2, "CONTACT", "known@example.com", '{"email": "known@example.com"}', 0, 0),
            (1, 3, "CONTACT", None, "{}", 0, 0), (1, "visitor-3", 3)]
    sql = ["INSERT INTO portals (id, name, created_at) VALUES (?, ?, ?)",
           *["INSERT INTO objects (portal_id, id, object_type, email, properties, created_at,"
             " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"] * 3,
           "INSERT INTO visitors (portal_id, utk, contact_id) VALUES (?, ?, ?)"]
    if database.startswith("postgresql://"):
        with psycopg.connect(database) as pg:
            for statement, row in zip(sql, rows, strict=True):
                pg.execute(statement.replace("?", "%s"), row)
            # as if the identity column had made them
            pg.execute("SELECT setval(pg_get_serial_sequence('objects', 'id'), 3)")
    else:
        with contextlib.closing(sqlite3.connect(database)) as conn:
            for statement, row in zip(sql, rows, strict=True):
                conn.execute(statement, row)
            conn.commit()

    async def identify(store: Store) -> tuple[int | None, int]:
        sent = NewCompletion(id="", event_name="placed", object_type="CONTACT",
                             occurred_at=1_700_000_000_000, received_at=1_700_000_000_000,
                             properties={}, source="HTTP", email="known@example.com",
                             utk="visitor-3")
        await store.append_completions(1, [sent], 10**9)
        read = await store.get_object(1, "CONTACT", 3)
        made = await store.create_object(1, "CONTACT", {"email": "new@example.com"})
        return (read.id if read else None), made.id

    # 3, the highest id, is merged away: the next contact gets 4 (SQLite's objects table
    # became AUTOINCREMENT, seeded by the rows it had)
    assert in_store(database, identify) == (2, 4)
    assert _versions(database) == [v for v, _ in migrations(backend)]
    assert count_rows(database, "objects") == 3  # the old empty one stays; 3 is merged away
    assert count_rows(database, "contact_merges") == 1


def test_the_bench_bulk_load_keeps_the_completions_key(pg_cluster: Cluster) -> None:
    """bench/pg_bench.py drops the primary key around its bulk load: it puts back the key
    the migrations made, so the collector's inserts (ON CONFLICT on that key) still work."""
    from bench.pg_bench import bulk_load
    from tests.conftest import make_portals

    url = pg_cluster.new_database()
    portal = make_portals(url, "Bench")[0].portal_id
    bulk_load(url, portal, 10)
    with psycopg.connect(url) as conn:
        key = conn.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                           " WHERE conname = 'completions_pkey'").fetchone()
    assert key == ("PRIMARY KEY (portal_id, id, event_name)",)


def test_unreachable_postgresql_is_a_clear_cli_error() -> None:
    url = f"postgresql://footfall:secret-pw@127.0.0.1:{free_port()}/footfall"
    result = CliRunner().invoke(main, ["portals", "create", "--name", "A", "--database", url])
    assert result.exit_code == 1
    assert "Error: Cannot connect to PostgreSQL at 127.0.0.1:" in result.output
    assert "secret-pw" not in result.output
    assert "Traceback" not in result.output
