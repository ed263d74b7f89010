"""Every occurred-at date format, parsed and imported."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from collector.importer.dates import BadDateFormat, date_parser
from tests.conftest import Api
from tests.importkit import define_purchase, report_lines, run_import, write_csv

NOON = int(datetime(2024, 2, 3, 12, 0, tzinfo=UTC).timestamp() * 1000)
MIDNIGHT = int(datetime(2024, 2, 3, tzinfo=UTC).timestamp() * 1000)
CASES = [
    ("auto", "2024-02-03T12:00:00Z", NOON),
    ("auto", "2024-02-03T13:00:00+01:00", NOON),
    ("auto", str(NOON), NOON),
    ("auto", str(NOON // 1000), NOON),
    ("iso", "2024-02-03 12:00", NOON),
    ("epoch-ms", str(NOON), NOON),
    ("epoch-s", str(NOON // 1000), NOON),
    ("DD/MM/YYYY", "03/02/2024", MIDNIGHT),
    ("MM/DD/YYYY", "02/03/2024", MIDNIGHT),
    ("YYYY-MM-DD", "2024-02-03", MIDNIGHT),
    ("YYYY-MM-DD HH:MM", "2024-02-03 12:00", NOON),
    ("YYYY-MM-DD HH:MM:SS", "2024-02-03 12:00:00", NOON),
    ("DD/MM/YYYY HH:MM", "03/02/2024 12:00", NOON),
    ("MM/DD/YYYY HH:MM", "02/03/2024 12:00", NOON),
    ("DD.MM.YYYY", "03.02.2024", MIDNIGHT),
    ("DD.MM.YYYY HH:MM", "03.02.2024 12:00", NOON),
    ("DD-MM-YYYY", "03-02-2024", MIDNIGHT),
    ("%d %b %Y %H:%M", "03 Feb 2024 12:00", NOON),
]


@pytest.mark.parametrize(("fmt", "text", "expected"), CASES,
                         ids=[f"{f}:{t}" for f, t, _ in CASES])
def test_formats(fmt: str, text: str, expected: int) -> None:
    assert date_parser(fmt)(text) == expected


@pytest.mark.parametrize("fmt", ["auto", "DD/MM/YYYY", "epoch-s"])
def test_native_cells_ignore_the_format(fmt: str) -> None:
    parse = date_parser(fmt)
    assert parse(datetime(2024, 2, 3, 12, 0)) == NOON
    assert parse(date(2024, 2, 3)) == MIDNIGHT


@pytest.mark.parametrize(("fmt", "text"), [("DD/MM/YYYY", "2024-02-03"),
                                           ("MM/DD/YYYY", "13/01/2024"),
                                           ("epoch-s", "soon"), ("auto", "03/02/2024")])
def test_mismatch_is_a_reason(fmt: str, text: str) -> None:
    with pytest.raises(ValueError, match=r"date format|ISO 8601|epoch"):
        date_parser(fmt)(text)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(BadDateFormat, match="unknown date format"):
        date_parser("DD/Month/YYYY")


@pytest.mark.parametrize("fmt", ["%Y%Y%Y", "%Q", "100%"])
def test_a_strptime_pattern_strptime_cannot_use_is_refused_up_front(fmt: str) -> None:
    """%Y%Y%Y raised re.error per row: the job failed with "Internal error: error"."""
    with pytest.raises(BadDateFormat, match="cannot be used"):
        date_parser(fmt)


def test_cli_date_format(api: Api, database: str, tmp_path: Path) -> None:
    define_purchase(api)
    path = write_csv(tmp_path / "d.csv", [["Email", "Day"], ["a@example.com", "03/02/2024 12:00"],
                                          ["b@example.com", "31/12/2024 99:00"]])
    result = run_import(database, api.portal_id, path, "--event", "purchase",
                        "--map", "day=occurred_at", "--date-format", "DD/MM/YYYY HH:MM")
    assert result.exit_code == 0, result.output
    assert "1 rejected" in result.output
    [event] = api.events()["results"]
    assert event["occurredAt"] == "2024-02-03T12:00:00.000Z"
    bad = run_import(database, api.portal_id, path, "--event", "purchase", "--date-format", "nope")
    assert bad.exit_code == 1
    assert "unknown date format 'nope'" in bad.output


def test_dates_before_1970_are_property_values_but_no_occurrences(api: Api, database: str,
                                                                  tmp_path: Path) -> None:
    """A date of birth is a date like any other; an event that occurred before 1970 is a
    mistake in the file (the HTTP API refuses it too)."""
    define_purchase(api)
    path = write_csv(tmp_path / "old.csv", [
        ["Email", "When", "Renews"],
        ["a@example.com", "2024-02-03T12:00:00Z", "1965-05-01"],
        ["b@example.com", "1969-12-31T23:59:59Z", "2024-01-01"],
        ["c@example.com", "1965-05-01", "2024-01-01"]])
    result = run_import(database, api.portal_id, path, "--event", "purchase",
                        "--map", "when=occurred_at", "--errors", str(tmp_path / "report.csv"))
    assert result.exit_code == 0, result.output
    assert "2 rejected" in result.output
    [event] = api.events()["results"]
    assert event["properties"]["renews"] == "1965-05-01"
    reasons = {r["row"]: r["reason"] for r in report_lines(tmp_path / "report.csv")}
    assert reasons == {"3": "must not be before 1970-01-01T00:00:00Z",
                       "4": "must not be before 1970-01-01T00:00:00Z"}


SECONDS = NOON // 1000  # 1706961600


@pytest.mark.parametrize(("value", "expected"), [
    (SECONDS, NOON), (float(SECONDS), NOON), (str(SECONDS), NOON), (f" {SECONDS} ", NOON),
    (NOON, NOON), (float(NOON), NOON), (str(NOON), NOON),
    (99_999_999_999, 99_999_999_999_000), ("99999999999", 99_999_999_999_000),
    (100_000_000_000, 100_000_000_000), (1e11, 100_000_000_000), ("100000000000", 100_000_000_000),
    (SECONDS + 0.5, NOON + 500), (-SECONDS, -NOON),
    (2_958_466, 2_958_466_000), ("2958466", 2_958_466_000),
], ids=repr)
def test_auto_reads_epoch_seconds_below_1e11_and_milliseconds_from_there(value: object,
                                                                          expected: int) -> None:
    """A column of 1700000000-style values was read as milliseconds: January 1970."""
    assert date_parser("auto")(value) == expected


DAY_MS = 86_400_000


@pytest.mark.parametrize(("value", "expected"), [
    (45325.5, NOON), (45325, NOON - DAY_MS // 2), ("45325", NOON - DAY_MS // 2),
    ("45325.5", NOON), (" 45325.75 ", NOON + DAY_MS // 4), (f"{SECONDS}.5", NOON + 500),
    (45325.75, NOON + DAY_MS // 4), (25569, 0),
    (2_958_465, int(datetime(9999, 12, 31, tzinfo=UTC).timestamp() * 1000)),
], ids=repr)
def test_auto_reads_numbers_below_2958466_as_spreadsheet_day_numbers(value: object,
                                                                     expected: int) -> None:
    """A date cell formatted as General holds 45325.5; read as epoch seconds that was
    1970-01-01T12:35:25Z, stored without a word."""
    assert date_parser("auto")(value) == expected


@pytest.mark.parametrize("value", [0, 5, "25568", 25568.99])
def test_auto_refuses_a_day_number_before_1970_naming_the_epoch_formats(value: object) -> None:
    with pytest.raises(ValueError, match=r"spreadsheet day number.*before 1970-01-01.*epoch-s"):
        date_parser("auto")(value)


@pytest.mark.parametrize("fmt", ["epoch-ms", "iso"])
def test_explicit_formats_keep_reading_numbers_as_milliseconds(fmt: str) -> None:
    parse = date_parser(fmt)
    assert parse(SECONDS) == parse(str(SECONDS)) == parse(float(SECONDS)) == SECONDS
    assert parse(str(NOON)) == NOON
    assert date_parser("epoch-s")(str(SECONDS)) == NOON


def test_auto_names_both_epoch_units_when_it_refuses(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"spreadsheet day number \(below 2,958,466\), or epoch"
                                         r" seconds \(below 100,000,000,000\) or milliseconds"):
        date_parser("auto")("yesterday")


def test_epoch_seconds_import_with_auto(api: Api, database: str, tmp_path: Path) -> None:
    """Every path a date takes: a whole column of digits at once, row by row (a batch with
    a bad row), a spreadsheet's number cells (floats) and date cells (never epochs)."""
    from tests.importkit import write_xlsx

    define_purchase(api)
    plain = write_csv(tmp_path / "plain.csv", [["Email", "When", "Amount"],
                                               ["a@example.com", str(SECONDS), "1"],
                                               ["b@example.com", str(NOON), "2"]])
    mixed = write_csv(tmp_path / "mixed.csv", [["Email", "When", "Amount"],
                                               ["c@example.com", str(SECONDS), "3"],
                                               ["d@example.com", f" {SECONDS} ", "4"],
                                               ["e@example.com", "soon", "5"]])
    sheet = write_xlsx(tmp_path / "sheet.xlsx", [["Email", "When", "Amount"],
                                                 ["f@example.com", SECONDS, 6],
                                                 ["g@example.com", NOON, 7],
                                                 ["h@example.com", datetime(2024, 2, 3, 12), 8]])
    for path in (plain, mixed, sheet):
        result = run_import(database, api.portal_id, path, "--event", "purchase",
                            "--map", "When=occurred_at")
        assert result.exit_code == 0, result.output
    when = {e["properties"]["amount"]: e["occurredAt"] for e in api.events(limit=50)["results"]}
    assert when == dict.fromkeys("1234678", "2024-02-03T12:00:00.000Z")


