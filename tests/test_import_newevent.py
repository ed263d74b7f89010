"""Importing into a new event made from the file's columns (CLI and HTTP)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from collector.cli import main
from collector.importer.newevent import infer_type
from tests.conftest import Api, count_rows
from tests.importkit import run_import, wait_for_import, write_csv, write_xlsx

ROWS: list[list[Any]] = [
    ["E-mail", "First name", "Date", "Session", "Minutes", "Asked question",
     "Follow-up on"],
    ["ann@example.com", "Ann", "2024-03-01T10:00:00Z", "Intro", "42", "true", "2024-03-08"],
    ["bob@example.com", "Bob", "2024-03-01T11:00:00Z", "Deep dive", "12.5", "FALSE", ""],
]


def _definition(api: Api, name: str) -> dict[str, Any]:
    response = api.get(f"/events/v3/event-definitions/{name}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def _custom(definition: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["type"] for p in definition["properties"]
            if not p["name"].startswith("hs_")}


def test_cli_creates_the_event_from_the_columns_and_imports_every_row(
        api: Api, database: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "webinar.csv", ROWS)
    result = run_import(database, api.portal_id, path, "--create-event", "Webinar attended")
    assert result.exit_code == 0, result.output
    assert f"Created event pe{api.portal_id}_webinar_attended (Webinar attended)" in result.output
    definition = _definition(api, "webinar_attended")
    assert definition["primaryObject"] == "CONTACT"
    assert _custom(definition) == {"session": "string", "minutes": "number",
                                   "asked_question": "bool", "follow_up_on": "datetime"}
    labels = {p["name"]: p["label"] for p in definition["properties"]}
    assert labels["follow_up_on"] == "Follow-up on"
    events = api.events(eventType=f"pe{api.portal_id}_webinar_attended")["results"]
    assert sorted(e["properties"]["minutes"] for e in events) == ["12.5", "42"]
    ann = next(e for e in events if e["properties"]["session"] == "Intro")
    assert ann["properties"]["asked_question"] == "true"
    assert ann["occurredAt"] == "2024-03-01T10:00:00.000Z"
    # The contact columns fed the contact, not the event.
    assert "first_name" not in ann["properties"]
    assert "e_mail" not in ann["properties"]


def test_dry_run_shows_the_event_and_creates_nothing(api: Api, database: str,
                                                      tmp_path: Path) -> None:
    path = write_csv(tmp_path / "webinar.csv", ROWS)
    result = run_import(database, api.portal_id, path, "--create-event", "Webinar attended",
                        "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would create event" in result.output
    assert "minutes (number)" in result.output
    assert api.get("/events/v3/event-definitions/webinar_attended").status_code == 404
    assert count_rows(database, "completions") == 0


def test_overrides_rename_and_drop_columns(api: Api, database: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "webinar.csv", ROWS)
    result = run_import(database, api.portal_id, path, "--create-event", "Webinar",
                        "--map", "Minutes=event.watch_minutes", "--map", "Follow-up on=ignore")
    assert result.exit_code == 0, result.output
    assert _custom(_definition(api, "webinar")) == {
        "session": "string", "watch_minutes": "number", "asked_question": "bool"}


def test_xlsx_cells_keep_their_native_types(api: Api, database: str, tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["Email", "When", "Score", "Booked"],
        ["ann@example.com", dt.datetime(2024, 3, 1, 10, 0), 7, dt.datetime(2024, 4, 1)]]
    path = write_xlsx(tmp_path / "scores.xlsx", rows)
    result = run_import(database, api.portal_id, path, "--create-event", "Scored")
    assert result.exit_code == 0, result.output
    assert _custom(_definition(api, "scored")) == {"score": "number", "booked": "datetime"}


def test_event_and_create_event_are_exclusive(api: Api, database: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "webinar.csv", ROWS)
    both = run_import(database, api.portal_id, path, "--event", "x", "--create-event", "Y")
    neither = run_import(database, api.portal_id, path)
    for result in (both, neither):
        assert result.exit_code == 2
        assert "exactly one of --event NAME or --create-event LABEL" in result.output


def test_an_existing_name_is_a_clear_conflict(api: Api, database: str, tmp_path: Path) -> None:
    api.define("webinar")
    path = write_csv(tmp_path / "webinar.csv", ROWS)
    result = run_import(database, api.portal_id, path, "--create-event", "Webinar")
    assert result.exit_code == 1
    assert "webinar" in result.output.lower()
    assert "Traceback" not in result.output
    assert count_rows(database, "completions") == 0


def test_a_dry_run_says_when_the_new_name_is_taken(api: Api, database: str,
                                                   tmp_path: Path) -> None:
    """It said "Would create event" and only the real import failed, after the whole check."""
    api.define("webinar")
    path = write_csv(tmp_path / "webinar.csv", ROWS)
    result = run_import(database, api.portal_id, path, "--create-event", "Webinar", "--dry-run")
    assert result.exit_code == 1
    assert "'webinar' (from the label 'Webinar') is taken by an event" in result.output
    assert "Would create" not in result.output


def test_a_failed_import_leaves_no_event_and_a_second_try_works(api: Api, database: str,
                                                                tmp_path: Path) -> None:
    """The event was created before the rows were checked: an import that then failed (here
    over the monthly quota) or was cancelled left it, and trying again said it existed."""
    path = write_csv(tmp_path / "webinar.csv", ROWS)
    args = ["import", str(path), "--portal", str(api.portal_id), "--database", database,
            "--create-event", "Webinar attended"]
    failed = CliRunner().invoke(main, args, env={"FOOTFALL_MONTHLY_QUOTA": "1"})
    assert failed.exit_code == 1, failed.output
    assert "quota" in failed.output
    assert api.get("/events/v3/event-definitions/webinar_attended").status_code == 404
    assert count_rows(database, "completions") == 0
    again = run_import(database, api.portal_id, path, "--create-event", "Webinar attended")
    assert again.exit_code == 0, again.output
    created = _definition(api, "webinar_attended")
    assert int(created["id"]) > 0
    assert len(api.events()["results"]) == 2


def test_columns_colliding_on_one_name_are_refused(api: Api, database: str,
                                                   tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dup.csv", [["Email", "Order total", "order-total"],
                                            ["a@example.com", "1", "2"]])
    result = run_import(database, api.portal_id, path, "--create-event", "Ordered")
    assert result.exit_code == 1
    assert "both become property 'order_total'" in result.output


def test_http_proposes_then_creates(api: Api, database: str, tmp_path: Path) -> None:
    content = write_csv(tmp_path / "w.csv", ROWS).read_bytes()
    proposal = api.post("/footfall/v1/imports/mapping", files={"file": ("w.csv", content)},
                        data={"createEvent": "Webinar attended"})
    assert proposal.status_code == 200, proposal.text
    body = proposal.json()
    assert body["proposedEvent"]["name"] == "webinar_attended"
    assert body["mapping"]["Minutes"] == "event.minutes"
    assert body["mapping"]["E-mail"] == "email"
    started = api.post("/footfall/v1/imports", files={"file": ("w.csv", content)},
                       data={"createEvent": "Webinar attended"})
    assert started.status_code == 202, started.text
    wait_for_import(api.client, api.portal_id, started.json()["id"])
    status = api.get(f"/footfall/v1/imports/{started.json()['id']}").json()
    assert status["state"] == "committed", status
    assert status["createdEvent"]["name"] == "webinar_attended"
    # The commit creates the event: the job says the id it got.
    assert status["createdEvent"]["id"] == _definition(api, "webinar_attended")["id"] != "0"
    assert status["eventName"] == "webinar_attended"
    assert len(api.events(eventType=f"pe{api.portal_id}_webinar_attended")["results"]) == 2


def test_http_needs_exactly_one_event_field(api: Api, database: str) -> None:
    response = api.post("/footfall/v1/imports", files={"file": ("w.csv", b"Email\na@b.c\n")},
                        data={"eventName": "x", "createEvent": "Y"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["in"] == "eventName"


@pytest.mark.parametrize(("values", "expected"), [
    ([], "string"),
    (["true", "False", True], "bool"),
    (["1", "2.5", 3, 4.0, "-1e3"], "number"),
    (["1", "two"], "string"),
    (["2024-03-01", dt.datetime(2024, 1, 1), "2024-03-01T10:00:00Z"], "datetime"),
    (["2024-03-01", "soon"], "string"),
    (["01/03/2024"], "string"),  # the occurred-at date format does not apply to properties
])
def test_type_inference(values: list[object], expected: str) -> None:
    assert infer_type(values) == expected
