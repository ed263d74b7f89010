"""``GET /events/v3/events/`` and ``/events/v3/events/event-types``: every filter of SPEC
section 4, both sort orders, cursor paging and its tamper-proofing, and the result shape."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.conftest import Api
from tests.jshits import hit, post_hits

T0 = 1_700_000_000_000  # 2023-11-14T22:13:20.000Z
ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")
RESULT_KEYS = {"objectType", "objectId", "eventType", "occurredAt", "id", "properties"}


def batch(api: Api, inputs: list[dict[str, Any]]) -> None:
    for start in range(0, len(inputs), 500):
        response = api.post("/events/v3/send/batch", json={"inputs": inputs[start:start + 500]})
        assert response.status_code == 204, response.text


def get(api: Api, path: str = "/events/v3/events", **params: Any) -> Any:
    return api.get(path, params=params)


def ids(body: dict[str, Any]) -> list[str]:
    return [r["id"] for r in body["results"]]


def assert_query_error(response: Any, *where: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["category"] == "VALIDATION_ERROR"
    uuid.UUID(body["correlationId"])
    assert body["message"]
    assert sorted(e["in"] for e in body["errors"]) == sorted(where), body


def create_object(api: Api, object_type: str, **properties: str) -> str:
    response = api.post(f"/crm/v3/objects/{object_type}", json={"properties": properties})
    assert response.status_code == 201, response.text
    object_id: str = response.json()["id"]
    return object_id


@pytest.fixture
def seeded(api: Api) -> dict[str, Any]:
    """Two contact events and one company event, completions at known times.

    Returns the ids by a readable key plus the object ids.
    """
    api.define("viewed", {"name": "plan", "label": "Plan", "type": "string"},
               {"name": "amount", "label": "Amount", "type": "number"})
    api.define("bought", {"name": "plan", "label": "Plan", "type": "string"})
    api.define("renewed", {"name": "tier", "label": "Tier", "type": "string"},
               primaryObject="COMPANY")
    acme = create_object(api, "company", domain="acme.com")
    viewed, bought = api.fqn("viewed"), api.fqn("bought")
    keys = {name: str(uuid.uuid4()) for name in ("v1", "v2", "v3", "b1", "b2", "r1")}
    batch(api, [
        {"eventName": viewed, "email": "ann@example.com", "occurredAt": T0, "uuid": keys["v1"],
         "properties": {"plan": "pro plus", "amount": 10}},
        {"eventName": viewed, "email": "bob@example.com", "occurredAt": T0 + 1000,
         "uuid": keys["v2"], "properties": {"plan": "basic", "amount": 20}},
        {"eventName": viewed, "email": "ann@example.com", "occurredAt": T0 + 2000,
         "uuid": keys["v3"], "properties": {"plan": "pro plus", "amount": 20}},
        {"eventName": bought, "email": "ann@example.com", "occurredAt": T0 + 3000,
         "uuid": keys["b1"], "properties": {"plan": "pro plus"}},
        {"eventName": bought, "email": "bob@example.com", "occurredAt": T0 + 4000,
         "uuid": keys["b2"], "properties": {"plan": "basic"}},
        {"eventName": api.fqn("renewed"), "objectId": int(acme), "occurredAt": T0 + 5000,
         "uuid": keys["r1"], "properties": {"tier": "gold"}},
    ])
    ann = api.get("/crm/v3/objects/contacts/ann@example.com", params={"idProperty": "email"})
    return {**keys, "ann": ann.json()["id"], "acme": acme}


def key_order(seeded: dict[str, Any], body: dict[str, Any]) -> list[str]:
    by_id = {v: k for k, v in seeded.items() if k[0] in "vbr" and len(k) == 2}
    return [by_id[i] for i in ids(body)]


# -- paths and shape ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/events/v3/events", "/events/v3/events/"],
                         ids=["no-slash", "trailing-slash"])
def test_both_paths_list_everything_oldest_first(api: Api, seeded: dict[str, Any],
                                                 path: str) -> None:
    response = get(api, path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert key_order(seeded, body) == ["v1", "v2", "v3", "b1", "b2", "r1"]  # HubSpot's default
    assert "paging" not in body


def test_result_shape(api: Api, seeded: dict[str, Any]) -> None:
    [result] = get(api, id=seeded["v1"]).json()["results"]
    assert set(result) == RESULT_KEYS
    assert result == {
        "objectType": "CONTACT", "objectId": seeded["ann"], "eventType": api.fqn("viewed"),
        "occurredAt": "2023-11-14T22:13:20.000Z", "id": seeded["v1"],
        "properties": {"plan": "pro plus", "amount": "10"},
    }
    for item in get(api).json()["results"]:
        assert set(item) == RESULT_KEYS
        assert isinstance(item["objectId"], str)
        assert item["objectId"].isdigit()
        assert ISO_MS.match(item["occurredAt"]), item["occurredAt"]
        assert all(isinstance(v, str) for v in item["properties"].values())


def test_empty_portal_has_no_results(api: Api) -> None:
    assert api.events() == {"results": []}


def test_other_portal_sees_nothing(api: Api, other: Api, seeded: dict[str, Any]) -> None:
    assert other.events()["results"] == []
    assert other.events(id=seeded["v1"])["results"] == []
    assert other.events(eventType=api.fqn("viewed"))["results"] == []


# -- filters -----------------------------------------------------------------------------


def test_event_type_filter(api: Api, seeded: dict[str, Any]) -> None:
    assert key_order(seeded, api.events(eventType=api.fqn("viewed"))) == ["v1", "v2", "v3"]
    assert key_order(seeded, api.events(eventType=api.fqn("bought"))) == ["b1", "b2"]


@pytest.mark.parametrize("event_type", ["pe999_viewed", "pe1_nothing"],
                         ids=["other-portal", "unknown"])
def test_event_type_filter_matching_nothing(api: Api, seeded: dict[str, Any],
                                            event_type: str) -> None:
    assert api.events(eventType=event_type)["results"] == []


@pytest.mark.parametrize("spelling", ["contact", "contacts", "CONTACT", "Contacts"])
def test_object_type_contact_spellings(api: Api, seeded: dict[str, Any], spelling: str) -> None:
    assert key_order(seeded, api.events(objectType=spelling)) == ["v1", "v2", "v3", "b1", "b2"]


@pytest.mark.parametrize("spelling", ["company", "companies", "COMPANY"])
def test_object_type_company_spellings(api: Api, seeded: dict[str, Any], spelling: str) -> None:
    body = api.events(objectType=spelling)
    assert key_order(seeded, body) == ["r1"]
    assert body["results"][0]["objectType"] == "COMPANY"


def test_object_type_and_object_id(api: Api, seeded: dict[str, Any]) -> None:
    body = api.events(objectType="contact", objectId=seeded["ann"])
    assert key_order(seeded, body) == ["v1", "v3", "b1"]
    assert {r["objectId"] for r in body["results"]} == {seeded["ann"]}
    company = api.events(objectType="COMPANY", objectId=seeded["acme"])
    assert key_order(seeded, company) == ["r1"]
    # The same number as another type's id matches nothing of the wrong type.
    assert api.events(objectType="company", objectId=seeded["ann"])["results"] == []


def test_object_property_email(api: Api, seeded: dict[str, Any]) -> None:
    body = api.events(objectType="contact", **{"objectProperty.email": "ann@example.com"})
    assert key_order(seeded, body) == ["v1", "v3", "b1"]
    upper = api.events(objectType="contact", **{"objectProperty.email": "ANN@Example.com"})
    assert ids(upper) == ids(body)
    assert api.events(objectType="contact",
                      **{"objectProperty.email": "nobody@example.com"})["results"] == []


def test_object_property_combined_with_event_type(api: Api, seeded: dict[str, Any]) -> None:
    body = api.events(objectType="contact", eventType=api.fqn("bought"),
                      **{"objectProperty.email": "ann@example.com"})
    assert key_order(seeded, body) == ["b1"]


@pytest.mark.parametrize("query", ["property.plan=pro%20plus", "property.plan=pro+plus"],
                         ids=["percent-20", "plus"])
def test_property_filter_spaces(api: Api, seeded: dict[str, Any], query: str) -> None:
    response = api.get(f"/events/v3/events?{query}")
    assert response.status_code == 200, response.text
    assert key_order(seeded, response.json()) == ["v1", "v3", "b1"]


def test_property_filters_combine(api: Api, seeded: dict[str, Any]) -> None:
    body = api.events(**{"property.plan": "pro plus", "property.amount": "20"})
    assert key_order(seeded, body) == ["v3"]
    assert api.events(**{"property.plan": "none"})["results"] == []
    assert api.events(**{"property.missing": "x"})["results"] == []


@pytest.mark.parametrize(("after", "before", "expected"), [
    (T0, None, ["v2", "v3", "b1", "b2", "r1"]),
    (None, T0 + 2000, ["v1", "v2"]),
    (T0, T0 + 2000, ["v2"]),
    (T0 + 1000, T0 + 1001, []),
    ("2023-11-14T22:13:20.000Z", "2023-11-14T22:13:22.000Z", ["v2"]),
    ("2023-11-14T23:13:20+01:00", None, ["v2", "v3", "b1", "b2", "r1"]),
    (str(T0 - 1), str(T0 + 1), ["v1"]),
    # "Everything": the widest bounds an ISO 8601 date with a four-digit year can say.
    ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", ["v1", "v2", "v3", "b1", "b2", "r1"]),
], ids=["after-ms", "before-ms", "both-ms", "empty-window", "both-iso", "after-iso-offset",
        "ms-strings", "widest-bounds"])
def test_occurred_after_and_before_are_exclusive(api: Api, seeded: dict[str, Any], after: Any,
                                                 before: Any, expected: list[str]) -> None:
    params = {k: v for k, v in (("occurredAfter", after), ("occurredBefore", before)) if v}
    assert key_order(seeded, api.events(**params)) == expected


def test_id_filter(api: Api, seeded: dict[str, Any]) -> None:
    assert key_order(seeded, api.events(id=seeded["b2"])) == ["b2"]
    assert key_order(seeded, api.events(id=seeded["b2"].upper())) == ["b2"]
    assert api.events(id=str(uuid.uuid4()))["results"] == []


@pytest.mark.parametrize(("sort", "expected"), [
    (None, ["v1", "v2", "v3", "b1", "b2", "r1"]),
    ("DESCENDING", ["r1", "b2", "b1", "v3", "v2", "v1"]),
    ("ASCENDING", ["v1", "v2", "v3", "b1", "b2", "r1"]),
    ("-occurredAt", ["r1", "b2", "b1", "v3", "v2", "v1"]),
    ("occurredAt", ["v1", "v2", "v3", "b1", "b2", "r1"]),
], ids=["default-ascending", "descending", "ascending", "hubspot-descending",
        "hubspot-ascending"])
def test_sort(api: Api, seeded: dict[str, Any], sort: str | None,
              expected: list[str]) -> None:
    params = {"sort": sort} if sort else {}
    assert key_order(seeded, api.events(**params)) == expected


def test_repeated_filters_are_alternatives_within_a_name(api: Api, seeded: dict[str, Any]) -> None:
    """As HubSpot's clients send lists: ``id`` and one ``property.<name>`` repeated match any
    of their values; different names must all match."""
    both = api.get("/events/v3/events", params=[("id", seeded["v1"]), ("id", seeded["b2"])])
    assert key_order(seeded, both.json()) == ["v1", "b2"]
    comma = api.events(id=f"{seeded['v1']},{seeded['r1']}")
    assert key_order(seeded, comma) == ["v1", "r1"]
    plans = api.get("/events/v3/events", params=[("property.plan", "basic"),
                                                 ("property.plan", "pro plus")])
    assert key_order(seeded, plans.json()) == ["v1", "v2", "v3", "b1", "b2"]
    narrowed = api.get("/events/v3/events", params=[("property.plan", "basic"),
                                                    ("property.plan", "pro plus"),
                                                    ("property.amount", "20")])
    assert key_order(seeded, narrowed.json()) == ["v2", "v3"]


def test_object_property_filters_all_hold(api: Api, seeded: dict[str, Any]) -> None:
    crm = create_object(api, "contact", email="cat@example.com", firstname="Cat", city="Oslo")
    api.send(eventName=api.fqn("viewed"), objectId=int(crm), occurredAt=T0 + 9000)
    create_object(api, "contact", email="dan@example.com", firstname="Dan", city="Oslo")
    body = api.events(objectType="contact", **{"objectProperty.city": "Oslo",
                                               "objectProperty.firstname": "Cat"})
    assert [r["objectId"] for r in body["results"]] == [crm]
    assert api.events(objectType="contact", **{"objectProperty.city": "Oslo",
                                               "objectProperty.firstname": "Ann"})["results"] == []


def test_properties_parameter_chooses_what_is_returned(api: Api, seeded: dict[str, Any]) -> None:
    [only_plan] = api.events(id=seeded["v1"], properties="plan")["results"]
    assert only_plan["properties"] == {"plan": "pro plus"}
    listed = api.get("/events/v3/events", params=[("id", seeded["v1"]), ("properties", "plan"),
                                                  ("properties", "amount")])
    assert listed.json()["results"][0]["properties"] == {"plan": "pro plus", "amount": "10"}


def test_hubspots_index_parameters_are_accepted(api: Api, seeded: dict[str, Any]) -> None:
    body = api.events(indexTableName="x", indexSpecificMetadata="y")
    assert key_order(seeded, body) == ["v1", "v2", "v3", "b1", "b2", "r1"]


def test_filters_combine(api: Api, seeded: dict[str, Any]) -> None:
    body = api.events(eventType=api.fqn("viewed"), objectType="contact", objectId=seeded["ann"],
                      occurredAfter=T0, sort="ASCENDING")
    assert key_order(seeded, body) == ["v3"]


# -- limit and paging --------------------------------------------------------------------


@pytest.fixture
def many(api: Api) -> list[int]:
    """45 completions on 15 distinct instants (three ties each), sent out of order."""
    api.define("clicked", {"name": "n", "label": "N", "type": "number"})
    times = [T0 + (i % 15) * 1000 for i in range(45)]
    batch(api, [{"eventName": api.fqn("clicked"), "utk": f"v{i % 4}", "occurredAt": t,
                 "properties": {"n": i}} for i, t in enumerate(times)])
    return times


def walk(api: Api, **params: Any) -> list[dict[str, Any]]:
    """Every page, following ``paging.next.after``."""
    seen: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(1000):
        body = api.events(**params, **({"after": after} if after else {}))
        seen.extend(body["results"])
        if "paging" not in body:
            return seen
        assert body["results"], "a page with a next cursor must not be empty"
        after = body["paging"]["next"]["after"]
        assert isinstance(after, str)
    raise AssertionError("paging never ended")


@pytest.mark.parametrize("sort", ["ASCENDING", "DESCENDING"])
@pytest.mark.parametrize("limit", [1, 4, 15, 44])
def test_paging_visits_every_completion_once_in_order(api: Api, many: list[int], sort: str,
                                                      limit: int) -> None:
    everything = api.events(sort=sort, limit=1000)["results"]
    assert len(everything) == 45
    stamps = [r["occurredAt"] for r in everything]
    assert stamps == sorted(stamps, reverse=sort == "DESCENDING")
    paged = walk(api, sort=sort, limit=limit)
    assert [r["id"] for r in paged] == [r["id"] for r in everything]
    assert len({r["id"] for r in paged}) == 45


def test_ties_are_ordered_the_same_way_in_both_directions(api: Api, many: list[int]) -> None:
    ascending = [r["id"] for r in api.events(sort="ASCENDING", limit=1000)["results"]]
    descending = [r["id"] for r in api.events(sort="DESCENDING", limit=1000)["results"]]
    assert ascending == descending[::-1]


def test_exact_page_boundary_has_no_next_page(api: Api, many: list[int]) -> None:
    first = api.events(limit=45)
    assert len(first["results"]) == 45
    assert "paging" not in first
    second = api.events(limit=44)
    assert "paging" in second
    last = api.events(limit=44, after=second["paging"]["next"]["after"])
    assert len(last["results"]) == 1
    assert "paging" not in last


def test_paging_link_is_followable_and_keeps_filters(api: Api, many: list[int],
                                                     seeded: dict[str, Any]) -> None:
    first = api.events(eventType=api.fqn("clicked"), limit=20, sort="ASCENDING")
    link = first["paging"]["next"]["link"]
    assert "after=" in link
    second = api.get(link)
    assert second.status_code == 200, second.text
    results = first["results"] + second.json()["results"]
    third = api.get(second.json()["paging"]["next"]["link"]).json()
    results += third["results"]
    assert "paging" not in third
    assert len(results) == 45
    assert {r["eventType"] for r in results} == {api.fqn("clicked")}


@pytest.mark.parametrize("sort", ["occurredAt", "-occurredAt"])
def test_before_walks_back_through_every_page(api: Api, many: list[int], sort: str) -> None:
    """``paging.prev.before`` (past the first page) leads back, page by page, to the first."""
    pages = [api.events(sort=sort, limit=7)]
    while "paging" in pages[-1]:
        pages.append(api.events(sort=sort, limit=7, after=pages[-1]["paging"]["next"]["after"]))
    assert "prev" not in pages[0].get("paging", {})
    assert [len(p["results"]) for p in pages] == [7] * 6 + [3]
    # The last page has no next, so no paging (clients loop on paging.next); step back from
    # the page before it.
    back = [pages[-2]]
    while "prev" in back[-1]["paging"]:
        back.append(api.events(sort=sort, limit=7, before=back[-1]["paging"]["prev"]["before"]))
    assert [p["results"] for p in back] == [p["results"] for p in reversed(pages[:-1])]
    assert back[-1]["paging"]["next"]["after"] == pages[0]["paging"]["next"]["after"]


def test_before_and_after_together_are_refused(api: Api, many: list[int]) -> None:
    after = api.events(limit=5)["paging"]["next"]["after"]
    assert_query_error(get(api, after=after, before=after), "query.before")


def test_paging_with_a_filter(api: Api, many: list[int]) -> None:
    ties = walk(api, occurredAfter=T0 + 999, occurredBefore=T0 + 3001, limit=2)
    assert len(ties) == 9
    assert len({r["id"] for r in ties}) == 9


def test_limit_default_is_hubspots_20(api: Api) -> None:
    api.define("clicked")
    batch(api, [{"eventName": api.fqn("clicked"), "utk": "v", "occurredAt": T0 + i}
                for i in range(21)])
    body = api.events()
    assert len(body["results"]) == 20
    assert "paging" in body
    rest = api.events(after=body["paging"]["next"]["after"])
    assert len(rest["results"]) == 1
    assert rest["results"][0]["occurredAt"] == "2023-11-14T22:13:20.020Z"


@pytest.mark.parametrize("limit", ["1", "1000"])
def test_limit_bounds_are_accepted(api: Api, many: list[int], limit: str) -> None:
    assert len(api.events(limit=limit)["results"]) == min(int(limit), 45)


@pytest.mark.parametrize("limit", ["0", "-1", "1001", "99999999999999999999999999", "abc", "1.5",
                                   "", "1e2", "²"],
                         ids=["zero", "negative", "over-max", "huge", "word", "decimal", "empty",
                              "exponent", "superscript-digit"])
def test_bad_limit_is_rejected(api: Api, limit: str) -> None:
    assert_query_error(get(api, limit=limit), "query.limit")


# -- cursors -----------------------------------------------------------------------------


def _flip(text: str, index: int) -> str:
    replacement = "B" if text[index] == "A" else "A"
    return text[:index] + replacement + text[index + 1:]


@pytest.fixture
def cursor(api: Api, many: list[int]) -> str:
    after: str = api.events(limit=5)["paging"]["next"]["after"]
    assert "." in after
    return after


@pytest.mark.parametrize(("half", "index"), [(0, 0), (0, -1), (0, 5), (1, 0), (1, -1), (1, 7)],
                         ids=["payload-first", "payload-last", "payload-middle", "signature-first",
                              "signature-last", "signature-middle"])
def test_tampered_cursor_is_rejected(api: Api, cursor: str, half: int, index: int) -> None:
    parts = cursor.split(".")
    parts[half] = _flip(parts[half], index)
    tampered = ".".join(parts)
    assert tampered != cursor
    response = get(api, limit=5, after=tampered)
    if response.status_code == 200:
        # Flipping the last character can land on discarded base64 padding bits; then
        # the cursor decodes to the same bytes and is, honestly, the same cursor.
        assert index == -1
        assert response.json() == api.events(limit=5, after=cursor)
        return
    assert_query_error(response, "query.after")


@pytest.mark.parametrize("bad", ["", "abc", "abc.def", ".", "....", "%%%", "é.é", "a" * 2000,
                                 "eyJ4IjoxfQ"],
                         ids=["empty", "word", "two-words", "dot", "dots", "percent",
                              "non-ascii", "very-long", "unsigned-json"])
def test_garbage_cursor_is_rejected(api: Api, many: list[int], bad: str) -> None:
    assert_query_error(get(api, after=bad), "query.after")


def test_cursor_from_the_other_sort_order_is_rejected(api: Api, many: list[int]) -> None:
    ascending = api.events(limit=5)["paging"]["next"]["after"]
    assert_query_error(get(api, after=ascending, sort="DESCENDING"), "query.after")
    assert_query_error(get(api, after=ascending, sort="-occurredAt"), "query.after")
    descending = api.events(limit=5, sort="DESCENDING")["paging"]["next"]["after"]
    assert_query_error(get(api, after=descending), "query.after")
    assert_query_error(get(api, after=descending, sort="ASCENDING"), "query.after")


def test_cursor_of_another_portal_is_rejected(api: Api, other: Api, cursor: str) -> None:
    assert_query_error(get(other, after=cursor), "query.after")


# -- bad queries -------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "where"), [
    ({"foo": "bar"}, ("query.foo",)),
    ({"eventtype": "x"}, ("query.eventtype",)),
    ({"objectId": "1"}, ("query.objectType",)),
    ({"objectType": "widget"}, ("query.objectType",)),
    ({"objectType": "contact", "objectId": "abc"}, ("query.objectId",)),
    ({"objectType": "contact", "objectId": "-1"}, ("query.objectId",)),
    ({"objectType": "contact", "objectId": "0"}, ("query.objectId",)),
    ({"objectType": "contact", "objectId": "²"}, ("query.objectId",)),
    ({"objectType": "contact", "objectId": str(2**64)}, ("query.objectId",)),
    ({"sort": "SIDEWAYS"}, ("query.sort",)),
    ({"sort": "occurredAt,-occurredAt"}, ("query.sort",)),
    ({"properties": "Plan"}, ("query.properties",)),
    ({"occurredAfter": "yesterday"}, ("query.occurredAfter",)),
    ({"occurredBefore": "10000-01-01T00:00:00Z"}, ("query.occurredBefore",)),
    ({"occurredAfter": "1e20"}, ("query.occurredAfter",)),
    ({"id": "not-a-uuid"}, ("query.id",)),
    ({"property.Plan": "x"}, ("query.property.Plan",)),
    ({"property.": "x"}, ("query.property.",)),
    ({"objectProperty.e-mail": "x"}, ("query.objectProperty.e-mail",)),
    ({"sort": "UP", "id": "x", "objectType": "widget"}, ("query.sort", "query.id",
                                                         "query.objectType")),
    ({"sort": "UP", "id": "x", "limit": "0", "foo": "1"}, ("query.sort", "query.id",
                                                           "query.limit", "query.foo")),
], ids=["unknown", "wrong-case-name", "object-id-without-type", "unknown-object-type",
        "object-id-word", "object-id-negative", "object-id-zero", "object-id-superscript",
        "object-id-huge", "bad-sort", "both-sorts", "bad-properties", "bad-after",
        "absurd-before", "absurd-after-number",
        "bad-id", "uppercase-property", "empty-property", "bad-object-property",
        "three-problems-at-once", "limit-and-unknown-too"])
def test_bad_query_is_rejected(api: Api, seeded: dict[str, Any], params: dict[str, str],
                               where: tuple[str, ...]) -> None:
    assert_query_error(get(api, **params), *where)


@pytest.mark.parametrize(("path", "query", "where"), [
    ("/events/v3/events", "limit=5&limit=500", "query.limit"),
    ("/events/v3/events", "eventType=a&eventType=b", "query.eventType"),
    ("/events/v3/events", "objectType=contact&objectType=company", "query.objectType"),
    ("/events/v3/events", "objectType=contact&objectId=1&objectId=2", "query.objectId"),
    ("/events/v3/events", "occurredAfter=1&occurredAfter=2", "query.occurredAfter"),
    ("/events/v3/events", "occurredBefore=1&occurredBefore=2", "query.occurredBefore"),
    ("/events/v3/events", "after=x&after=y", "query.after"),
    ("/events/v3/event-definitions", "limit=1&limit=2", "query.limit"),
    ("/events/v3/event-definitions", "archived=true&archived=false", "query.archived"),
    ("/events/v3/event-definitions", "searchString=a&searchString=b", "query.searchString"),
    ("/events/v3/event-definitions", "sortOrder=ASC&sortOrder=DESC", "query.sortOrder"),
    ("/footfall/v1/tracking/failed-events", "limit=1&limit=2", "query.limit"),
    ("/crm/v3/objects/contacts/a@b.example", "idProperty=email&idProperty=x",
     "query.idProperty"),
], ids=lambda v: v if "=" in v else None)
def test_a_one_valued_parameter_given_twice_is_refused(api: Api, path: str, query: str,
                                                       where: str) -> None:
    """The last value was used, the others silently dropped: eventType=a&eventType=b read
    b's completions alone, with a 200."""
    response = api.get(f"{path}?{query}")
    assert response.status_code == 400, response.text
    assert [e["in"] for e in response.json()["errors"]] == [where]
    assert "once" in response.json()["errors"][0]["message"]


