"""Per-event snippets through the API and ``footfall snippet``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from starlette.testclient import TestClient

from collector.cli import main
from tests.conftest import Api

PROPS = ({"name": "plan", "label": "Plan", "type": "enumeration",
          "options": [{"label": "Pro", "value": "pro"}, {"label": "Team", "value": "team"}]},
         {"name": "amount", "label": "Amount", "type": "number"},
         {"name": "gift", "label": "Gift", "type": "bool"},
         {"name": "note", "label": "Note", "type": "string"},
         {"name": "due", "label": "Due", "type": "date"})


def _payload(snippet: str) -> Any:
    return json.loads(snippet.split("_hsq.push(", 1)[1].removesuffix(");\n"))


def test_snippet_has_typed_placeholders_and_options(api: Api) -> None:
    api.define("bought", *PROPS)
    response = api.get(f"/footfall/v1/event-definitions/{api.fqn('bought')}/snippet")
    assert response.status_code == 200, response.text
    body = response.json()
    assert _payload(body["snippet"]) == ["trackCustomBehavioralEvent", {
        "name": api.fqn("bought"),
        "properties": {"plan": "pro", "amount": 0, "gift": True, "note": "text",
                       "due": "2025-01-31"}}]
    assert '"plan": "enumeration", one of ["pro","team"]' in body["snippet"]
    assert body["code"] is None
    assert body["trackingCode"] == (f'<script async src="http://testserver/js/{api.portal_id}.js">'
                                    "</script>")


def test_snippet_without_custom_properties_lists_none(api: Api) -> None:
    """Its comment ended "replace the example values. Properties:" above nothing."""
    api.define("bought")
    snippet = api.get(f"/footfall/v1/event-definitions/{api.fqn('bought')}/snippet").json()[
        "snippet"]
    assert "Properties:" not in snippet
    assert "the event has no custom properties (the tracker adds the standard ones)." in snippet
    assert _payload(snippet) == ["trackCustomBehavioralEvent", {"name": api.fqn("bought"),
                                                                 "properties": {}}]


def test_saving_and_clearing_code(api: Api) -> None:
    api.define("bought", *PROPS)
    path = f"/footfall/v1/event-definitions/{api.fqn('bought')}/snippet"
    saved = api.client.put(path, headers=api.headers, json={"code": "console.log(1)"})
    assert saved.json()["code"] == "console.log(1)"
    assert api.get(path).json()["code"] == "console.log(1)"
    assert api.client.put(path, headers=api.headers, json={"code": 5}).status_code == 400
    assert api.client.put(path, headers=api.headers, json={"code": None}).json()["code"] is None


def test_snippet_api_is_per_portal(api: Api, other: Api) -> None:
    api.define("bought", *PROPS)
    assert other.get(f"/footfall/v1/event-definitions/{api.fqn('bought')}/snippet").status_code == 404
    assert other.get("/footfall/v1/event-definitions/bought/snippet").status_code == 404


def test_cli_prints_the_snippet(api: Api, database: str, client: TestClient) -> None:
    api.define("bought", *PROPS)
    runner = CliRunner()
    result = runner.invoke(main, ["snippet", "bought", "--portal", str(api.portal_id),
                                  "--database", database])
    assert result.exit_code == 0, result.output
    assert _payload(result.output)[1]["name"] == api.fqn("bought")
    missing = runner.invoke(main, ["snippet", "nope", "--portal", str(api.portal_id),
                                   "--database", database])
    assert missing.exit_code == 1
    assert "has no event 'nope'" in missing.output
    # A portal that does not exist is named as such, not as one without that event.
    nowhere = runner.invoke(main, ["snippet", "bought", "--portal", "999", "--database", database])
    assert nowhere.exit_code == 1
    assert "There is no portal 999" in nowhere.output


def test_cli_commands_refuse_a_database_that_is_not_there(tmp_path: Path) -> None:
    """Run from another folder, the default footfall.db is another, new file: reading from
    it would answer "no such event" about an empty database. Creating a portal says so."""
    runner = CliRunner()
    elsewhere = tmp_path / "footfall.db"
    for args in (["snippet", "bought", "--portal", "1"],
                 ["import", str(tmp_path / "rows.csv"), "--portal", "1", "--event", "bought"]):
        (tmp_path / "rows.csv").write_text("email\nann@example.com\n")
        result = runner.invoke(main, [*args, "--database", str(elsewhere)])
        assert result.exit_code == 1, result.output
        assert f"No database at {elsewhere}" in result.output
        assert not elsewhere.exists()
    created = runner.invoke(main, ["portals", "create", "--name", "New", "--database",
                                   str(elsewhere)])
    assert created.exit_code == 0, created.output
    assert f"A new database: {elsewhere}" in created.stderr
    assert created.stdout.count("\n") == 1  # still one JSON line on stdout
