"""The import screens in Chromium: create an event the import way, upload a CSV, adjust the
mapping (one column becomes a new property of the event), dry-run, import, download the
error report."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from e2e.harness import Portal
from e2e.ui_kit import Console, new_context, phone_pass, shoot, sign_in

ROWS = [["E-mail", "When", "Amount", "First name", "Comment"],
        ["ann@example.com", "2024-03-01 10:00", "12.5", "Ann", "first"],
        ["bob@example.com", "2024-03-02 11:30", "lots", "Bob", "bad amount"],
        ["cy@example.com", "2024-03-03 09:15", "7", "Cy", "third"]]


def _properties(portal: Portal) -> dict[str, tuple[str, str]]:
    definition = portal.call("GET", "/events/v3/event-definitions/fair_visit")
    return {p["name"]: (p["label"], p["type"]) for p in definition["properties"]}


def test_import_way_upload_map_dry_run_and_import(browser: Browser, portal: Portal,
                                                  tmp_path: Path) -> None:
    sheet = tmp_path / "fair visitors.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(ROWS)
    context = new_context(browser)
    console = Console()
    page = console.watch(context.new_page())
    base = portal.collector.url
    try:
        sign_in(page, portal, "/app/import")
        expect(page.get_by_label("New event made from the file's columns")).to_be_visible()
        shoot(page, "import-empty")
        page.get_by_role("link", name="create the event first").click()
        expect(page.get_by_text("Imported events can only be associated with contacts.")).to_be_visible()
        page.get_by_label("Event name").fill("Fair visit")
        page.get_by_role("button", name="Create and add properties").click()
        page.get_by_label("Property label").fill("Amount")
        page.get_by_label("Type").select_option("number")
        page.get_by_role("button", name="Add property").click()
        page.get_by_role("link", name="Next: import a spreadsheet").click()

        expect(page.get_by_label("Event", exact=True)).to_have_value("fair_visit")
        page.get_by_label("Spreadsheet").set_input_files(sheet)
        shoot(page, "import-upload")
        page.get_by_role("button", name="Upload and map columns").click()
        expect(page.get_by_role("heading", name="Map columns to properties")).to_be_visible()
        assert page.get_by_label("E-mail").input_value() == "email"
        assert page.get_by_label("When").input_value() == "occurred_at"
        assert page.get_by_label("Amount").input_value() == "event.amount"
        assert page.get_by_label("First name").input_value() == "contact.firstname"
        assert page.get_by_label("Comment").input_value() == "ignore"
        # "Create event property" shows the column's proposed name and type, both editable.
        new_fields = page.locator('[data-new-property-for="map_4"]')
        expect(new_fields).to_be_hidden()
        page.get_by_label("Comment").select_option("new-event-property")
        expect(new_fields).to_be_visible()
        comment = page.get_by_role("group", name="New event property from Comment")
        expect(comment.get_by_label("Property name")).to_have_value("comment")
        expect(comment.get_by_label("Property type")).to_have_value("string")
        comment.get_by_label("Property name").fill("remark")
        expect(page.locator('[data-new-property-for="map_2"]')).to_be_hidden()
        page.get_by_label("Date format of the occurred-at column").select_option("YYYY-MM-DD HH:MM")
        shoot(page, "import-mapping")
        mapping_url = page.url

        page.get_by_role("button", name="Check rows (dry run)").click()
        expect(page.get_by_role("heading", name="Check finished")).to_be_visible(timeout=20_000)
        expect(page.locator("dl")).to_contain_text("Valid rows2")
        expect(page.locator("dl")).to_contain_text("Rejected rows1")
        shoot(page, "import-checked")
        expect(page.locator("dl")).to_contain_text("remark · Comment · string")
        assert portal.events(eventType=portal.fqn("fair_visit")) == []
        assert "remark" not in _properties(portal)

        page.get_by_role("button", name="Import the 2 valid rows").click()
        expect(page.get_by_role("heading", name="Import finished")).to_be_visible(timeout=20_000)
        expect(page.get_by_text("2 completions stored.")).to_be_visible()
        shoot(page, "import-done")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the error report (CSV)").click()
        report = Path(download.value.path()).read_text("utf-8-sig")
        assert "bob@example.com" in report or "lots" in report
        stored = portal.events(eventType=portal.fqn("fair_visit"))
        assert sorted(e["properties"]["amount"] for e in stored) == ["12.5", "7"]
        assert sorted(e["properties"]["remark"] for e in stored) == ["first", "third"]
        assert _properties(portal)["remark"] == ("Comment", "string")
        assert sorted(e["occurredAt"][:16] for e in stored) == ["2024-03-01T10:00",
                                                              "2024-03-03T09:15"]
        job_url = page.url
        phone_pass(browser, context, "", {"import-upload": base + "/app/import?event=fair_visit",
                                          "import-mapping": mapping_url,
                                          "import-done": job_url})
        assert re.search(r"/app/import/jobs/[0-9a-f-]{36}", job_url)
        assert console.errors == []
    finally:
        context.close()