# -- event types -------------------------------------------------------------------------


def test_event_types_lists_the_page_view_and_this_portals_definitions(api: Api,
                                                                       other: Api) -> None:
    """As HubSpot lists them: built-in events by their own name (``e_visited_page``)."""
    assert api.get("/events/v3/events/event-types").json() == {"eventTypes": ["e_visited_page"]}
    api.define("viewed")
    api.define("bought")
    other.define("theirs")
    response = api.get("/events/v3/events/event-types")
    assert response.status_code == 200, response.text
    assert response.json()["eventTypes"] == ["e_visited_page", api.fqn("bought"),
                                             api.fqn("viewed")]
    assert other.get("/events/v3/events/event-types").json() == {
        "eventTypes": ["e_visited_page", other.fqn("theirs")]}


def test_page_views_read_back_under_hubspots_name(api: Api) -> None:
    post_hits(api.client, api.portal_id, hit())
    [view] = api.events(eventType="e_visited_page")["results"]
    assert view["eventType"] == "e_visited_page"
    assert api.events(eventType=f"pe{api.portal_id}_e_visited_page")["results"] == [view]


def test_event_types_rejects_unknown_parameters(api: Api) -> None:
    assert_query_error(api.get("/events/v3/events/event-types", params={"limit": "5"}),
                       "query.limit")


@pytest.mark.parametrize("path", ["/events/v3/events", "/events/v3/events/",
                                  "/events/v3/events/event-types"])
def test_retrieval_needs_a_token(api: Api, path: str) -> None:
    response = api.client.get(path)
    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"
