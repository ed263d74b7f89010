"""Versioned migrations on both backends; concurrent starts on one PostgreSQL; clear start errors."""

from __future__ import annotations

import asyncio
import sqlite3

import psycopg
from click.testing import CliRunner

from collector.cli import main
from collector.storage import open_store
from collector.storage.migrate import migrations
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
