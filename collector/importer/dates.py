"""The occurred-at column: a chosen date format, or spreadsheet date cells taken natively.

Formats are named the way owners write them (``DD/MM/YYYY``, ``YYYY-MM-DD HH:MM``); any
``strptime`` pattern (one containing ``%``) is accepted too. Times without a zone are UTC.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from collector.timeparse import parse_timestamp_ms

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TOKENS = (("YYYY", "%Y"), ("MM", "%m"), ("DD", "%d"), ("HH", "%H"), ("mm", "%M"), ("SS", "%S"))
NAMED_FORMATS = ("auto", "iso", "epoch-ms", "epoch-s", "DD/MM/YYYY", "MM/DD/YYYY",
                 "YYYY-MM-DD", "YYYY-MM-DD HH:MM", "YYYY-MM-DD HH:MM:SS", "DD/MM/YYYY HH:MM",
                 "MM/DD/YYYY HH:MM", "DD.MM.YYYY", "DD.MM.YYYY HH:MM", "DD-MM-YYYY")

DateParser = Callable[[object], int]


class BadDateFormat(ValueError):
    """The chosen date format is not one this importer understands."""


def to_strptime(fmt: str) -> str:
    """``DD/MM/YYYY HH:MM`` → ``%d/%m/%Y %H:%M`` (``MM`` after ``HH:`` means minutes)."""
    if "%" in fmt:
        _check_strptime(fmt)
        return fmt
    date_part, _, time_part = fmt.partition(" ")
    for token, code in _TOKENS[:3]:
        date_part = date_part.replace(token, code)
    time_part = time_part.replace("HH", "%H").replace("MM", "%M").replace("mm", "%M")
    time_part = time_part.replace("SS", "%S")
    pattern = f"{date_part} {time_part}" if time_part else date_part
    if "%" not in pattern or re.search(r"[A-Za-z]", re.sub(r"%[YmdHMS]", "", pattern)):
        raise BadDateFormat(f"unknown date format {fmt!r} (use one of: {', '.join(NAMED_FORMATS)},"
                            " or a strptime pattern such as %d.%m.%Y)")
    return pattern


def _check_strptime(fmt: str) -> None:
    """Refuse a pattern strptime cannot use (``%Q``, a lone ``%``, ``%Y%Y``) before any row."""
    try:
        datetime.strptime("", fmt)
    except re.error as exc:  # a directive given twice
        raise BadDateFormat(f"the date format {fmt!r} cannot be used: {exc}") from None
    except ValueError as exc:
        if "does not match" not in str(exc):  # a bad directive, a stray %
            raise BadDateFormat(f"the date format {fmt!r} cannot be used: {exc}") from None


def native_ms(value: object) -> int | None:
    """Epoch ms of a spreadsheet date cell (datetime/date/time), else None."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return (moment - _EPOCH) // timedelta(milliseconds=1)
    if isinstance(value, date):
        return native_ms(datetime.combine(value, time()))
    return None


def date_parser(fmt: str) -> DateParser:
    """A function from a cell to epoch milliseconds; it raises ValueError with a reason."""
    if fmt in ("auto", "iso", "epoch-ms"):
        return _auto
    if fmt == "epoch-s":
        return _epoch_seconds
    pattern = to_strptime(fmt)

    def parse(value: object) -> int:
        found = native_ms(value)
        if found is not None:
            return found
        text = str(value).strip()
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            raise ValueError(f"does not match the date format {fmt}") from None
        return native_ms(moment) or 0

    return parse


def plain_digits_are_epoch_ms(parse: DateParser) -> bool:
    """Does ``parse`` read a text of plain ASCII digits as that many epoch milliseconds?"""
    return parse is _auto


def _auto(value: object) -> int:
    found = native_ms(value)
    if found is not None:
        return found
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("must be an ISO 8601 timestamp or epoch milliseconds")
    return parse_timestamp_ms(value)


def _epoch_seconds(value: object) -> int:
    found = native_ms(value)
    if found is not None:
        return found
    try:
        seconds = float(str(value).strip())
    except ValueError:
        raise ValueError("must be a number of epoch seconds") from None
    return parse_timestamp_ms(seconds * 1000)
