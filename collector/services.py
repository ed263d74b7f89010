"""What the endpoints share at run time: settings, store, token and definition caches."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from collector.auth import Authenticator
from collector.cursor import CursorCodec
from collector.model import EventDefinition
from collector.settings import Settings
from collector.storage import Store


class DefinitionCache:
    """A portal's definitions by name, kept in memory so sends never wait for a read.

    Writes in this process invalidate at once; changes made by other collector processes
    are seen within ``ttl`` seconds, or at once when a send names an event or property this
    cache does not know (``get(..., fresh=True)``).
    """

    def __init__(self, store: Store, ttl: float = 2.0) -> None:
        self._store = store
        self._ttl = ttl
        self._entries: dict[int, tuple[float, dict[str, EventDefinition]]] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._changing: dict[tuple[int, int], asyncio.Lock] = {}

    async def get(self, portal_id: int, *, fresh: bool = False) -> dict[str, EventDefinition]:
        asked = time.monotonic()
        entry = self._entries.get(portal_id)
        if entry is not None and not fresh and entry[0] > asked:
            return entry[1]
        lock = self._locks.setdefault(portal_id, asyncio.Lock())
        async with lock:
            entry = self._entries.get(portal_id)
            # Loaded by another task meanwhile: fine unless fresh was asked and that load
            # began before this call did.
            if entry is not None and (entry[0] - self._ttl >= asked
                                      or (not fresh and entry[0] > asked)):
                return entry[1]
            started = time.monotonic()
            loaded = {d.name: d for d in await self._store.load_definitions(portal_id)}
            self._entries[portal_id] = (started + self._ttl, loaded)
            return loaded

    def invalidate(self, portal_id: int) -> None:
        self._entries.pop(portal_id, None)

    def changing(self, definition: EventDefinition) -> asyncio.Lock:
        """Held while this process changes ``definition``: its changes queue here instead of
        racing each other (other processes' are caught by the store's version check)."""
        key = (definition.portal_id, definition.id)
        return self._changing.setdefault(key, asyncio.Lock())


@dataclass
class Services:
    settings: Settings
    store: Store
    auth: Authenticator = field(init=False)
    definitions: DefinitionCache = field(init=False)
    cursors: CursorCodec = field(init=False)

    def __post_init__(self) -> None:
        self.auth = Authenticator(self.store)
        self.definitions = DefinitionCache(self.store)

    async def start(self, *, warm: bool = False) -> None:
        await self.store.open()
        if warm:
            await self.store.warm_up()
        self.cursors = CursorCodec(await self.store.secret("cursor"))

    async def stop(self) -> None:
        await self.store.close()
