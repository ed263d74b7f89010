"""Integers written as text by clients: query parameters, path segments, ids in JSON
strings, timestamps of plain digits."""

from __future__ import annotations

# More significant digits than any id, count or bound taken from a client has (2**63 has 19):
# such text is out of every range, and converting it would cost time (Python refuses
# beyond 4,300 digits, with an error a client must never see as a 500).
_MAX_DIGITS = 30


def decimal(text: str) -> int | None:
    """The integer that ASCII digit text spells, else None; None too for more significant
    digits than any range we take (``str.isdigit`` also accepts digits ``int()`` refuses,
    such as ², and ``int()`` takes signs, spaces and underscores)."""
    if not (text.isascii() and text.isdigit()):
        return None
    significant = text.lstrip("0")  # int() counts leading zeros against its limit too
    return int(significant or "0") if len(significant) <= _MAX_DIGITS else None
