"""The tracking-settings cache in front of the store: one read per portal however many
requests wait for it, the portal's own settings, None for a portal that does not exist."""

from __future__ import annotations

import asyncio

import pytest

from collector.jsapi.portal_settings import TrackingCache, TrackingSettings
from collector.portals import NewPortal
from collector.storage import Store
from tests.conftest import in_store


def test_requests_waiting_for_a_portal_share_one_read(database: str, portals: list[NewPortal],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    portal = portals[0].portal_id

    async def scenario(store: Store) -> tuple[list[object], list[int]]:
        reads: list[int] = []
        load = store.load_tracking_settings

        async def counted(portal_id: int) -> dict[str, object] | None:
            reads.append(portal_id)  # the real read, counted
            return await load(portal_id)

        monkeypatch.setattr(store, "load_tracking_settings", counted)
        cache = TrackingCache(store, ttl=60)
        found = await asyncio.gather(*(cache.get(p) for p in [portal] * 50 + [10**9] * 50))
        return list(found), reads

    found, reads = in_store(database, scenario)
    assert found == [TrackingSettings()] * 50 + [None] * 50
    assert sorted(reads) == [portal, 10**9]
