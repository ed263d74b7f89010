"""Run-time state of the JS path, kept on ``app.state.tracking``."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from collector.jsapi.portal_settings import TrackingCache
from collector.storage import Store


@dataclass
class TrackingState:
    store: Store
    cache: TrackingCache = field(init=False)
    _visitor_secret: bytes = b""

    def __post_init__(self) -> None:
        self.cache = TrackingCache(self.store)

    async def visitor_secret(self) -> bytes:
        """Key of the cookieless visitor hash, shared by every collector process."""
        if not self._visitor_secret:
            self._visitor_secret = await self.store.secret("visitor")
        return self._visitor_secret


def tracking_state(request: Request) -> TrackingState:
    found: TrackingState = request.app.state.tracking
    return found
