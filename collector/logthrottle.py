"""Warnings that an outage repeats for every request or group: at most one line a second."""

from __future__ import annotations

import logging
import time
from typing import Any


class Throttled:
    """A warning log of at most one line per ``interval`` seconds, the next one counting
    those held back (an outage refuses every request: a warning each flooded the log);
    the held-back lines go to the DEBUG level."""

    def __init__(self, logger: logging.Logger, interval: float = 1.0) -> None:
        self._logger, self._interval = logger, interval
        self._next, self._held = 0.0, 0

    def warn(self, message: str, *args: Any) -> None:
        now = time.monotonic()
        if now < self._next:
            self._held += 1
            self._logger.debug(message, *args)
            return
        self._next = now + self._interval
        held, self._held = self._held, 0
        if held:
            message, args = message + " (and %d more like it held back)", (*args, held)
        self._logger.warning(message, *args)
