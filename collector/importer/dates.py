"""The occurred-at column: a chosen date format, or spreadsheet date cells taken natively.

Formats are named the way owners write them (``DD/MM/YYYY``, ``YYYY-MM-DD HH:MM``); any
``strptime`` pattern (one containing ``%``) is accepted too. Times without a zone are UTC.

``auto`` takes ISO 8601 text and numbers (digits, or the numbers spreadsheet cells hold):
- below ``SERIAL_BELOW`` (2,958,466, the day after 9999-12-31) a number is a spreadsheet's
  day number with the time as its fraction (45325.5 is 2024-02-03T12:00Z): what a date cell
  formatted as General, or an unformatted export of a sheet, holds. As epoch seconds these
  numbers would all fall in January 1970. Day numbers count from 1899-12-30 (Excel's
  Windows calendar; a number from a 1904-calendar workbook reads 1,462 days early: a date
  cell formatted as a date is read natively, in either calendar);
- from there below ``SECONDS_BELOW`` it is epoch seconds (up to the year 5138);
- from there on it is epoch milliseconds (from 1973-03-03; only a millisecond time before
  then is misread).
``epoch-s`` and ``epoch-ms`` read every number in their unit, ``iso`` as milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from collector.numerals import decimal
from collector.timeparse import parse_timestamp_ms

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TOKENS = (("YYYY", "%Y"), ("MM", "%m"), ("DD", "%d"), ("HH", "%H"), ("mm", "%M"), ("SS", "%S"))
NAMED_FORMATS = ("auto", "iso", "epoch-ms", "epoch-s", "DD/MM/YYYY", "MM/DD/YYYY",
                 "YYYY-MM-DD", "YYYY-MM-DD HH:MM", "YYYY-MM-DD HH:MM:SS", "DD/MM/YYYY HH:MM",
                 "MM/DD/YYYY HH:MM", "DD.MM.YYYY", "DD.MM.YYYY HH:MM", "DD-MM-YYYY")

DateParser = Callable[[object], int]
SERIAL_BELOW = 2_958_466
SECONDS_BELOW = 100_000_000_000
_SERIAL_1970 = 25_569  # 1970-01-01 as a spreadsheet day number (days since 1899-12-30)
_DAY_MS = 86_400_000
_DECIMAL = re.compile(r"[0-9]{1,20}\.[0-9]{1,20}")
# What ``auto`` reads, for messages and help texts.
AUTO_READS = ("an ISO 8601 timestamp, a spreadsheet day number (below 2,958,466),"
              " or epoch seconds (below 100,000,000,000) or milliseconds")
# The date formats, for the CLI's and the OpenAPI document's help.
FORMATS_HELP = ("auto (ISO 8601; a number below 2,958,466 is a spreadsheet day number, below"
                " 100,000,000,000 epoch seconds, else epoch milliseconds), epoch-ms, epoch-s,"
                " DD/MM/YYYY, MM/DD/YYYY, YYYY-MM-DD HH:MM, … or a strptime pattern")


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
                            " or a strptime pattern such as %d.%m.%Y; auto reads"
                            f" {AUTO_READS})")
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
    if fmt == "auto":
        return _auto
    if fmt in ("iso", "epoch-ms"):
        return _iso_or_ms
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


def digit_bounds(parse: DateParser) -> tuple[int, int] | None:
    """How ``parse`` reads a text of plain ASCII digits, for the import's fast paths:
    ``(days_below, seconds_below)`` when it reads a number below ``days_below`` as a
    spreadsheet day number (left to ``parse`` itself), from there below ``seconds_below`` as
    epoch seconds and from there on as milliseconds; None when it reads digits otherwise."""
    return ((SERIAL_BELOW, SECONDS_BELOW) if parse is _auto else (0, 0) if parse is _iso_or_ms
            else None)


def _iso_or_ms(value: object) -> int:
    found = native_ms(value)
    if found is not None:
        return found
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("must be an ISO 8601 timestamp or epoch milliseconds")
    return parse_timestamp_ms(value)


def _auto(value: object) -> int:
    found = native_ms(value)
    if found is not None:
        return found
    if isinstance(value, str):
        text = value.strip()
        digits = text.removeprefix("-")
        if _DECIMAL.fullmatch(digits):  # 45325.5: a day number as a CSV export writes it
            return _auto(float(text))
        if not (digits.isascii() and digits.isdigit()):
            try:
                return parse_timestamp_ms(text)  # ISO 8601
            except ValueError:
                raise ValueError(f"must be {AUTO_READS}") from None
        number = decimal(digits)
        if number is None:
            return parse_timestamp_ms(text)  # too many digits: out of range, it says
        value = -number if text.startswith("-") else number
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be {AUTO_READS}")
    if 0 <= value < SERIAL_BELOW:
        if value < _SERIAL_1970:
            raise ValueError(f"read as a spreadsheet day number, {value} is before 1970-01-01"
                             " (choose the format epoch-s or epoch-ms for epoch numbers)")
        return parse_timestamp_ms(round((value - _SERIAL_1970) * _DAY_MS))
    if -SECONDS_BELOW < value < SECONDS_BELOW:
        return parse_timestamp_ms(round(value * 1000))
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
