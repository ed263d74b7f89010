"""Mapping proposals from headers, overrides, and plans that cannot work."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from collector.definitions import parse_property
from collector.importer.mapping import BadMapping, apply_overrides, build_plan, propose
from collector.limits import Limits
from collector.model import EventDefinition
from collector.properties import PropertyDef
from tests.conftest import Api, count_rows
from tests.importkit import define_purchase, run_import, write_csv

LIMITS = Limits()
DEFINITION = EventDefinition(
    portal_id=1, id=1, name="purchase", label="Purchase", description="",
    primary_object="CONTACT", tracking_type="MANUAL",
    custom_properties=(PropertyDef("amount", "Amount", "number"),
                       PropertyDef("order_id", "Order id", "string")),
    include_default_properties=True, matching_rule=None, created_at=0, updated_at=0)


def test_proposal_from_headers() -> None:
    headers = ["E-Mail Address", "FIRST NAME", "surname", "Lifecycle Stage", "Timestamp",
               "UUID", "Amount", "order id", "Phone", "hs_page_url", "Whatever", "Date"]
    assert propose(headers, DEFINITION, LIMITS) == {
        "E-Mail Address": "email", "FIRST NAME": "contact.firstname",
        "surname": "contact.lastname", "Lifecycle Stage": "contact.lifecyclestage",
        "Timestamp": "occurred_at", "UUID": "uuid", "Amount": "event.amount",
        "order id": "event.order_id", "Phone": "contact.phone",
        "hs_page_url": "event.hs_page_url", "Whatever": "ignore",
        "Date": "ignore",  # occurred_at is taken by Timestamp
    }


@pytest.mark.parametrize("headers", [
    ["E-Mail-Adresse", "Zeitstempel", "Vorname", "Unternehmen", "Ereignis-ID"],
    ["E-postadresse", "Tidspunkt", "Fornavn", "Selskap", "Hendelses-ID"],
], ids=["german", "norwegian"])
def test_german_and_norwegian_headers_are_proposed(headers: list[str]) -> None:
    """HubSpot's import asks for the headers' language; a German or Norwegian file's own
    headers map without an override (seed 000, audit: E-Mail-Adresse was ignored)."""
    assert list(propose(headers, None, LIMITS).values()) == [
        "email", "occurred_at", "contact.firstname", "contact.company", "uuid"]


@pytest.mark.parametrize("header", ["Day", "Dag", "When", "Datum"])
def test_a_day_column_dates_the_completions(header: str) -> None:
    """A file whose date column is headed "Day" was imported as of now (its dates unread)."""
    assert propose(["E-mail", "Plan", header], None, LIMITS)[header] == "occurred_at"


@pytest.mark.parametrize(("headers", "dated"), [
    (["E-mail", "Day", "Date"], "Date"),
    (["E-mail", "Dag", "Tidspunkt"], "Tidspunkt"),
    (["Day", "E-mail", "Timestamp", "Plan"], "Timestamp"),
])
def test_a_day_column_gives_way_to_a_date_column(headers: list[str], dated: str) -> None:
    """"Day" often holds the weekday or the day of the month beside the date itself: it
    dates the completions only when no other column does (since eaafde6 a Day column before
    the Date column took occurred_at and the Date column was ignored: every row refused)."""
    proposal = propose(headers, None, LIMITS)
    assert [h for h, target in proposal.items() if target == "occurred_at"] == [dated]
    assert proposal[headers[1] if headers[0] == "E-mail" else headers[0]] == "ignore"


def test_a_header_with_accents_maps_to_the_property_its_label_named() -> None:
    """A property created from the label "Größe" is ``grosse``; the header "Größe" is
    named by the same rule, so the column maps to it (it was cleaned to gr_e: ignored)."""
    derived = parse_property({"label": "Größe", "type": "string"}, LIMITS)
    assert derived is not None
    assert derived.name == "grosse"
    definition = dataclasses.replace(DEFINITION, custom_properties=(derived,))
    assert propose(["Email", "Größe"], definition, LIMITS) == {
        "Email": "email", "Größe": "event.grosse"}


def test_a_header_naming_an_event_property_maps_to_it_over_a_synonym() -> None:
    """An event with a ``zeitpunkt`` (or ``date``) property: its column is that property,
    not the occurred-at time; a header written as a target's own name stays that target."""
    definition = dataclasses.replace(DEFINITION, custom_properties=(
        PropertyDef("zeitpunkt", "Zeitpunkt", "string"), PropertyDef("date", "Date", "string"),
        PropertyDef("uuid", "Uuid", "string")))
    assert propose(["Zeitpunkt", "Date", "Timestamp", "UUID"], definition, LIMITS) == {
        "Zeitpunkt": "event.zeitpunkt", "Date": "event.date", "Timestamp": "occurred_at",
        "UUID": "uuid"}


def test_overrides_match_headers_loosely() -> None:
    mapping = apply_overrides({"Whatever": "ignore", "E-mail": "email"},
                              ["whatever=contact.favourite", " e-mail =ignore"])
    assert mapping == {"Whatever": "contact.favourite", "E-mail": "ignore"}


@pytest.mark.parametrize(("overrides", "message"), [
    (["nocolumn=email"], "there is no column"),
    (["Amount"], "write it as column=target"),
])
def test_bad_overrides(overrides: list[str], message: str) -> None:
    with pytest.raises(BadMapping, match=message):
        apply_overrides({"Amount": "event.amount"}, overrides)


@pytest.mark.parametrize(("mapping", "message"), [
    ({"A": "event.amount"}, "No column is mapped to email"),
    ({"A": "email", "B": "email"}, "both mapped to email"),
    ({"A": "email", "B": "event.nope"}, "has no property 'nope'"),
    ({"A": "email", "B": "contact.Bad Name"}, "unknown target"),
    # It was stored, and the contacts API showed "ACME" as the contact's hs_object_id.
    ({"A": "email", "B": "contact.hs_object_id"}, "starting with hs_ are kept by Footfall"),
])
def test_plans_that_cannot_work(mapping: dict[str, str], message: str) -> None:
    with pytest.raises(BadMapping, match=message):
        build_plan(["A", "B"], mapping, DEFINITION, LIMITS)


def test_plan_limits_event_properties() -> None:
    props = tuple(PropertyDef(f"p{i}", f"P{i}", "string") for i in range(51))
    wide = EventDefinition(1, 1, "wide", "Wide", "", "CONTACT", "MANUAL", props, False, None, 0, 0)
    headers = ["email"] + [f"p{i}" for i in range(51)]
    with pytest.raises(BadMapping, match="at most 50 per completion"):
        build_plan(headers, propose(headers, wide, LIMITS), wide, LIMITS)


def test_cli_reports_bad_mapping_and_unknown_event(api: Api, database: str,
                                                   tmp_path: Path) -> None:
    define_purchase(api)
    api.define("visit_company", primaryObject="COMPANY")
    path = write_csv(tmp_path / "m.csv", [["Mail", "Amount"], ["a@example.com", "1"]])
    cases = [(["--event", "purchase", "--map", "Mail=ignore"], "No column is mapped to email"),
             (["--event", "nope"], "Unknown event 'nope'"),
             (["--event", "visit_company"], "imports are for contact events only")]
    for args, message in cases:
        result = run_import(database, api.portal_id, path, *args)
        assert result.exit_code == 1
        assert message in result.output
    result = run_import(database, api.portal_id, path, "--event", api.fqn("purchase"))
    assert result.exit_code == 0, result.output
    assert "Mail -> email, Amount -> event.amount" in result.output
    assert count_rows(database, "completions") == 1
