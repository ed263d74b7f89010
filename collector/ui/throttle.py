"""A small per-process brake on guessing sign-in secrets (the admin password, tokens)."""

from __future__ import annotations

import time


class SignInThrottle:
    """After ``limit`` failures from one client address within ``window`` seconds, that
    address is refused until the window has passed."""

    def __init__(self, limit: int = 10, window: float = 60.0) -> None:
        self._limit, self._window = limit, window
        self._failures: dict[str, list[float]] = {}

    def _recent(self, client: str, now: float) -> list[float]:
        recent = [t for t in self._failures.get(client, []) if t > now - self._window]
        if recent:
            self._failures[client] = recent
        else:
            self._failures.pop(client, None)
        return recent

    def blocked(self, client: str) -> bool:
        return len(self._recent(client, time.monotonic())) >= self._limit

    def failed(self, client: str) -> None:
        now = time.monotonic()
        if len(self._failures) > 10_000:
            self._failures.clear()
        self._failures[client] = [*self._recent(client, now), now]
