"""``GET /footfall/v1/analytics/...``: series, summary, breakdown, latest completions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from collector.app import create_app
from collector.portals import NewPortal
from collector.settings import Settings
from tests.analyticskit import BASE, MARCH, counts, get, seed
from tests.conftest import Api


@pytest.fixture
def sales(api: Api) -> Api:
    seed(api)
    return api


def test_series_by_day_fills_empty_days(sales: Api) -> None:
    body = get(sales, "/events/purchase/series", interval="day", **{"from": "2024-03-04",
                                                                    "to": "2024-03-06"})
    assert counts(body) == [("2024-03-04", 1), ("2024-03-05", 2), ("2024-03-06", 0)]
    assert body["completions"] == 3
    assert body["timeZone"] == "UTC"
    assert body["sample"] is None
    assert body["fullyQualifiedName"] == sales.fqn("purchase")


def test_series_by_week_and_month_widen_to_whole_buckets(sales: Api) -> None:
    weeks = get(sales, "/events/purchase/series", interval="week",
                **{"from": "2024-03-06", "to": "2024-03-12"})
    assert (weeks["from"], weeks["to"]) == ("2024-03-04", "2024-03-17")  # Monday to Sunday
    assert counts(weeks) == [("2024-03-04", 3), ("2024-03-11", 1)]
    assert weeks["buckets"][0]["end"] == "2024-03-10"
    months = get(sales, "/events/purchase/series", interval="month",
                 **{"from": "2024-03-15", "to": "2024-04-01"})
    assert counts(months) == [("2024-03-01", 4), ("2024-04-01", 1)]
    assert months["to"] == "2024-04-30"


def test_fully_qualified_name_works_too(sales: Api) -> None:
    body = get(sales, f"/events/{sales.fqn('purchase')}/summary", **MARCH)
    assert body["completions"] == 4


def test_series_with_a_property_filter(sales: Api) -> None:
    body = get(sales, "/events/purchase/series", **{"from": "2024-03-04", "to": "2024-03-06",
                                                    "filter[plan]": "gold"})
    assert counts(body) == [("2024-03-04", 1), ("2024-03-05", 1), ("2024-03-06", 0)]
    assert body["filters"] == {"plan": "gold"}
    two = get(sales, "/events/purchase/series", **{**MARCH, "filter[plan]": "gold",
                                                   "filter[note]": "first"})
    assert two["completions"] == 1


def test_a_typed_filter_matches_the_value_as_stored(api: Api) -> None:
    """Values are stored in one form per type (2024-03-04T10:00:00.000Z, 12.5, true): a
    filter written as they were sent (the snippet's own example) found nothing."""
    api.define("paid", {"name": "at", "label": "At", "type": "datetime"},
               {"name": "amount", "label": "Amount", "type": "number"},
               {"name": "trial", "label": "Trial", "type": "bool"},
               {"name": "note", "label": "Note", "type": "string"})
    assert api.send(eventName=api.fqn("paid"), email="a@example.com",
                    occurredAt="2024-03-04T10:00:00Z",
                    properties={"at": "2024-03-04T10:00:00Z", "amount": "12.50",
                                "trial": True, "note": "12.50"}).status_code == 204
    for prop, value, found in [("at", "2024-03-04T10:00:00Z", 1), ("at", "1709546400000", 1),
                               ("amount", "12.50", 1), ("amount", "12.5", 1),
                               ("trial", "True", 1), ("trial", "false", 0),
                               ("note", "12.5", 0), ("note", "12.50", 1),
                               ("amount", "lots", 0)]:
        body = get(api, "/events/paid/summary", **MARCH, **{f"filter[{prop}]": value})
        assert body["completions"] == found, (prop, value)


def test_summary_counts_unique_records(sales: Api) -> None:
    body = get(sales, "/events/purchase/summary", **MARCH)
    assert (body["completions"], body["uniqueRecords"], body["adjusted"], body["failed"]) == (
        4, 3, 0, 0)
    gold = get(sales, "/events/purchase/summary", **MARCH, **{"filter[plan]": "gold"})
    assert (gold["completions"], gold["uniqueRecords"]) == (2, 2)


def test_breakdown_top_values_other_and_missing(sales: Api) -> None:
    body = get(sales, "/events/purchase/breakdown", property="plan", **MARCH)
    assert body["values"] == [{"value": "gold", "count": 2}, {"value": "silver", "count": 1},
                              {"value": None, "count": 1}]
    assert (body["other"], body["matched"], body["distinctValues"]) == (0, 4, 3)
    top = get(sales, "/events/purchase/breakdown", property="plan", top="1", **MARCH)
    assert top["values"] == [{"value": "gold", "count": 2}]
    assert top["other"] == 2
    filtered = get(sales, "/events/purchase/breakdown", property="note",
                   **MARCH, **{"filter[plan]": "gold"})
    assert filtered["values"] == [{"value": "first", "count": 1}, {"value": None, "count": 1}]


def test_an_enumeration_of_several_options_counts_for_each(sales: Api) -> None:
    """A value may join several options with ";" (as the snippet says): a breakdown counts
    it for each option, a filter by one option finds it. "gold;silver" was a value of its
    own, and filter[plan]=gold left it out."""
    for when in ("2024-03-20T10:00:00Z", "2024-03-21T10:00:00Z"):
        assert sales.send(eventName=sales.fqn("purchase"), email="dee@example.com",
                          occurredAt=when, properties={"plan": "silver;gold",
                                                       "note": "100%_off"}).status_code == 204
    body = get(sales, "/events/purchase/breakdown", property="plan", **MARCH)
    assert body["values"] == [{"value": "gold", "count": 4}, {"value": "silver", "count": 3},
                              {"value": None, "count": 1}]
    assert (body["other"], body["matched"], body["distinctValues"]) == (0, 6, 3)
    top = get(sales, "/events/purchase/breakdown", property="plan", top="1", **MARCH)
    assert (top["values"], top["other"]) == ([{"value": "gold", "count": 4}], 2)
    gold = {"filter[plan]": "gold"}
    assert get(sales, "/events/purchase/summary", **MARCH, **gold)["completions"] == 4
    series = get(sales, "/events/purchase/series", **MARCH, **gold)
    assert series["completions"] == 4
    latest = get(sales, "/events/purchase/completions", **MARCH, **gold)["results"]
    assert [r["properties"]["plan"] for r in latest] == ["silver;gold", "silver;gold", "gold",
                                                         "gold"]
    # The joined value itself still matches; a string property is matched whole.
    assert get(sales, "/events/purchase/summary", **MARCH,
               **{"filter[plan]": "silver;gold"})["completions"] == 2
    assert get(sales, "/events/purchase/summary", **MARCH,
               **{"filter[note]": "100%"})["completions"] == 0
    assert get(sales, "/events/purchase/summary", **MARCH,
               **{"filter[plan]": "gol_"})["completions"] == 0
    # Options are case-sensitive on both backends (SQLite's LIKE is not: GOLD found "gold"
    # in "silver;gold" there, and nothing on PostgreSQL).
    assert get(sales, "/events/purchase/summary", **MARCH,
               **{"filter[plan]": "GOLD"})["completions"] == 0
    notes = get(sales, "/events/purchase/breakdown", property="note", **MARCH)
    assert {"value": "100%_off", "count": 2} in notes["values"]


def test_breakdown_by_a_standard_property(sales: Api) -> None:
    body = get(sales, "/events/purchase/breakdown", property="hs_browser", **MARCH)
    assert body["values"] == [{"value": None, "count": 4}]


def test_latest_completions_newest_first_with_paging(sales: Api) -> None:
    first = get(sales, "/events/purchase/completions", limit="2", **MARCH)
    assert [r["occurredAt"] for r in first["results"]] == ["2024-03-12T09:00:00.000Z",
                                                          "2024-03-05T12:00:00.000Z"]
    assert first["results"][0]["source"] == "HTTP"
    assert first["results"][0]["adjustments"] == []
    assert first["results"][1]["properties"] == {"plan": "gold"}
    rest = get(sales, "/events/purchase/completions", limit="2", **MARCH,
               after=first["paging"]["next"]["after"])
    assert [r["occurredAt"][:10] for r in rest["results"]] == ["2024-03-05", "2024-03-04"]
    assert "paging" not in rest
    gold = get(sales, "/events/purchase/completions", **MARCH, **{"filter[plan]": "gold"})
    assert [r["occurredAt"][:10] for r in gold["results"]] == ["2024-03-05", "2024-03-04"]


def test_page_views_are_an_event_too(api: Api) -> None:
    body = get(api, "/events/e_visited_page/summary")
    assert body["completions"] == 0


@pytest.fixture
def windowed(settings: Settings, portals: list[NewPortal]) -> Iterator[Api]:
    small = Settings(database=settings.database, analytics_window=3)
    with TestClient(create_app(small)) as client:
        yield Api(client, portals[0])


def test_property_queries_read_a_window_and_say_so(windowed: Api) -> None:
    seed(windowed)
    body = get(windowed, "/events/purchase/breakdown", property="plan", **MARCH)
    # The 3 most recent of March's 4 completions: cy (none), bob (gold), ann (silver).
    assert body["matched"] == 3
    assert body["sample"] == {"window": 3, "since": "2024-03-05T10:00:00.000Z"}
    series = get(windowed, "/events/purchase/series", **{"from": "2024-03-04", "to": "2024-03-06",
                                                         "filter[plan]": "gold"})
    assert series["sample"] is None  # these three days hold only 3 completions
    month = get(windowed, "/events/purchase/series", interval="week",
                **{**MARCH, "filter[plan]": "gold"})
    assert month["sample"]["since"] == "2024-03-05T10:00:00.000Z"
    assert [(b["start"], b["completions"], b["partial"]) for b in month["buckets"]][:3] == [
        ("2024-02-26", None, False), ("2024-03-04", 1, True), ("2024-03-11", 0, False)]
    latest = get(windowed, "/events/purchase/completions", **MARCH, **{"filter[plan]": "gold"})
    assert [r["occurredAt"] for r in latest["results"]] == ["2024-03-05T12:00:00.000Z"]
    exact = get(windowed, "/events/purchase/summary", **MARCH)
    assert (exact["completions"], exact["uniqueRecords"], exact["sample"]) == (4, 3, None)


def test_every_offending_parameter_is_named(sales: Api) -> None:
    body = get(sales, "/events/purchase/series", 400, interval="hour",
               **{"from": "2024-13-01", "to": "soon", "filter[Bad]": "1", "filter[nope]": "x",
                  "bogus": "1"})
    assert {e["in"] for e in body["errors"]} == {
        "query.interval", "query.from", "query.to", "query.filter[Bad]", "query.filter[nope]",
        "query.bogus"}
    [bogus] = [e for e in body["errors"] if e["in"] == "query.bogus"]
    assert "filter[<property>]" in bogus["message"]  # the allowed ones, filters too
    # Where no filter is taken, one is an unknown parameter (it was ignored).
    body = get(sales, "/events/summary", 400, **{"filter[plan]": "gold"})
    assert [e["in"] for e in body["errors"]] == ["query.filter[plan]"]
    body = get(sales, "/events/purchase/breakdown", 400, top="0")
    assert {e["in"] for e in body["errors"]} == {"query.property", "query.top"}
    body = get(sales, "/events/purchase/breakdown", 400, property="colour")
    assert body["errors"][0]["code"] == "UNKNOWN_PROPERTY"
    body = get(sales, "/events/purchase/completions", 400, limit="1000", after="nonsense")
    assert {e["in"] for e in body["errors"]} == {"query.limit", "query.after"}


@pytest.mark.parametrize("params", [
    {"from": "2024-03-10", "to": "2024-03-01"},
    {"from": "2020-01-01", "to": "2024-01-01", "interval": "day"},
    {"from": "1969-12-31"},
    {"to": "9999-12-31"},
    {"from": "2024-02-30"},
    {"interval": ["day", "week"]},
    {"filter[plan]": "x" * 2000},
], ids=["reversed", "too-many-days", "before-1970", "far-future", "no-such-date", "twice",
        "long-value"])
def test_bad_periods_are_400(sales: Api, params: dict[str, Any]) -> None:
    body = get(sales, "/events/purchase/series", 400, **params)
    assert body["category"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("value", ["nul%00here", "%ED%A0%80", "%FF%FE",
                                   "%27;%20DROP%20TABLE%20completions;%20--", "%25", "_"])
def test_odd_filter_values_match_nothing(sales: Api, value: str) -> None:
    query = f"from=2024-03-01&to=2024-03-31&filter%5Bplan%5D={value}"
    for path in ("series", "breakdown?property=plan&", "completions"):
        joiner = "" if path.endswith("&") else "?"
        response = sales.client.get(f"{BASE}/events/purchase/{path}{joiner}{query}",
                                    headers=sales.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body.get("completions", body.get("matched", len(body.get("results", [])))) == 0


def test_unknown_event_is_404(api: Api) -> None:
    for path in ("series", "summary", "breakdown?property=plan", "completions"):
        body = get(api, f"/events/nothing/{path}", 404)
        assert body["category"] == "OBJECT_NOT_FOUND"


@pytest.mark.parametrize("path", ["/events/summary", "/events/purchase/series",
                                  "/events/purchase/summary",
                                  "/events/purchase/breakdown?property=plan",
                                  "/events/purchase/completions", "/contacts",
                                  "/contacts/1/timeline"])
def test_a_token_is_required(client: TestClient, path: str) -> None:
    assert client.get(BASE + path).status_code == 401
    bad = client.get(BASE + path, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
