"""Timestamps on the wire: ISO 8601 strings or epoch milliseconds, always UTC inside."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from collector.numerals import decimal

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Years outside this range are not timestamps anyone means.
_MIN_MS = int(datetime(1970, 1, 1, tzinfo=UTC).timestamp() * 1000)
_MAX_MS = int(datetime(9999, 12, 31, tzinfo=UTC).timestamp() * 1000)


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
        raise ValueError("is outside the range of valid timestamps")
    return value


def format_ms(ms: int) -> str:
    """ISO 8601 UTC with milliseconds, e.g. ``2024-05-01T12:00:00.000Z``."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
