"""Timestamps on the wire: ISO 8601 strings or epoch milliseconds, always UTC inside."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from collector.numerals import decimal

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# What ISO 8601 dates with four-digit years can say: 0001-01-01 to the last millisecond of
# 9999-12-31. A date property may hold a birthday of 1965; occurrences are later than that
# (``OCCURRED_MIN_MS``), and their callers check it.
_MIN_MS = (datetime(1, 1, 1, tzinfo=UTC) - _EPOCH) // timedelta(milliseconds=1)
_MAX_MS = (datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC) - _EPOCH) // timedelta(
    milliseconds=1)
OCCURRED_MIN_MS = 0  # 1970-01-01: an event occurrence before it is a mistake
OCCURRED_TOO_EARLY = "must not be before 1970-01-01T00:00:00Z"


def parse_timestamp_ms(value: int | float | str) -> int:
    """Epoch milliseconds from an ISO 8601 string or a number of epoch milliseconds."""
    if isinstance(value, str):
        text = value.strip()
        digits = text.removeprefix("-")
        if digits.isascii() and digits.isdigit():
            number = decimal(digits)
            if number is None:
                raise ValueError("is outside the range of valid timestamps")
            return parse_timestamp_ms(-number if text.startswith("-") else number)
        try:
            parsed = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise ValueError("must be an ISO 8601 timestamp or epoch milliseconds") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        value = (parsed - _EPOCH) // timedelta(milliseconds=1)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("must be a finite number of epoch milliseconds")
        value = int(value)
    if not _MIN_MS <= value <= _MAX_MS:
        raise ValueError("is outside the range of valid timestamps (years 0001 to 9999)")
    return value


def format_ms(ms: int) -> str:
    """ISO 8601 UTC with milliseconds, e.g. ``2024-05-01T12:00:00.000Z``."""
    moment = _EPOCH + timedelta(milliseconds=ms)  # exact, and four-digit years before 1000
    return moment.isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"
