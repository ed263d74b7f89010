"""Warnings an outage repeats: one a second, the rest counted (and kept at DEBUG)."""

from __future__ import annotations

import logging
import time

import pytest

from collector.logthrottle import Throttled


def test_an_outage_logs_one_warning_per_interval_and_counts_the_rest(
        caplog: pytest.LogCaptureFixture) -> None:
    throttled = Throttled(logging.getLogger("footfall.test"), interval=0.2)
    with caplog.at_level(logging.DEBUG, "footfall.test"):
        for number in range(5):
            throttled.warn("503 number %d", number)
        time.sleep(0.25)
        throttled.warn("503 number %d", 5)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["503 number 0", "503 number 5 (and 4 more like it held back)"]
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG] == [
        f"503 number {n}" for n in range(1, 5)]
