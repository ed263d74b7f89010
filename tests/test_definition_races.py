"""Concurrent changes to one event definition are all kept (or cleanly refused), never lost.

Every change handler reads the definition, changes it and saves it. Without the store's
version check, two requests adding a property at once both answered 201 and one property
was gone. Runs on both backends, within one process and across two collectors.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

from collector import definition_ops as ops
from collector.model import EventDefinition
from collector.properties import PropertyDef
from collector.services import Services
from collector.settings import Settings
from collector.storage import open_store
from tests.conftest import make_portals


def _property(i: int) -> dict[str, Any]:
    return {"name": f"p{i}", "label": f"P{i}", "type": "string"}


async def _collector(database: str) -> Services:
    services = Services(Settings(database=database), open_store(database))
    await services.start()
    return services


T = TypeVar("T")


def _run(database: str, scenario: Callable[[Services, Services], Awaitable[T]]) -> T:
    async def run() -> T:
        first, second = await _collector(database), await _collector(database)
        try:
            return await scenario(first, second)
        finally:
            await first.stop()
            await second.stop()

    return asyncio.run(run())


def test_concurrent_changes_in_one_process_are_all_kept(database: str) -> None:
    portal = make_portals(database, "P")[0].portal_id

    async def scenario(svc: Services, _: Services) -> EventDefinition:
        await ops.create_definition(svc, portal, {"label": "Viewed", "name": "viewed"})
        stale = await ops.find_definition(svc, portal, "viewed")  # every change starts here
        await asyncio.gather(
            *(ops.add_property(svc, stale, _property(i)) for i in range(12)),
            ops.update_definition(svc, stale, {"label": "Seen"}),
            ops.save_code(svc, stale, "console.log('saved')"))
        return await ops.find_definition(svc, portal, "viewed")

    final = _run(database, scenario)
    assert sorted(p.name for p in final.custom_properties) == sorted(f"p{i}" for i in range(12))
    assert final.label == "Seen"
    assert final.tracking["code"] == "console.log('saved')"
    assert final.version == 14  # one save each


def test_two_collectors_changing_one_definition_lose_nothing(database: str) -> None:
    portal = make_portals(database, "P")[0].portal_id

    async def scenario(one: Services, two: Services) -> EventDefinition:
        await ops.create_definition(one, portal, {"label": "Viewed", "name": "viewed"})
        stale = await ops.find_definition(one, portal, "viewed")
        await asyncio.gather(*(ops.add_property(one if i % 2 else two, stale, _property(i))
                               for i in range(10)))
        return await ops.find_definition(two, portal, "viewed")

    final = _run(database, scenario)
    assert sorted(p.name for p in final.custom_properties) == sorted(f"p{i}" for i in range(10))


def test_a_change_checks_against_the_fresh_definition(database: str) -> None:
    """The same property added twice at once: one is added, the other is a 409."""
    portal = make_portals(database, "P")[0].portal_id

    async def scenario(
            one: Services, two: Services,
    ) -> tuple[tuple[PropertyDef | BaseException, ...], EventDefinition]:
        await ops.create_definition(one, portal, {"label": "Viewed", "name": "viewed"})
        stale = await ops.find_definition(one, portal, "viewed")
        outcomes = await asyncio.gather(ops.add_property(one, stale, _property(1)),
                                        ops.add_property(two, stale, _property(1)),
                                        return_exceptions=True)
        return outcomes, await ops.find_definition(one, portal, "viewed")

    outcomes, final = _run(database, scenario)
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "PropertyDef"]
    assert [p.name for p in final.custom_properties] == ["p1"]


def test_a_stale_save_writes_nothing(database: str) -> None:
    """The store's side of it: a save names the version it read."""
    portal = make_portals(database, "P")[0].portal_id

    async def scenario(one: Services, two: Services) -> tuple[bool, bool, EventDefinition]:
        await ops.create_definition(one, portal, {"label": "Viewed", "name": "viewed"})
        read = await ops.find_definition(one, portal, "viewed")
        first = await two.store.save_definition(replace(read, label="First"))
        second = await one.store.save_definition(replace(read, label="Second"))
        return first, second, await ops.find_definition(one, portal, "viewed")

    first, second, final = _run(database, scenario)
    assert (first, second) == (True, False)
    assert (final.label, final.version) == ("First", 1)