def test_day_numbers_import_with_auto_from_every_path(api: Api, database: str,
                                                      tmp_path: Path) -> None:
    """A sheet whose date column is formatted as General (floats), the same numbers saved as
    CSV (a whole column of digits, and row by row beside a bad row): dated 2024, not 1970;
    a day number before 1970 is refused with its reason."""
    from tests.importkit import write_xlsx

    define_purchase(api)
    sheet = write_xlsx(tmp_path / "general.xlsx", [["Email", "When", "Amount"],
                                                   ["a@example.com", 45325.5, 1],
                                                   ["b@example.com", 45325, 2]])
    plain = write_csv(tmp_path / "plain.csv", [["Email", "When", "Amount"],
                                               ["c@example.com", "45325", "3"],
                                               ["d@example.com", "45326", "4"]])
    mixed = write_csv(tmp_path / "mixed.csv", [["Email", "When", "Amount"],
                                               ["e@example.com", "45325", "5"],
                                               ["f@example.com", "12", "6"]])
    for path in (sheet, plain, mixed):
        result = run_import(database, api.portal_id, path, "--event", "purchase",
                            "--map", "When=occurred_at", "--errors", str(tmp_path / "bad.csv"))
        assert result.exit_code == 0, result.output
    when = {e["properties"]["amount"]: e["occurredAt"] for e in api.events(limit=50)["results"]}
    assert when == {"1": "2024-02-03T12:00:00.000Z", "2": "2024-02-03T00:00:00.000Z",
                    "3": "2024-02-03T00:00:00.000Z", "4": "2024-02-04T00:00:00.000Z",
                    "5": "2024-02-03T00:00:00.000Z"}
    [rejected] = report_lines(tmp_path / "bad.csv")
    assert rejected["row"] == "3"
    assert "spreadsheet day number, 12 is before 1970-01-01" in rejected["reason"]
