"""CSV imports through ``footfall import``: encodings, delimiters, quoting, idempotency."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.importer.source import open_table
from tests.conftest import Api, count_rows
from tests.importkit import define_purchase, report_lines, run_import, write_csv

HEADER = ["Email", "First Name", "Date", "Amount", "Plan"]
ROWS = [HEADER,
        ["ann@example.com", "Ann", "2024-01-02T10:00:00Z", "12.5", "gold"],
        ["Bob@Example.com", "Bob", "2024-01-03T11:30:00Z", "7", "silver"]]


def test_imports_rows_and_contacts(api: Api, database: str, tmp_path: Path) -> None:
    define_purchase(api)
    path = write_csv(tmp_path / "sales.csv", ROWS)
    result = run_import(database, api.portal_id, path, "--event", "purchase")
    assert result.exit_code == 0, result.output
    assert "2 new completions" in result.output
    assert "2 created" in result.output
    events = api.events(objectType="contact", **{"objectProperty.email": "bob@example.com"})
    [only] = events["results"]
    assert only["properties"] == {"amount": "7", "plan": "silver"}
    assert only["occurredAt"] == "2024-01-03T11:30:00.000Z"
    contact = api.get(f"/crm/v3/objects/contacts/{only['objectId']}").json()
    assert contact["properties"]["firstname"] == "Bob"


def test_rerun_adds_nothing(api: Api, database: str, tmp_path: Path) -> None:
    define_purchase(api)
    path = write_csv(tmp_path / "sales.csv", ROWS)
    assert run_import(database, api.portal_id, path, "--event", "purchase").exit_code == 0
    again = run_import(database, api.portal_id, path, "--event", "purchase")
    assert again.exit_code == 0, again.output
    assert "0 new completions (2 already present)" in again.output
    assert count_rows(database, "completions") == 2
    assert count_rows(database, "objects") == 2


def test_the_same_file_into_another_event_is_stored_for_it_too(api: Api, database: str,
                                                              tmp_path: Path) -> None:
    """A row's id is its file's, its event's and its number's: the rows are other
    completions for another event, not repeats of the first import."""
    define_purchase(api)
    define_purchase(api, "refund")
    path = write_csv(tmp_path / "sales.csv", ROWS)
    assert run_import(database, api.portal_id, path, "--event", "purchase").exit_code == 0
    other = run_import(database, api.portal_id, path, "--event", "refund")
    assert other.exit_code == 0, other.output
    assert "2 new completions (0 already present)" in other.output, other.output
    assert len(api.events(eventType=api.fqn("refund"))["results"]) == 2
    assert count_rows(database, "completions") == 4


def test_dry_run_writes_nothing(api: Api, database: str, tmp_path: Path) -> None:
    define_purchase(api)
    path = write_csv(tmp_path / "sales.csv", ROWS)
    result = run_import(database, api.portal_id, path, "--event", "purchase", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would import 2 completions for 2 contacts" in result.output
    for table in ("completions", "objects", "import_jobs"):
        assert count_rows(database, table) == 0, table


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252",
                                      "latin-1"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "pipe"])
def test_reader_detects_encoding_and_delimiter(tmp_path: Path, encoding: str,
                                               delimiter: str) -> None:
    rows = [["Email", "Note"], ["zoe@example.com", "Café, \"quoted\"; ok|x"]]
    path = write_csv(tmp_path / "notes.csv", rows, delimiter=delimiter, encoding=encoding)
    table = open_table(path, 10)
    assert table.headers == ["Email", "Note"]
    assert [cells for _, cells in table.open_rows()] == [rows[1]]


def test_utf16_semicolon_file_imports(api: Api, database: str, tmp_path: Path) -> None:
    define_purchase(api)
    rows = [["Email", "Note", "Date"], ["zoe@example.com", "Café; ok", "1704189600000"]]
    path = write_csv(tmp_path / "notes.csv", rows, delimiter=";", encoding="utf-16")
    result = run_import(database, api.portal_id, path, "--event", "purchase")
    assert result.exit_code == 0, result.output
    [event] = api.events()["results"]
    assert event["properties"] == {"note": "Café; ok"}
    assert event["occurredAt"] == "2024-01-02T10:00:00.000Z"


def test_mixed_line_endings_and_quoted_newlines(api: Api, database: str, tmp_path: Path) -> None:
    define_purchase(api)
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"Email,Note\r\na@example.com,one\nb@example.com,\"two\r\nlines\"\r"
                     b"c@example.com,three\n")
    result = run_import(database, api.portal_id, path, "--event", "purchase")
    assert result.exit_code == 0, result.output
    notes = sorted(e["properties"]["note"] for e in api.events()["results"])
    assert notes == ["one", "three", "two\r\nlines"]


def test_rejections_go_to_the_report(api: Api, database: str, tmp_path: Path) -> None:
    define_purchase(api)
    path = write_csv(tmp_path / "bad.csv", [
        ["Email", "Date", "Amount", "Plan", "Note", "Lifecycle Stage"],
        ["ok@example.com", "2024-01-01", "1", "gold", "fine", "lead"],
        ["", "2024-01-01", "1", "gold", "", ""],
        ["not-an-email", "2024-01-01", "1", "gold", "", ""],
        ["f@example.com", "2999-01-01", "1", "gold", "", ""],
        ["v@example.com", "2024-01-01", "12.3.4", "gold", "", ""],
        ["e@example.com", "2024-01-01", "1", "platinum", "", ""],
        ["l@example.com", "2024-01-01", "1", "gold", "x" * 257, "boss"],
        ["d@example.com", "yesterday", "1", "gold", "", ""],
    ])
    result = run_import(database, api.portal_id, path, "--event", "purchase",
                        "--errors", str(tmp_path / "report.csv"))
    assert result.exit_code == 0, result.output
    assert "7 rejected" in result.output
    report = report_lines(tmp_path / "report.csv")
    reasons = {(r["row"], r["column"]): r["reason"] for r in report}
    assert reasons[("3", "Email")].startswith("missing identifier")
    assert reasons[("4", "Email")] == "must be an email address"
    assert reasons[("5", "Date")] == "must not be in the future"
    assert "numeric" in reasons[("6", "Amount")]
    assert "'platinum' is not an option of plan" in reasons[("7", "Plan")]
    assert reasons[("8", "Note")] == "must be at most 256 characters (got 257)"
    assert "not a lifecycle stage" in reasons[("8", "Lifecycle Stage")]
    assert "ISO 8601" in reasons[("9", "Date")]
    assert len(report) == 8
    assert count_rows(database, "completions") == 1


def test_no_report_file_when_nothing_is_rejected(api: Api, database: str, tmp_path: Path) -> None:
    define_purchase(api)
    path = write_csv(tmp_path / "sales.csv", ROWS)
    result = run_import(database, api.portal_id, path, "--event", "purchase", "--dry-run")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "sales.csv.errors.csv").exists()
    assert "Error report" not in result.output


FIRST = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
SECOND = "9b2f6a1e-0c3d-4e5f-8a7b-6c5d4e3f2a10"
REPEATS = [
    ["UUID", "Email", "Amount"],
    [FIRST, "a@example.com", "1"],             # row 2
    [SECOND, "b@example.com", "2"],            # row 3
    [FIRST, "a@example.com", "1"],             # row 4: row 2 again, cell for cell
    [FIRST.upper(), "c@example.com", "3"],     # row 5: row 2's uuid, written otherwise
    ["", "d@example.com", "4"],                # row 6: no uuid: one made for the row
    ["{" + SECOND + "}", "not-an-email", "5"],  # row 7: row 3's uuid, and a problem of its own
]


def _repeat(row: int) -> str:
    return (f"the same uuid as row {row}: each row needs its own uuid (delete the repeated row"
            " or give it another uuid)")


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "import"])
def test_a_repeated_uuid_is_a_rejection_naming_the_earlier_row(api: Api, database: str,
                                                               tmp_path: Path,
                                                               dry_run: bool) -> None:
    """A real import skipped a later row with an earlier row's uuid as "already present",
    and a dry run counted it as importable: both now reject it, and say which row it repeats."""
    define_purchase(api)
    path = write_csv(tmp_path / "ids.csv", REPEATS)
    report = tmp_path / "report.csv"
    args = ["--event", "purchase", "--errors", str(report), *(["--dry-run"] if dry_run else [])]
    result = run_import(database, api.portal_id, path, *args)
    assert result.exit_code == 0, result.output
    assert "6 data rows: 3 valid, 3 rejected (4 problems)." in result.output
    assert {(r["row"], r["column"]): (r["value"], r["reason"]) for r in report_lines(report)} == {
        ("4", "UUID"): (FIRST, _repeat(2)),
        ("5", "UUID"): (FIRST.upper(), _repeat(2)),
        ("7", "Email"): ("not-an-email", "must be an email address"),
        ("7", "UUID"): ("{" + SECOND + "}", _repeat(3)),
    }
    if dry_run:
        assert "Would import 3 completions for 3 contacts." in result.output
        assert count_rows(database, "completions") == 0
        return
    assert "3 new completions (0 already present)" in result.output
    stored = {e["id"]: e["properties"]["amount"] for e in api.events()["results"]}
    assert len(stored) == 3
    assert (stored[FIRST], stored[SECOND]) == ("1", "2")  # each uuid's first row
    # A re-run finds every row it imported already present, and rejects the repeats again.
    again = run_import(database, api.portal_id, path, *args)
    assert again.exit_code == 0, again.output
    assert "6 data rows: 3 valid, 3 rejected (4 problems)." in again.output
    assert "0 new completions (3 already present)" in again.output
    assert count_rows(database, "completions") == 3
