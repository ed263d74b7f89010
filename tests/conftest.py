"""Shared fixtures: a fresh database per test on every backend, two portals, an in-process client.

``database`` is parametrized over ``sqlite`` and ``postgresql`` (test ids ``[sqlite]`` and
``[postgresql]``), so every test that uses it — directly or through ``settings``, ``client``,
``api`` — runs on both. Select one backend with ``-k sqlite`` or ``-k postgresql``.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.testclient import TestClient

from collector.app import create_app
from collector.portals import NewPortal, create_portal
from collector.settings import Settings
from collector.storage import Store, is_postgres_url, open_store
from tests.pgcluster import Cluster

T = TypeVar("T")


def count_rows(database: str, table: str) -> int:
    """Rows in ``table``, read straight from the database (independent of the API)."""
    if is_postgres_url(database):
        import psycopg

        with psycopg.connect(database) as pg:
            row = pg.execute(f"SELECT count(*) FROM {table}").fetchone()
            return int(row[0]) if row else 0
    with contextlib.closing(sqlite3.connect(database)) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


@contextlib.contextmanager
def refused_inserts(database: str, table: str = "completions",
                    when: str = "TRUE") -> Iterator[None]:
    """While inside, the database itself refuses every INSERT into ``table`` (a real fault
    below the collector: a trigger that aborts, as a full or failing disk would), or only
    the rows for which the SQL condition ``when`` (over ``NEW``) holds."""
    postgres = is_postgres_url(database)
    if postgres:
        import psycopg

        with psycopg.connect(database, autocommit=True) as pg:
            pg.execute("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
                       " $$ BEGIN RAISE EXCEPTION 'disk says no'; END $$")
            pg.execute(f"CREATE TRIGGER refuse BEFORE INSERT ON {table}"
                       f" FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION refuse()")
    else:
        with contextlib.closing(sqlite3.connect(database)) as conn:
            conn.execute(f"CREATE TRIGGER refuse BEFORE INSERT ON {table} WHEN {when} BEGIN"
                         " SELECT RAISE(ABORT, 'disk says no'); END")
            conn.commit()
    try:
        yield
    finally:
        if postgres:
            with psycopg.connect(database, autocommit=True) as pg:
                pg.execute(f"DROP TRIGGER refuse ON {table}")
                pg.execute("DROP FUNCTION refuse()")
        else:
            with contextlib.closing(sqlite3.connect(database)) as conn:
                conn.execute("DROP TRIGGER refuse")
                conn.commit()


def in_store(database: str, action: Callable[[Store], Awaitable[T]]) -> T:
    """Run ``action`` on the database's store, opened for it and closed after."""

    async def run() -> T:
        store = open_store(database)
        await store.open()
        try:
            return await action(store)
        finally:
            await store.close()

    return asyncio.run(run())


def app_state(client: TestClient) -> State:
    """The state of the app under test (``create_app`` builds a Starlette; the client's
    types know its app only as an ASGI callable)."""
    app = client.app
    assert isinstance(app, Starlette)
    return app.state


def make_portals(database: str, *names: str) -> list[NewPortal]:
    """Create portals directly in the store (as ``footfall portals create`` does)."""

    async def create(store: Store) -> list[NewPortal]:
        return [await create_portal(store, name) for name in names]

    return in_store(database, create)


@dataclass
class Api:
    """A client bound to one portal's token."""

    client: TestClient
    portal: NewPortal

    @property
    def portal_id(self) -> int:
        return self.portal.portal_id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.portal.token}"}

    def fqn(self, name: str) -> str:
        return f"pe{self.portal_id}_{name}"

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self.client.post(path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def patch(self, path: str, **kw: Any) -> Any:
        return self.client.patch(path, headers=self.headers, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(path, headers=self.headers, **kw)

    def define(self, name: str, *props: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """Create an event definition and return its JSON (asserting 201)."""
        body = {"label": extra.pop("label", name.replace("_", " ").title()), "name": name,
                "propertyDefinitions": list(props), **extra}
        response = self.post("/events/v3/event-definitions", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def send(self, **body: Any) -> Any:
        return self.post("/events/v3/send", json=body)

    def events(self, **params: Any) -> Any:
        response = self.get("/events/v3/events", params=params)
        assert response.status_code == 200, response.text
        return response.json()


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster for the whole session, started on first use."""
    cluster = Cluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database: a SQLite file path or a ``postgresql://`` URL."""
    if backend == "sqlite":
        yield str(tmp_path / "footfall.db")
        return
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    url = cluster.clean_database()
    yield url
    cluster.reuse(url)


@pytest.fixture
def settings(database: str) -> Settings:
    return Settings(database=database)


@pytest.fixture
def portals(database: str) -> list[NewPortal]:
    return make_portals(database, "Portal A", "Portal B")


@pytest.fixture
def client(settings: Settings, portals: list[NewPortal]) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient, portals: list[NewPortal]) -> Api:
    return Api(client, portals[0])


@pytest.fixture
def other(client: TestClient, portals: list[NewPortal]) -> Api:
    """A second portal, for proving isolation."""
    return Api(client, portals[1])
