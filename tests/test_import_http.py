"""The import HTTP API: multipart upload, job status, error report, mapping proposal, cancel."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tests.conftest import Api, count_rows
from tests.importkit import define_purchase, job_states, wait_for_import, write_xlsx

CSV = ("Email,Timestamp,Amount,Plan\n"
       "ann@example.com,2024-01-02T10:00:00Z,12.5,gold\n"
       "bob@example.com,2024-01-03T10:00:00Z,7,platinum\n"
       ",2024-01-03T10:00:00Z,1,gold\n")


def _upload(api: Api, content: bytes, name: str = "sales.csv", **fields: str) -> Any:
    return api.post("/footfall/v1/imports", files={"file": (name, content)},
                    data={"eventName": "purchase", **fields})


def _finish(api: Api, job_id: str) -> dict[str, Any]:
    """Wait for the job's thread to end, then read its status through the API."""
    wait_for_import(api.client, api.portal_id, job_id)
    response = api.get(f"/footfall/v1/imports/{job_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_upload_imports_and_reports(api: Api, database: str) -> None:
    define_purchase(api)
    response = _upload(api, CSV.encode())
    assert response.status_code == 202, response.text
    started = response.json()
    assert response.headers["location"] == f"/footfall/v1/imports/{started['id']}"
    job = _finish(api, started["id"])
    assert job["state"] == "committed", job
    assert (job["validRows"], job["rejectedRows"], job["completionsInserted"]) == (1, 2, 1)
    assert job["contactsInFile"] == 1  # was 0 on every job that was not a dry run
    report = api.get(f"/footfall/v1/imports/{started['id']}/errors")
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/csv")
    # Named after the file, as `footfall import` names its report, not after the job id.
    assert report.headers["content-disposition"] == 'attachment; filename="sales.csv.errors.csv"'
    lines = list(csv.DictReader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert [(r["row"], r["column"], r["value"]) for r in lines] == [
        ("3", "Plan", "platinum"), ("4", "Email", "")]
    [event] = api.events()["results"]
    assert event["properties"] == {"amount": "12.5", "plan": "gold"}


def test_dry_run_over_http_writes_nothing(api: Api, database: str, tmp_path: Path) -> None:
    define_purchase(api)
    content = write_xlsx(tmp_path / "s.xlsx", [["Email", "Amount"], ["a@example.com", 1]]).read_bytes()
    started = _upload(api, content, "s.xlsx", dryRun="true").json()
    job = _finish(api, started["id"])
    assert (job["state"], job["validRows"], job["contactsInFile"]) == ("checked", 1, 1)
    for table in ("completions", "objects", "import_jobs"):
        assert count_rows(database, table) == 0, table


def test_mapping_override_and_proposal(api: Api, database: str) -> None:
    define_purchase(api)
    content = b"Mail,Total,Day\na@example.com,3,03/02/2024\n"
    proposal = api.post("/footfall/v1/imports/mapping", files={"file": ("m.csv", content)},
                        data={"eventName": "purchase"})
    assert proposal.status_code == 200, proposal.text
    assert proposal.json() == {"fileName": "m.csv", "fileType": "csv", "rows": 1,
                               "headers": ["Mail", "Total", "Day"],
                               "mapping": {"Mail": "email", "Total": "ignore", "Day": "occurred_at"}}
    started = _upload(api, content, "m.csv", mapping='{"Total": "amount", "Day": "occurred_at"}',
                      dateFormat="DD/MM/YYYY").json()
    assert _finish(api, started["id"])["state"] == "committed"
    [event] = api.events()["results"]
    assert (event["occurredAt"], event["properties"]) == ("2024-02-03T00:00:00.000Z",
                                                          {"amount": "3"})


NUL_NAMED = (b'--x\r\nContent-Disposition: form-data; name="eventName"\r\n\r\npurchase\r\n'
             b'--x\r\nContent-Disposition: form-data; name="file"; filename="sales\x00.csv"\r\n'
             b"Content-Type: text/csv\r\n\r\nEmail\na@b.c\n\r\n--x--\r\n")

NAMELESS_PART = b"--x\r\nContent-Type: text/csv\r\n\r\nx\r\n--x--\r\n"


def test_bad_uploads_are_clear_400s(api: Api, database: str) -> None:
    define_purchase(api)
    cases = [
        (api.post("/footfall/v1/imports", data={"eventName": "purchase"}), "file"),
        (_upload(api, b"x", "notes.txt"), "unsupported file type"),
        (_upload(api, b"Email\na@b.c\n", eventName="nope"), "Unknown event"),
        (_upload(api, b"Email\na@b.c\n", mapping="[1]"), "must be a JSON object"),
        (_upload(api, b"Email\na@b.c\n", dryRun="maybe"), "true or false"),
        (_upload(api, b"Email\na@b.c\n", dateFormat="%Y%Y%Y"), '"in":"dateFormat"'),
        (_upload(api, b"Email\na@b.c\n", dateFormat="DD/Month/YYYY"), "unknown date format"),
        (api.post("/footfall/v1/imports", json={"eventName": "purchase"}), "multipart"),
        # Refused now, by name, rather than by the job later.
        (_upload(api, b"Email\na@b.c\n", eventName="", createEvent="Pur\x00chase"),
         '"in":"createEvent"'),
        (_upload(api, b"Email\na@b.c\n", eventName="", createEvent="P" * 1000),
         '"in":"createEvent"'),
        (_upload(api, b"Email\na@b.c\n", eventName="", createEvent="e_visited_page"),
         '"in":"createEvent"'),
        (_upload(api, b"Email\na@b.c\n", dateFormat="YYYY\x00"), '"in":"dateFormat"'),
        (api.post("/footfall/v1/imports", content=NUL_NAMED, headers={  # raw: httpx escapes
            "Content-Type": "multipart/form-data; boundary=x"}), '"in":"file"'),
        (api.post("/footfall/v1/imports", content=NAMELESS_PART, headers={
            "Content-Type": "multipart/form-data; boundary=x"}), '"in":"body"'),
    ]
    for response, text in cases:
        assert response.status_code == 400, response.text
        assert text in response.text


def test_a_field_given_twice_is_refused_by_name(api: Api, database: str) -> None:
    """A second file part was imported in place of the first, whose rows were lost without
    a word (a 202); a second eventName was taken over the first."""
    define_purchase(api)
    first, second = CSV.encode(), b"Email\ncat@example.com\n"
    twice = api.post("/footfall/v1/imports", data={"eventName": "purchase"},
                     files=[("file", ("a.csv", first)), ("file", ("b.csv", second))])
    assert twice.status_code == 400, twice.text
    assert twice.json()["errors"][0]["in"] == "file"
    assert "must be given once (got 2 parts): import one file per request" in twice.text
    for path in ("/footfall/v1/imports", "/footfall/v1/imports/mapping"):
        named = api.post(path, data={"eventName": ["purchase", "purchase"]},
                         files={"file": ("a.csv", first)})
        assert named.status_code == 400, named.text
        assert named.json()["errors"][0]["in"] == "eventName"
    assert count_rows(database, "completions") == 0


def test_the_mapping_endpoint_refuses_what_the_import_would(api: Api, database: str) -> None:
    """It answered 200 to a request the import refuses, which then failed later."""
    define_purchase(api)
    for fields, where in [({"eventName": "purchase", "createEvent": "New"}, "eventName"),
                          ({"createEvent": "e_visited_page"}, "createEvent"),
                          ({"eventName": "purchase", "dateFormat": "%Q"}, "dateFormat"),
                          ({"eventName": "purchase", "dryRun": "maybe"}, "dryRun")]:
        response = api.post("/footfall/v1/imports/mapping", data=fields,
                            files={"file": ("a.csv", CSV.encode())})
        assert response.status_code == 400, (fields, response.text)
        assert response.json()["errors"][0]["in"] == where, response.text
    ok = api.post("/footfall/v1/imports/mapping", data={"eventName": "purchase"},
                  files={"file": ("a.csv", CSV.encode())})
    assert ok.status_code == 200, ok.text


def test_failed_job_says_why(api: Api, database: str) -> None:
    define_purchase(api)
    started = _upload(api, b'Email,Note\n"a@example.com,x\n').json()
    job = _finish(api, started["id"])
    assert job["state"] == "failed"
    assert "malformed CSV" in job["message"]


def test_an_unreadable_workbook_is_named_as_uploaded(api: Api, database: str) -> None:
    """The message named the server's copy, "upload.xlsx", not the file the caller sent."""
    define_purchase(api)
    for path in ("/footfall/v1/imports", "/footfall/v1/imports/mapping"):
        response = api.post(path, data={"eventName": "purchase"},
                            files={"file": ("Q3 sales.xlsx", b"not a workbook")})
        message = response.text if response.status_code == 400 else _finish(
            api, response.json()["id"])["message"]
        assert "Cannot read Q3 sales.xlsx as an .xlsx workbook" in message, message
        assert "upload.xlsx" not in message


def test_a_file_named_like_the_error_report_is_imported_whole(api: Api, database: str) -> None:
    """Kept under its own name, an upload called errors.csv would share its job's folder
    with the job's error report of that name."""
    define_purchase(api)
    job = _finish(api, _upload(api, CSV.encode(), "errors.csv").json()["id"])
    assert (job["state"], job["validRows"], job["rejectedRows"]) == ("committed", 1, 2), job
    report = api.get(f"/footfall/v1/imports/{job['id']}/errors")
    rows = list(csv.DictReader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert [(r["row"], r["column"]) for r in rows] == [("3", "Plan"), ("4", "Email")]


def test_auth_and_isolation(api: Api, other: Api, database: str) -> None:
    define_purchase(api)
    started = _upload(api, CSV.encode()).json()
    _finish(api, started["id"])
    assert api.client.get(f"/footfall/v1/imports/{started['id']}").status_code == 401
    assert other.get(f"/footfall/v1/imports/{started['id']}").status_code == 404
    assert other.get(f"/footfall/v1/imports/{started['id']}/errors").status_code == 404
    assert other.delete(f"/footfall/v1/imports/{started['id']}").status_code == 404


def test_cancel_stores_nothing(api: Api, database: str) -> None:
    define_purchase(api)
    rows = "".join(f"u{i}@example.com,2024-01-02T10:00:00Z,{i},gold\n" for i in range(60_000))
    started = _upload(api, ("Email,Timestamp,Amount,Plan\n" + rows).encode()).json()
    assert api.delete(f"/footfall/v1/imports/{started['id']}").status_code == 202
    job = _finish(api, started["id"])
    assert job["state"] == "cancelled", job
    for table in ("completions", "objects"):
        assert count_rows(database, table) == 0, table
    assert job_states(database)[0][0] == "cancelled"
    again = api.delete(f"/footfall/v1/imports/{started['id']}")  # it has ended: nothing to do
    assert again.status_code == 409, again.text
    assert again.json()["errors"][0]["in"] == "jobId"
