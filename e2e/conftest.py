"""Browser fixtures: Debian's Chromium, a real uvicorn collector, real fixture pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e.harness import Collector, PageServer, Portal, create_portal


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


def _collector(tmp: Path, allow_headless: bool) -> Iterator[Collector]:
    server = Collector(str(tmp / "footfall.db"), tmp / "collector.log", allow_headless)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collector]:
    """The collector with FOOTFALL_ALLOW_HEADLESS=1: Playwright's HeadlessChrome counts as a
    visitor (documented test switch); ``strict_collector`` runs without it."""
    yield from _collector(tmp_path_factory.mktemp("collector"), allow_headless=True)


@pytest.fixture(scope="session")
def strict_collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collector]:
    yield from _collector(tmp_path_factory.mktemp("strict"), allow_headless=False)


@pytest.fixture(scope="session")
def pages() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.close()


@pytest.fixture
def portal(collector: Collector, request: pytest.FixtureRequest) -> Portal:
    """A fresh portal per test, so tests never see each other's completions."""
    portal_id, token = create_portal(collector.database, request.node.name[:40])
    return Portal(collector, portal_id, token)


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[Collector]:
    """A collector of its own for the test, to stop and start again."""
    server = Collector(str(tmp_path / "footfall.db"), tmp_path / "collector.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()
