"""Malformed files give a clear message (exit code 1), never a traceback, and store nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.importer.report import first_lines
from collector.importer.source import open_table
from collector.importer.table import BadFile
from tests.conftest import Api, count_rows
from tests.importkit import (
    define_purchase,
    report_lines,
    run_import,
    write_csv,
    write_xls,
    write_xlsx,
)

CASES = [
    ("unbalanced.csv", b'Email,Note\na@example.com,"never closed\nb@example.com,x\n',
     "malformed CSV"),
    ("header-only.csv", b"Email,Note\r\n", "no data rows"),
    ("empty.csv", b"", "The file is empty"),
    ("dupes.csv", b"Email,Note,email\na@example.com,x,y\n", "duplicates column 1"),
    ("notes.txt", b"Email\na@example.com\n", "unsupported file type"),
    ("junk.csv", b'Email,Note\n"a@example.com"x,y\n', "malformed CSV"),
]


@pytest.mark.parametrize(("name", "content", "message"), CASES, ids=[c[0] for c in CASES])
def test_malformed_csv(api: Api, database: str, tmp_path: Path, name: str, content: bytes,
                       message: str) -> None:
    define_purchase(api)
    path = tmp_path / name
    path.write_bytes(content)
    result = run_import(database, api.portal_id, path, "--event", "purchase")
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert count_rows(database, "completions") == 0
    assert count_rows(database, "objects") == 0


def test_too_many_rows_refused_up_front(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "big.csv", [["Email"]] + [[f"u{i}@example.com"] for i in range(4)])
    with pytest.raises(BadFile, match="has 4 data rows; at most 3 can be imported"):
        open_table(path, 3)


def test_xlsx_header_only_and_duplicates(tmp_path: Path) -> None:
    with pytest.raises(BadFile, match="no data rows"):
        open_table(write_xlsx(tmp_path / "h.xlsx", [["Email", "Note"]]), 10)
    with pytest.raises(BadFile, match="duplicates column 1"):
        open_table(write_xlsx(tmp_path / "d.xlsx", [["Note", "note"], ["x", "y"]]), 10)


def test_formula_looking_text_is_data_and_report_is_defused(api: Api, database: str,
                                                            tmp_path: Path) -> None:
    define_purchase(api)
    path = write_csv(tmp_path / "f.csv", [["Email", "Note"], ["a@example.com", "=1+2"],
                                          ["=cmd|' /C calc'!A0", "@SUM(1)"],
                                          ["'quoted", "x"], ["-5", "y"]])
    report = tmp_path / "r.csv"
    result = run_import(database, api.portal_id, path, "--event", "purchase", "--errors", str(report))
    assert result.exit_code == 0, result.output
    [event] = api.events()["results"]
    assert event["properties"] == {"note": "=1+2"}
    # In the file: defused, and a leading apostrophe doubled (a spreadsheet hides one).
    assert [line["value"] for line in report_lines(report)] == [
        "'=cmd|' /C calc'!A0", "''quoted", "'-5"]
    # Shown on a page: as sent.
    assert [line["value"] for line in first_lines(report, 10)] == [
        "=cmd|' /C calc'!A0", "'quoted", "-5"]


def test_blank_rows_are_skipped_not_rejected(api: Api, database: str, tmp_path: Path) -> None:
    define_purchase(api)
    path = tmp_path / "blank.csv"
    path.write_text("Email,Note\n\na@example.com,x\n,\n  ,  \nb@example.com,y\n")
    result = run_import(database, api.portal_id, path, "--event", "purchase")
    assert result.exit_code == 0, result.output
    assert "2 data rows: 2 valid, 0 rejected" in result.output


def test_a_number_too_long_to_be_a_date_is_that_rows_rejection(api: Api, database: str,
                                                                tmp_path: Path) -> None:
    """Digits beyond any timestamp (Python refuses to convert 4,300 or more) in a date cell
    are one row's problem, reported with its row, not the import's failure."""
    define_purchase(api)
    huge = "9" * 5000
    path = write_csv(tmp_path / "long.csv", [
        ["Email", "Occurred", "Renews"], ["a@example.com", huge, "2024-01-02"],
        ["b@example.com", "1700000000000", huge], ["c@example.com", "1700000000000", ""]])
    for fmt in (["--dry-run"], []):
        report = tmp_path / "r.csv"
        result = run_import(database, api.portal_id, path, "--event", "purchase",
                            "--map", "Occurred=occurred_at", "--errors", str(report), *fmt)
        assert result.exit_code == 0, result.output
        assert [(line["row"], line["column"]) for line in report_lines(report)] == [
            ("2", "Occurred"), ("3", "Renews")], fmt
    assert count_rows(database, "completions") == 1


@pytest.mark.parametrize("damage", ["truncated", "scrambled"])
def test_a_damaged_xls_is_a_bad_file(tmp_path: Path, damage: str) -> None:
    """xlrd fails on damaged bytes in its own ways (IndexError, struct.error, …)."""
    path = write_xls(tmp_path / "ok.xls", [["Email", "Note"]] + [
        [f"u{i}@example.com", f"note {i}"] for i in range(200)])
    data = path.read_bytes()
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        data = data[:600] + bytes(b ^ 0x5A for b in data[600:1200]) + data[1200:]
    path.write_bytes(data)
    with pytest.raises(BadFile, match=r"Cannot read ok\.xls as an \.xls workbook"):
        open_table(path, 1000)


def test_a_nul_in_a_cell_is_reported_visibly_not_written_raw(api: Api, database: str,
                                                             tmp_path: Path) -> None:
    define_purchase(api)
    path = tmp_path / "nul.csv"
    path.write_bytes(b"Email,Note\na@example.com,x\x00y\nb@example.com,ok\n")
    report = tmp_path / "r.csv"
    result = run_import(database, api.portal_id, path, "--event", "purchase",
                        "--errors", str(report))
    assert result.exit_code == 0, result.output
    assert b"\x00" not in report.read_bytes()
    assert [(line["column"], line["value"]) for line in report_lines(report)] == [
        ("Note", "x\u2400y")]
