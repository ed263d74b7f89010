"""Creating event properties while mapping an import into an existing event (seed 000:
"map it to an existing property or create a new property"): CLI, HTTP API, commit."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from collector.cli import main
from collector.errors import ClientError, Conflict
from collector.importer import pipeline
from collector.importer.mapping import BadMapping, apply_overrides, propose
from collector.importer.source import open_table
from collector.limits import Limits
from collector.model import EventDefinition
from collector.properties import PropertyDef
from collector.settings import Settings
from collector.storage import Store
from tests.conftest import Api, count_rows, in_store, refused_inserts
from tests.importkit import (
    PROPS,
    define_purchase,
    job_states,
    run_import,
    wait_for_import,
    write_csv,
    write_xlsx,
)

ROWS: list[list[Any]] = [
    ["Email", "Amount", "Order Total", "Coupon", "Gift", "Shipped on"],
    ["ann@example.com", "12.5", "100", "SPRING", "true", "2024-03-01T10:00:00Z"],
    ["bob@example.com", "7", "20.5", "", "false", "2024-03-02"],
]
NEW = ["--map", "Order Total=new-event-property", "--map",
       "Coupon=new-event-property:coupon_code", "--map", "Gift=new-event-property::string",
       "--map", "Shipped on=new-event-property:shipped:datetime"]
CREATED = [{"name": "order_total", "label": "Order Total", "type": "number"},
           {"name": "coupon_code", "label": "Coupon", "type": "string"},
           {"name": "gift", "label": "Gift", "type": "string"},
           {"name": "shipped", "label": "Shipped on", "type": "datetime"}]


def _custom(api: Api, name: str = "purchase") -> list[dict[str, str]]:
    body = api.get(f"/events/v3/event-definitions/{name}").json()
    return [{k: p[k] for k in ("name", "label", "type")} for p in body["properties"]
            if not p["name"].startswith("hs_")]


def _purchase_props() -> list[dict[str, str]]:
    return [{k: p[k] for k in ("name", "label", "type")} for p in PROPS]


def test_cli_creates_the_properties_in_the_import(api: Api, database: str,
                                                  tmp_path: Path) -> None:
    define_purchase(api)
    path = write_csv(tmp_path / "sales.csv", ROWS)
    result = run_import(database, api.portal_id, path, "--event", "purchase", *NEW)
    assert result.exit_code == 0, result.output
    assert ("Created event properties: order_total 'Order Total' (number), coupon_code"
            " 'Coupon' (string), gift 'Gift' (string), shipped 'Shipped on' (datetime).") \
        in result.output
    assert "Order Total -> new-event-property:order_total:number" in result.output
    assert _custom(api) == _purchase_props() + CREATED
    events = {e["properties"]["order_total"]: e["properties"] for e in api.events()["results"]}
    assert events["100"] == {"amount": "12.5", "order_total": "100", "coupon_code": "SPRING",
                             "gift": "true", "shipped": "2024-03-01T10:00:00.000Z"}
    assert "coupon_code" not in events["20.5"]  # an empty cell stays unset
    # The job as stored lists them too.
    [(state, body)] = job_states(database)
    assert state == "committed"
    assert body["createdProperties"] == CREATED


def test_a_header_is_named_as_a_label_is(api: Api, database: str, tmp_path: Path) -> None:
    """One naming rule (collector.limits.clean_property_name) for labels, the JS path's
    names and import headers: "Größe" is ``grosse`` wherever it comes from."""
    define_purchase(api)
    path = write_csv(tmp_path / "sizes.csv", [["Email", "Größe"], ["ann@example.com", "XL"]])
    result = run_import(database, api.portal_id, path, "--event", "purchase",
                        "--map", "Größe=new-event-property")
    assert result.exit_code == 0, result.output
    assert _custom(api)[-1] == {"name": "grosse", "label": "Größe", "type": "string"}


def test_dry_run_shows_the_properties_and_creates_none(api: Api, database: str,
                                                       tmp_path: Path) -> None:
    define_purchase(api)
    path = write_csv(tmp_path / "sales.csv", ROWS)
    result = run_import(database, api.portal_id, path, "--event", "purchase", "--dry-run", *NEW)
    assert result.exit_code == 0, result.output
    assert "Would create event properties: order_total 'Order Total' (number)," in result.output
    assert _custom(api) == _purchase_props()
    assert count_rows(database, "completions") == 0


def test_xlsx_cells_type_their_property(api: Api, database: str, tmp_path: Path) -> None:
    import datetime as dt

    define_purchase(api)
    rows: list[list[object]] = [["Email", "Score", "Booked"],
                                ["ann@example.com", 7, dt.datetime(2024, 4, 1)]]
    path = write_xlsx(tmp_path / "scores.xlsx", rows)
    result = run_import(database, api.portal_id, path, "--event", "purchase",
                        "--map", "Score=new-event-property", "--map", "Booked=new-event-property")
    assert result.exit_code == 0, result.output
    assert _custom(api)[-2:] == [{"name": "score", "label": "Score", "type": "number"},
                                 {"name": "booked", "label": "Booked", "type": "datetime"}]


def test_a_failed_import_leaves_the_event_unchanged(api: Api, database: str,
                                                    tmp_path: Path) -> None:
    define_purchase(api)
    path = write_csv(tmp_path / "sales.csv", ROWS)
    args = ["import", str(path), "--portal", str(api.portal_id), "--database", database,
            "--event", "purchase", *NEW]
    over_quota = CliRunner().invoke(main, args, env={"FOOTFALL_MONTHLY_QUOTA": "1"})
    assert over_quota.exit_code == 1, over_quota.output
    assert "quota" in over_quota.output
    with refused_inserts(database, "completions"):
        refused = run_import(database, api.portal_id, path, "--event", "purchase", *NEW)
    assert refused.exit_code == 1, refused.output
    assert _custom(api) == _purchase_props()
    assert count_rows(database, "completions") == 0
    again = run_import(database, api.portal_id, path, "--event", "purchase", *NEW)
    assert again.exit_code == 0, again.output
    assert _custom(api) == _purchase_props() + CREATED


def _import(api: Api, settings: Settings, path: Path, overrides: list[str],
            cancel: threading.Event | None = None,
            progress: pipeline.Progress | None = None) -> pipeline.ImportSummary:
    req = pipeline.ImportRequest(path, api.portal_id, "purchase", overrides)

    async def run(store: Store) -> pipeline.ImportSummary:
        return await pipeline.run_import(store, settings, req, path.with_suffix(".errors.csv"),
                                         progress, cancel)

    return in_store(settings.database, run)


def test_a_cancelled_import_leaves_the_event_unchanged(api: Api, database: str,
                                                       settings: Settings,
                                                       tmp_path: Path) -> None:
    define_purchase(api)
    path = write_csv(tmp_path / "sales.csv", ROWS)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(pipeline.ImportCancelled):
        _import(api, settings, path, ["Order Total=new-event-property"], cancel)
    assert _custom(api) == _purchase_props()
    assert job_states(database)[0][0] == "cancelled"


def test_a_property_added_meanwhile_refuses_the_commit(api: Api, database: str,
                                                       settings: Settings,
                                                       tmp_path: Path) -> None:
    """The import read the event before another writer gave it the same property: the
    commit adds to the event as it is then, so it refuses rather than store a duplicate."""
    define_purchase(api)
    path = write_csv(tmp_path / "sales.csv", ROWS)

    def meanwhile(done: int, total: int) -> None:
        added = api.post("/events/v3/event-definitions/purchase/property",
                         json={"name": "order_total", "label": "Total", "type": "string"})
        assert added.status_code in (200, 201), added.text

    with pytest.raises(Conflict, match="got a property 'order_total' while"):
        _import(api, settings, path, ["Order Total=new-event-property"],
                progress=meanwhile)
    assert [p["name"] for p in _custom(api)][-1] == "order_total"
    assert [p["label"] for p in _custom(api)][-1] == "Total"
    assert count_rows(database, "completions") == 0
    assert job_states(database)[0][0] == "failed"


def test_an_event_archived_meanwhile_refuses_the_commit(api: Api, database: str,
                                                        settings: Settings,
                                                        tmp_path: Path) -> None:
    """The commit stored completions into an event archived while the file was checked (an
    archived event refuses every send and hit)."""
    define_purchase(api)

    def meanwhile(done: int, total: int) -> None:
        assert api.delete("/events/v3/event-definitions/purchase").status_code == 204

    with pytest.raises(Conflict, match="purchase was archived while importing; nothing was"):
        _import(api, settings, write_csv(tmp_path / "sales.csv", ROWS), [], progress=meanwhile)
    assert count_rows(database, "completions") == 0
    assert job_states(database)[0][0] == "failed"


def test_the_limit_reached_meanwhile_refuses_the_commit_naming_what(api: Api, database: str,
                                                                    settings: Settings,
                                                                    tmp_path: Path) -> None:
    """Checked again in the commit: another writer took the last free place meanwhile."""
    import dataclasses

    define_purchase(api)
    free = len(_custom(api)) + 1
    limited = dataclasses.replace(settings, limits=dataclasses.replace(
        settings.limits, properties_per_definition=free))

    def meanwhile(done: int, total: int) -> None:
        added = api.post("/events/v3/event-definitions/purchase/property",
                         json={"name": "gift", "label": "Gift", "type": "string"})
        assert added.status_code in (200, 201), added.text

    with pytest.raises(ClientError, match=rf"purchase has {free} properties now and can take 0"
                                          rf" more \(at most {free}\), not the 1 of this import"
                                          r" \(order_total\); nothing was imported"):
        _import(api, limited, write_csv(tmp_path / "sales.csv", ROWS),
                ["Order Total=new-event-property"], progress=meanwhile)
    assert count_rows(database, "completions") == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--map", "Amount=event.amuont"],
     "Column 'Amount': purchase has no property 'amuont'; map it with"
     " new-event-property:amuont to create it"),
    (["--map", "Amount=new-event-property"],
     "Column 'Amount': purchase already has a property 'amount'; map the column to"
     " event.amount instead"),
    (["--map", "Coupon=new-event-property:AMOUNT"], "already has a property 'amount'"),
    (["--map", "Coupon=new-event-property:hs_city"],
     "Column 'Coupon': purchase already has a property 'hs_city'; map the column to"
     " event.hs_city instead"),
    (["--map", "Coupon=new-event-property:hs_coupon"],
     "Column 'Coupon': cannot create property 'hs_coupon' (name: names starting with hs_"
     " are reserved"),
    (["--map", "Coupon=new-event-property:Coupon Code"],
     "Column 'Coupon': cannot create property 'Coupon Code' (name: must start with a"
     " lowercase letter"),
    (["--map", "Coupon=new-event-property:coupon:enumeration"],
     "Column 'Coupon': an enumeration needs its options"),
    (["--map", "Coupon=new-event-property:coupon:money"],
     "Column 'Coupon': unknown property type 'money'"),
    (["--map", "Coupon=new-event-property:a:b:c"], "Column 'Coupon': write a new property as"),
    (["--map", "Coupon=new-event-property:gift", "--map", "Gift=new-event-property"],
     "Columns 'Coupon' and 'Gift' would both create property 'gift'"),
    (["--map", "Coupon=new-event-property:renews"], "map the column to event.renews instead"),
])
def test_refusals_name_the_column(api: Api, database: str, tmp_path: Path, args: list[str],
                                  message: str) -> None:
    define_purchase(api)
    path = write_csv(tmp_path / "sales.csv", ROWS)
    result = run_import(database, api.portal_id, path, "--event", "purchase", *args)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert _custom(api) == _purchase_props()
    assert count_rows(database, "completions") == 0


def test_a_new_event_needs_no_new_property_target(api: Api, database: str,
                                                  tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sales.csv", ROWS)
    result = run_import(database, api.portal_id, path, "--create-event", "Sale",
                        "--map", "Coupon=new-event-property")
    assert result.exit_code == 1, result.output
    assert "Column 'Coupon': new-event-property is for importing into an existing event" \
        in result.output
    assert api.get("/events/v3/event-definitions/sale").status_code == 404


def test_the_per_event_property_limit_applies(tmp_path: Path) -> None:
    from collector.importer.newprops import plan_mapping

    definition = EventDefinition(1, 1, "purchase", "Purchase", "", "CONTACT", "MANUAL",
                                 (PropertyDef("amount", "Amount", "number"),), True, None, 0, 0)
    table = open_table(write_csv(tmp_path / "sales.csv", ROWS), 100)
    limits = Limits(properties_per_definition=2)
    mapping = apply_overrides(propose(table.headers, definition, limits),
                              ["Coupon=new-event-property", "Gift=new-event-property"])
    with pytest.raises(BadMapping, match="2 new ones would pass the limit of 2 per event") as exc:
        plan_mapping(table, mapping, definition, limits)
    assert exc.value.column == "Gift"
    one = apply_overrides(propose(table.headers, definition, limits),
                          ["Coupon=new-event-property"])
    resolved, plan = plan_mapping(table, one, definition, limits)
    assert [p.name for p in resolved.definition.custom_properties] == ["amount", "coupon"]
    assert [(i, p.name) for i, p in plan.event] == [(1, "amount"), (3, "coupon")]


def _finish(api: Api, job_id: str) -> dict[str, Any]:
    wait_for_import(api.client, api.portal_id, job_id)
    body: dict[str, Any] = api.get(f"/footfall/v1/imports/{job_id}").json()
    return body


def test_http_proposes_then_creates(api: Api, database: str, tmp_path: Path) -> None:
    import json

    define_purchase(api)
    content = write_csv(tmp_path / "sales.csv", ROWS).read_bytes()
    mapping = json.dumps({"Order Total": "new-event-property",
                          "Coupon": "new-event-property:coupon_code:string"})
    proposal = api.post("/footfall/v1/imports/mapping", files={"file": ("s.csv", content)},
                        data={"eventName": "purchase", "mapping": mapping})
    assert proposal.status_code == 200, proposal.text
    assert proposal.json()["proposedProperties"] == CREATED[:2]
    dry = api.post("/footfall/v1/imports", files={"file": ("s.csv", content)},
                   data={"eventName": "purchase", "mapping": mapping, "dryRun": "true"})
    checked = _finish(api, dry.json()["id"])
    assert checked["state"] == "checked", checked
    assert checked["createdProperties"] == CREATED[:2]
    assert _custom(api) == _purchase_props()
    started = api.post("/footfall/v1/imports", files={"file": ("s.csv", content)},
                       data={"eventName": "purchase", "mapping": mapping})
    assert started.status_code == 202, started.text
    job = _finish(api, started.json()["id"])
    assert job["state"] == "committed", job
    assert job["createdProperties"] == CREATED[:2]
    assert job["mapping"]["Coupon"] == "new-event-property:coupon_code:string"
    assert _custom(api) == _purchase_props() + CREATED[:2]
    # Stored (another process asking later sees them too).
    [*_, (_, stored)] = job_states(database)
    assert stored["createdProperties"] == CREATED[:2]


def test_the_tracker_configs_see_the_new_properties_at_once(api: Api, database: str,
                                                           tmp_path: Path) -> None:
    """The process's definition cache (2 s) forgot nothing on an import's commit: the debug
    script, built from it, went on without the new property (review finding)."""
    import json

    define_purchase(api)
    content = write_csv(tmp_path / "sales.csv", ROWS).read_bytes()
    debug = f"/js/footfall-debug/{api.portal_id}.js"
    assert "coupon_code" not in api.client.get(debug).text  # cached from here on
    started = api.post("/footfall/v1/imports", files={"file": ("s.csv", content)},
                       data={"eventName": "purchase", "mapping": json.dumps(
                           {"Coupon": "new-event-property:coupon_code:string"})})
    assert _finish(api, started.json()["id"])["state"] == "committed"
    assert '"coupon_code"' in api.client.get(debug).text


def test_http_refusal_fails_the_job_naming_the_column(api: Api, database: str,
                                                      tmp_path: Path) -> None:
    import json

    define_purchase(api)
    content = write_csv(tmp_path / "sales.csv", ROWS).read_bytes()
    started = api.post("/footfall/v1/imports", files={"file": ("s.csv", content)},
                       data={"eventName": "purchase",
                             "mapping": json.dumps({"Coupon": "new-event-property:amount"})})
    job = _finish(api, started.json()["id"])
    assert job["state"] == "failed"
    assert job["message"] == ("Column 'Coupon': purchase already has a property 'amount'; map"
                              " the column to event.amount instead")


def test_cli_help_and_openapi_show_the_target(client: Any) -> None:
    from collector.importer.mapping import TARGETS_HELP

    assert "new-event-property[:<name>[:<type>]]" in TARGETS_HELP
    command = main.commands["import"]
    [option] = [p for p in command.params if p.name == "overrides"]
    assert option.help is not None
    assert TARGETS_HELP in option.help
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert TARGETS_HELP in schemas["ImportUpload"]["properties"]["mapping"]["description"]
    assert schemas["ImportJob"]["properties"]["createdProperties"]["type"] == "array"
    assert "proposedProperties" in schemas["MappingProposal"]["properties"]
