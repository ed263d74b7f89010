"""Browser fixtures: Debian's Chromium, a real uvicorn collector, real fixture pages.

Collectors store in SQLite. A test marked ``both_backends`` runs twice, ``[sqlite]`` and
``[postgresql]``: its ``portal`` (and ``restartable`` collector) then live on a collector
whose store is a throwaway PostgreSQL cluster (``tests.pgcluster``, as in-process tests use).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from e2e.harness import Collector, PageServer, Portal, create_portal
from tests.pgcluster import Cluster

BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_backends: run once on SQLite, once on PostgreSQL")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("both_backends") is None:
        return
    if "backend" not in metafunc.fixturenames:
        raise pytest.UsageError(f"{metafunc.definition.name} is marked both_backends but uses"
                                " no collector of its backend (portal, restartable)")
    metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # Playwright cannot download browsers here: use Debian's chromium package.
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium",
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync"]}


@pytest.fixture(scope="session")
def base_url() -> str | None:
    # pytest-base-url's own fixture trips a pytest deprecation warning (errors here); pages
    # are addressed with absolute URLs anyway.
    return None


def _collector(database: str, tmp: Path, allow_headless: bool = True) -> Iterator[Collector]:
    server = Collector(database, tmp / "collector.log", allow_headless)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collector]:
    """The collector with FOOTFALL_ALLOW_HEADLESS=1: Playwright's HeadlessChrome counts as a
    visitor (documented test switch); ``strict_collector`` runs without it."""
    tmp = tmp_path_factory.mktemp("collector")
    yield from _collector(str(tmp / "footfall.db"), tmp)


@pytest.fixture(scope="session")
def strict_collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collector]:
    tmp = tmp_path_factory.mktemp("strict")
    yield from _collector(str(tmp / "footfall.db"), tmp, allow_headless=False)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster, started when a test first runs on PostgreSQL."""
    cluster = Cluster()
    try:
        # Its start migrates a template database with asyncio.run, which cannot run in a
        # thread where sync Playwright already runs its event loop: a thread of its own.
        with ThreadPoolExecutor(max_workers=1) as pool:
            yield pool.submit(cluster.start).result()
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_collector(tmp_path_factory: pytest.TempPathFactory,
                 pg_cluster: Cluster) -> Iterator[Collector]:
    """``collector``'s twin on PostgreSQL."""
    yield from _collector(pg_cluster.new_database(), tmp_path_factory.mktemp("pg-collector"))


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The store behind the test's collector: SQLite, or each in turn (``both_backends``)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def pages() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.close()


@pytest.fixture
def portal(backend: str, request: pytest.FixtureRequest) -> Portal:
    """A fresh portal per test, so tests never see each other's completions."""
    server: Collector = request.getfixturevalue(
        "pg_collector" if backend == "postgresql" else "collector")
    portal_id, token = create_portal(server.database, request.node.name[:40])
    return Portal(server, portal_id, token)


@pytest.fixture
def restartable(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Collector]:
    """A collector of its own for the test (and a database of its own), to stop and start
    again."""
    if backend == "postgresql":
        database = request.getfixturevalue("pg_cluster").new_database()
    else:
        database = str(tmp_path / "footfall.db")
    yield from _collector(database, tmp_path)
