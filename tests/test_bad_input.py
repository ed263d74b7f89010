"""Every bad input of issue 2: always a 4xx in HubSpot's error shape naming the field, never a
500, and never a partial write (checked through the API and in the database file)."""

from __future__ import annotations

import dataclasses
import gzip
import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.types import Message, Scope

from collector.app import create_app
from collector.bodylimit import declared_length
from collector.portals import NewPortal
from collector.settings import Settings
from tests.conftest import Api, count_rows

SEND = "/events/v3/send"
BATCH = "/events/v3/send/batch"
DEFINITIONS = "/events/v3/event-definitions"
JSON_HEADERS = {"Content-Type": "application/json"}

PROPS: list[dict[str, Any]] = [
    {"name": "plan", "label": "Plan", "type": "string"},
    {"name": "amount", "label": "Amount", "type": "number"},
    {"name": "paid", "label": "Paid", "type": "bool"},
    {"name": "renews_at", "label": "Renews at", "type": "datetime"},
    {"name": "start_day", "label": "Start day", "type": "date"},
    {"name": "color", "label": "Color", "type": "enumeration",
     "options": [{"label": "Red", "value": "red"}, {"label": "Blue", "value": "blue"}]},
]
WIDE_PROPS = [{"name": f"p{i:02d}", "label": f"P{i:02d}", "type": "string"} for i in range(60)]


def stored(database: str) -> dict[str, int]:
    """Row counts of every table a send could write, straight from the database file."""
    return {table: count_rows(database, table)
            for table in ("completions", "objects", "visitors", "usage")}


NOTHING = {"completions": 0, "objects": 0, "visitors": 0, "usage": 0}


def matches(where: str, pattern: str) -> bool:
    """``pattern`` is exact, a prefix ending in ``*``, or alternatives separated by ``|``."""
    return any(where.startswith(alt[:-1]) if alt.endswith("*") else where == alt
               for alt in pattern.split("|"))


def assert_error(response: Any, status: int, *patterns: str) -> dict[str, Any]:
    """HubSpot's error shape; every error's ``in`` matches a pattern and every pattern an error.

    See ``matches``: prefixes are for paths that embed deep or odd keys.
    """
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["status"] == "error"
    assert isinstance(body["message"], str)
    assert body["message"].strip()
    uuid.UUID(body["correlationId"])
    assert body["category"] == {413: "VALIDATION_ERROR", 415: "VALIDATION_ERROR",
                                400: "VALIDATION_ERROR"}[status]
    errors = body["errors"]
    assert errors, body
    for error in errors:
        assert set(error) >= {"message", "in"}
        assert error["message"]
        assert any(matches(error["in"], p) for p in patterns), (error, patterns)
    for pattern in patterns:
        assert any(matches(e["in"], pattern) for e in errors), (pattern, errors)
    return body


@dataclasses.dataclass
class Portal:
    api: Api
    database: str
    names: dict[str, str]

    def body(self, template: str) -> bytes:
        for key, value in self.names.items():
            template = template.replace("{" + key + "}", value)
        return template.encode("utf-8", "surrogatepass")

    def post_raw(self, path: str, data: bytes, headers: dict[str, str] | None = None) -> Any:
        return self.api.post(path, content=data, headers=headers or JSON_HEADERS)

    def assert_nothing_stored(self) -> None:
        assert self.api.events(limit=1000)["results"] == []
        assert stored(self.database) == NOTHING
        victim = self.api.get("/crm/v3/objects/contacts/victim@example.com",
                              params={"idProperty": "email"})
        assert victim.status_code == 404


@pytest.fixture
def portal(api: Api, database: str) -> Portal:
    api.define("purchased", *PROPS)
    api.define("wide", *WIDE_PROPS)
    api.define("gone", {"name": "plan", "label": "Plan", "type": "string"})
    assert api.delete(f"{DEFINITIONS}/gone").status_code == 204
    future = time.time_ns() // 1_000_000 + 10 * 60 * 1000
    names = {"EVENT": api.fqn("purchased"), "WIDE": api.fqn("wide"),
             "ARCHIVED": api.fqn("gone"), "PORTAL": str(api.portal_id), "FUTURE": str(future)}
    return Portal(api, database, names)


def _props(inner: str) -> str:
    return '{"eventName":"{EVENT}","email":"victim@example.com","properties":{' + inner + "}}"


def _field(inner: str) -> str:
    return '{"eventName":"{EVENT}","email":"victim@example.com",' + inner + "}"


DEEP_100 = _props('"plan":' + "[" * 100 + "]" * 100)
DEEP_100000 = _props('"plan":' + "[" * 100_000 + "]" * 100_000)
DEEP_OBJECTS = _props('"plan":' + '{"a":' * 100_000 + "1" + "}" * 100_000)

# (body template, expected `in` patterns); every one must be a 400.
HUGE = "9" * 5000  # more digits than Python converts to an int (4,300)
PADDED = "0" * 5000 + "7"  # a small number, in more digits than that

SEND_CASES = [
    pytest.param(_field(f'"objectId":"{HUGE}"'), ["objectId"], id="objectId-5000-digits"),
    pytest.param(_field(f'"objectId":"{PADDED}"'), ["objectId"],  # no contact 7
                 id="objectId-zero-padded"),
    pytest.param(_field(f'"occurredAt":"{HUGE}"'), ["occurredAt"], id="occurredAt-5000-digits"),
    pytest.param(_field(f'"occurredAt":"-{HUGE}"'), ["occurredAt"],
                 id="occurredAt-minus-5000-digits"),
    pytest.param('{"eventName":"{EVENT}","email":"victim@example.com"', ["body"],
                 id="malformed-unclosed"),
    pytest.param('{"eventName":"{EVENT}","email":"victim@example.com",}', ["body"],
                 id="malformed-trailing-comma"),
    pytest.param("{'eventName':'{EVENT}','email':'victim@example.com'}", ["body"],
                 id="malformed-single-quotes"),
    pytest.param('{"eventName":"{EVENT}","email":"victim@example.com"} {}', ["body"],
                 id="malformed-two-documents"),
    pytest.param("   \n\t ", ["body"], id="whitespace-only"),
    pytest.param(_props('"amount":NaN'), ["body"], id="nan"),
    pytest.param(_props('"amount":Infinity'), ["body"], id="infinity"),
    pytest.param(_props('"amount":-Infinity'), ["body"], id="minus-infinity"),
    pytest.param(_props('"amount":1e400'), ["body"], id="1e400"),
    pytest.param(_props('"amount":-1e400'), ["body"], id="minus-1e400"),
    pytest.param(_props('"amount":' + str(10**30)), ["properties.amount"], id="10-to-30-number"),
    pytest.param(_props('"amount":' + "9" * 5000), ["body"], id="5000-digit-integer"),
    pytest.param(_props('"amount":1.5e300'), ["properties.amount"], id="1.5e300-number"),
    pytest.param(DEEP_100, ["properties.plan*"], id="nested-100-arrays"),
    pytest.param(DEEP_100000, ["body|properties.plan*"], id="nested-100000-arrays"),
    pytest.param(DEEP_OBJECTS, ["body|properties.plan*"], id="nested-100000-objects"),
    pytest.param("[" * 100 + "]" * 100, ["body*|[0]*"], id="nested-100-top-level"),
    pytest.param(_props('"plan":"pro\\ud800"'), ["properties.plan"],
                 id="lone-surrogate-in-value"),
    pytest.param(_props('"plan":"\\udfff"'), ["properties.plan"],
                 id="lone-low-surrogate-in-value"),
    pytest.param(_props('"pl\\ud800an":"pro"'), ["properties.*"], id="lone-surrogate-in-key"),
    pytest.param('{"eventName":"{EVENT}\\ud800","email":"victim@example.com"}', ["eventName"],
                 id="lone-surrogate-in-event-name"),
    pytest.param(_props('"plan":"pro\\u0000"'), ["properties.plan"], id="nul-in-value"),
    pytest.param(_props('"pl\\u0000an":"pro"'), ["properties.*"], id="nul-in-key"),
    pytest.param('{"eventName":"{EVENT}","email":"victim@example.com\\u0000"}', ["email"],
                 id="nul-in-email"),
    pytest.param('{"eventName":"{EVENT}","eventName":"{EVENT}","email":"victim@example.com"}',
                 ["body"], id="duplicate-top-level-key"),
    pytest.param(_props('"plan":"a","plan":"b"'), ["body"], id="duplicate-property-key"),
    pytest.param("[]", ["body"], id="body-empty-array"),
    pytest.param('[{"eventName":"{EVENT}","email":"victim@example.com"}]', ["body"],
                 id="body-array"),
    pytest.param('"hello"', ["body"], id="body-string"),
    pytest.param("42", ["body"], id="body-number"),
    pytest.param("null", ["body"], id="body-null"),
    pytest.param("true", ["body"], id="body-boolean"),
    pytest.param(_field('"properties":[]'), ["properties"], id="properties-array"),
    pytest.param(_field('"properties":"plan=pro"'), ["properties"], id="properties-string"),
    pytest.param(_field('"properties":7'), ["properties"], id="properties-number"),
    pytest.param('{"email":"victim@example.com"}', ["eventName"], id="event-name-missing"),
    pytest.param('{"eventName":42,"email":"victim@example.com"}', ["eventName"],
                 id="event-name-number"),
    pytest.param('{"eventName":"pe{PORTAL}_nope","email":"victim@example.com"}', ["eventName"],
                 id="unknown-event"),
    pytest.param('{"eventName":"pe999999_purchased","email":"victim@example.com"}',
                 ["eventName"], id="other-portals-event"),
    pytest.param('{"eventName":"PE{PORTAL}_PURCHASED","email":"victim@example.com"}',
                 ["eventName"], id="event-name-wrong-case"),
    pytest.param('{"eventName":"{ARCHIVED}","email":"victim@example.com"}', ["eventName"],
                 id="archived-event"),
    pytest.param(_props('"nope":"x"'), ["properties.nope"], id="unknown-property"),
    pytest.param(_props('"plan":"a","hs_made_up":"x"'), ["properties.hs_made_up"],
                 id="unknown-hs-property"),
    pytest.param(_props('"amount":"lots"'), ["properties.amount"], id="wrong-type-number"),
    pytest.param(_props('"amount":"1.2.3"'), ["properties.amount"],
                 id="wrong-type-two-decimal-points"),
    pytest.param(_props('"amount":true'), ["properties.amount"], id="wrong-type-bool-as-number"),
    pytest.param(_props('"amount":"' + "1" * 5000 + '"'), ["properties.amount"],
                 id="number-text-of-5000-digits"),
    pytest.param(_props('"paid":"yes"'), ["properties.paid"], id="wrong-type-bool"),
    pytest.param(_props('"renews_at":"soon"'), ["properties.renews_at"],
                 id="wrong-type-datetime"),
    pytest.param(_props('"renews_at":"99999-01-01T00:00:00Z"'), ["properties.renews_at"],
                 id="absurd-datetime-value"),
    pytest.param(_props('"start_day":"2024-03-01T10:00:00Z"'), ["properties.start_day"],
                 id="wrong-type-date-not-midnight"),
    pytest.param(_props('"plan":{"a":1}'), ["properties.plan"], id="wrong-type-object"),
    pytest.param(_props('"plan":["a"]'), ["properties.plan"], id="wrong-type-list"),
    pytest.param(_props('"plan":null'), ["properties.plan"], id="wrong-type-null"),
    pytest.param(_props('"plan":"' + "x" * 257 + '"'), ["properties.plan"], id="value-too-long"),
    pytest.param(_props('"color":"purple"'), ["properties.color"], id="enumeration-not-an-option"),
    pytest.param(_props('"color":"red;purple"'), ["properties.color"],
                 id="enumeration-one-of-several-not-an-option"),
    pytest.param(_props('"color":"RED"'), ["properties.color"], id="enumeration-wrong-case"),
    pytest.param(_props('"color":""'), ["properties.color"], id="enumeration-empty"),
    pytest.param(_props('"hs_touchpoint_source":"TELEPATHY"'), ["properties.hs_touchpoint_source"],
                 id="standard-enumeration-not-an-option"),
    pytest.param(_field('"occurredAt":{FUTURE}'), ["occurredAt"], id="future-timestamp-ms"),
    pytest.param(_field('"occurredAt":"{FUTURE}"'), ["occurredAt"],
                 id="future-timestamp-ms-string"),
    pytest.param(_field('"occurredAt":"2999-01-01T00:00:00Z"'), ["occurredAt"],
                 id="future-timestamp-iso"),
    pytest.param(_field('"occurredAt":"0001-01-01T00:00:00Z"'), ["occurredAt"], id="year-0001"),
    pytest.param(_field('"occurredAt":"99999-01-01T00:00:00Z"'), ["occurredAt"], id="year-99999"),
    pytest.param(_field('"occurredAt":-1'), ["occurredAt"], id="epoch-minus-1"),
    pytest.param(_field('"occurredAt":1e20'), ["occurredAt"], id="epoch-1e20"),
    pytest.param(_field('"occurredAt":100000000000000000000000000000'), ["occurredAt"],
                 id="epoch-10-to-29"),
    pytest.param(_field('"occurredAt":"yesterday"'), ["occurredAt"], id="timestamp-word"),
    pytest.param(_field('"occurredAt":true'), ["occurredAt"], id="timestamp-boolean"),
    pytest.param(_field('"occurredAt":"2024-02-30T00:00:00Z"'), ["occurredAt"],
                 id="timestamp-february-30"),
    pytest.param(_props('"plan":"a","Plan":"b"'), ["properties.plan", "properties.Plan"],
                 id="names-differing-only-by-case"),
    pytest.param(_props('"hs_page_title":"a","HS_PAGE_TITLE":"b"'),
                 ["properties.hs_page_title", "properties.HS_PAGE_TITLE"],
                 id="standard-names-differing-only-by-case"),
    pytest.param(_props('"Plan":"b"'), ["properties.Plan"], id="name-in-wrong-case"),
    pytest.param(_props(",".join(f'"p{i:02d}":"x"' for i in range(51))).replace("{EVENT}", "{WIDE}"),
                 ["properties"], id="51-properties"),
    pytest.param(_field('"colour":"red"'), ["colour"], id="unknown-top-level-field"),
    pytest.param('{"eventName":"{EVENT}"}', ["objectId"], id="no-identity"),
    pytest.param('{"eventName":"{EVENT}","email":"not-an-email"}', ["email"], id="bad-email"),
    pytest.param('{"eventName":"{EVENT}","email":42}', ["email"], id="email-number"),
    pytest.param('{"eventName":"{EVENT}","utk":"has spaces!"}', ["utk"], id="bad-utk"),
    pytest.param('{"eventName":"{EVENT}","objectId":"abc"}', ["objectId"], id="object-id-word"),
    pytest.param('{"eventName":"{EVENT}","objectId":-5}', ["objectId"], id="object-id-negative"),
    pytest.param('{"eventName":"{EVENT}","objectId":1.5}', ["objectId"], id="object-id-decimal"),
    pytest.param('{"eventName":"{EVENT}","objectId":true}', ["objectId"], id="object-id-boolean"),
    pytest.param('{"eventName":"{EVENT}","objectId":"\\u00b2"}', ["objectId"],
                 id="object-id-superscript-digit"),
    pytest.param('{"eventName":"{EVENT}","objectId":' + str(2**63) + "}", ["objectId"],
                 id="object-id-too-big"),
    pytest.param('{"eventName":"{EVENT}","objectId":123456}', ["objectId"],
                 id="object-id-not-found"),
    pytest.param(_field('"uuid":"not-a-uuid"'), ["uuid"], id="bad-uuid"),
    pytest.param(_field('"uuid":12'), ["uuid"], id="uuid-number"),
    pytest.param('{"eventName":"{EVENT}","email":"victim@example.com","occurredAt":"soon",'
                 '"colour":1,"properties":{"amount":"x","color":"purple","nope":1}}',
                 ["occurredAt", "colour", "properties.amount", "properties.color",
                  "properties.nope"], id="every-problem-at-once"),
]


@pytest.mark.parametrize(("template", "where"), SEND_CASES)
def test_bad_send(portal: Portal, template: str, where: list[str]) -> None:
    response = portal.post_raw(SEND, portal.body(template))
    assert_error(response, 400, *where)
    portal.assert_nothing_stored()


@pytest.mark.parametrize(("template", "where"), [
    case for case in SEND_CASES
    if case.id in {"nan", "1e400", "lone-surrogate-in-value", "nul-in-value", "unknown-event",
                   "archived-event", "unknown-property", "wrong-type-number",
                   "enumeration-not-an-option", "future-timestamp-ms", "year-0001",
                   "names-differing-only-by-case", "51-properties", "10-to-30-number",
                   "object-id-not-found", "every-problem-at-once"}
])
def test_bad_input_inside_a_batch_names_its_index(portal: Portal, template: str,
                                                  where: list[str]) -> None:
    good = '{"eventName":"{EVENT}","email":"victim@example.com","properties":{"plan":"ok"}}'
    raw = '{"inputs":[' + good + "," + good + "," + template + "]}"
    response = portal.post_raw(BATCH, portal.body(raw))
    # Errors found while parsing JSON name the whole body; the rest name the input.
    expected = [w if w.startswith("body") else f"inputs[2].{w}" for w in where]
    assert_error(response, 400, *expected)
    portal.assert_nothing_stored()


@pytest.mark.parametrize(("payload", "where"), [
    ('{"inputs":[42]}', ["inputs[0]"]),
    ('{"inputs":["x", null]}', ["inputs[0]", "inputs[1]"]),
    ('{"inputs":[[]]}', ["inputs[0]"]),
    ('{"inputs":[]}', ["inputs"]),
    ('{"inputs":{}}', ["inputs"]),
    ('{"inputs":"all"}', ["inputs"]),
    ("{}", ["inputs"]),
    ("[]", ["inputs"]),
    ('{"inputs":[{"eventName":"{EVENT}","email":"victim@example.com"}],"extra":1}', ["extra"]),
    ('{"inputs":[],"inputs":[]}', ["body"]),
], ids=["number-input", "string-and-null-inputs", "list-input", "empty", "object", "string",
        "missing", "body-array", "unknown-field", "duplicate-inputs-key"])
def test_bad_batch_shape(portal: Portal, payload: str, where: list[str]) -> None:
    assert_error(portal.post_raw(BATCH, portal.body(payload)), 400, *where)
    portal.assert_nothing_stored()


def test_batch_of_501_is_rejected_whole(portal: Portal) -> None:
    one = {"eventName": portal.names["EVENT"], "email": "victim@example.com"}
    response = portal.api.post(BATCH, json={"inputs": [one] * 501})
    assert_error(response, 400, "inputs")
    portal.assert_nothing_stored()


def test_batch_reports_every_bad_index(portal: Portal) -> None:
    event = portal.names["EVENT"]
    good = {"eventName": event, "email": "victim@example.com"}
    inputs: list[dict[str, Any]] = [good] * 10
    inputs[0] = {**good, "properties": {"amount": "x"}}
    inputs[4] = {**good, "eventName": portal.names["ARCHIVED"]}
    inputs[9] = {**good, "occurredAt": -1, "properties": {"nope": 1}}
    response = portal.api.post(BATCH, json={"inputs": inputs})
    assert_error(response, 400, "inputs[0].properties.amount", "inputs[4].eventName",
                 "inputs[9].occurredAt", "inputs[9].properties.nope")
    portal.assert_nothing_stored()


# -- answers of bounded size ------------------------------------------------------------


def _listed_and_more(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The first 100 problems and one saying there are more; the message says so too."""
    errors: list[dict[str, Any]] = body["errors"]
    *listed, more = errors
    assert len(listed) == 100
    assert more["code"] == "MORE_ERRORS"
    assert body["message"] == "More than 100 fields are invalid (the first 100 are listed)"
    return listed


@pytest.mark.parametrize("count", [5_000, 40_000], ids=["5k", "40k-parsed-on-a-thread"])
def test_many_unknown_properties_get_an_answer_of_bounded_size(portal: Portal,
                                                               count: int) -> None:
    """800,000 unknown properties (8 MB) got a 92 MB answer after seconds of the server's
    time; a body above 256 KB is also parsed off the event loop (the 40k case)."""
    props = {f"x{i:x}": 1 for i in range(count)}
    response = portal.api.post(SEND, json={"eventName": portal.names["EVENT"],
                                           "email": "victim@example.com", "properties": props})
    body = assert_error(response, 400, "properties|properties.x*|body")
    listed = _listed_and_more(body)
    assert {e["in"] for e in listed} >= {"properties", "properties.x0", "properties.x62"}
    assert len(response.content) < 20_000
    portal.assert_nothing_stored()


def test_many_bad_inputs_in_a_batch_get_an_answer_of_bounded_size(portal: Portal) -> None:
    bad = {"eventName": portal.names["EVENT"], "email": "victim@example.com",
           "properties": {f"x{i}": 1 for i in range(40)}}
    response = portal.api.post(BATCH, json={"inputs": [bad] * 500})
    body = assert_error(response, 400, "inputs[*|body")
    listed = _listed_and_more(body)
    assert listed[0]["in"] == "inputs[0].properties.x0"
    assert listed[-1]["in"] == "inputs[2].properties.x19"
    portal.assert_nothing_stored()


@pytest.mark.parametrize("path", [SEND, BATCH])
def test_many_unknown_fields_get_an_answer_of_bounded_size(portal: Portal, path: str) -> None:
    fields = {f"f{i:05d}": 1 for i in range(3_000)}
    response = portal.api.post(path, json={"eventName": portal.names["EVENT"],
                                           "email": "victim@example.com", **fields})
    listed = _listed_and_more(assert_error(response, 400, "f0*|body|inputs|email|eventName"))
    assert listed[0]["in"] == ("f00000" if path == SEND else "email")
    portal.assert_nothing_stored()


def test_a_huge_name_is_quoted_short(portal: Portal) -> None:
    name = "x" * 1_000_000
    response = portal.api.post(SEND, json={"eventName": portal.names["EVENT"],
                                           "email": "victim@example.com", "properties": {name: 1}})
    [error] = assert_error(response, 400, "properties.x*")["errors"]
    assert error["in"] == "properties." + "x" * 289 + "…"
    assert len(response.content) < 2_000
    portal.assert_nothing_stored()


# -- content type, empty body ------------------------------------------------------------


@pytest.mark.parametrize("path", [SEND, BATCH, DEFINITIONS])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonx",
                                          "text/json"])
def test_wrong_content_type_is_415(portal: Portal, path: str, content_type: str) -> None:
    valid = json.dumps({"eventName": portal.names["EVENT"], "email": "victim@example.com"})
    response = portal.post_raw(path, valid.encode(), {"Content-Type": content_type})
    body = assert_error(response, 415, "header.Content-Type")
    assert "application/json" in body["message"]
    portal.assert_nothing_stored()


@pytest.mark.parametrize("path", [SEND, BATCH, DEFINITIONS])
def test_missing_content_type_is_415(portal: Portal, path: str) -> None:
    valid = json.dumps({"eventName": portal.names["EVENT"], "email": "victim@example.com"})
    response = portal.api.post(path, content=valid.encode())
    assert "content-type" not in response.request.headers
    assert_error(response, 415, "header.Content-Type")
    portal.assert_nothing_stored()


@pytest.mark.parametrize("path", [SEND, BATCH, DEFINITIONS])
@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate, gzip"])
def test_compressed_body_is_415_naming_the_encoding(portal: Portal, path: str,
                                                    encoding: str) -> None:
    """It was a 400 saying the body was not UTF-8 (byte 1)."""
    valid = json.dumps({"eventName": portal.names["EVENT"], "email": "victim@example.com"})
    response = portal.post_raw(path, gzip.compress(valid.encode()),
                               {**JSON_HEADERS, "Content-Encoding": encoding})
    body = assert_error(response, 415, "header.Content-Encoding")
    assert "send the body uncompressed" in body["message"]
    portal.assert_nothing_stored()


def test_identity_encoding_is_no_encoding(portal: Portal) -> None:
    valid = json.dumps({"eventName": portal.names["EVENT"], "email": "victim@example.com"})
    response = portal.post_raw(SEND, valid.encode(),
                               {**JSON_HEADERS, "Content-Encoding": "identity"})
    assert response.status_code == 204, response.text


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "APPLICATION/JSON",
                                          "application/json;charset=UTF-8"])
def test_json_content_type_variants_are_accepted(portal: Portal, content_type: str) -> None:
    valid = json.dumps({"eventName": portal.names["EVENT"], "email": "victim@example.com"})
    response = portal.post_raw(SEND, valid.encode(), {"Content-Type": content_type})
    assert response.status_code == 204, response.text


@pytest.mark.parametrize(("charset", "plan"), [("ISO-8859-1", "Ã© café"), ('"windows-1252"', "€5"),
                                               ("utf-16", "été")])
def test_a_body_is_read_in_the_charset_it_names(portal: Portal, charset: str, plan: str) -> None:
    """The charset was ignored: "Ã©" sent as ISO-8859-1 (the bytes C3 A9) was answered 204
    and stored as "é"; "é" (E9) was refused as invalid UTF-8."""
    body = json.dumps({"eventName": portal.names["EVENT"], "email": "victim@example.com",
                       "properties": {"plan": plan}}, ensure_ascii=False)
    response = portal.post_raw(SEND, body.encode(charset.strip('"').replace("windows-", "cp")),
                               {"Content-Type": f"application/json; charset={charset}"})
    assert response.status_code == 204, response.text
    assert [r["properties"]["plan"] for r in portal.api.events()["results"]] == [plan]


@pytest.mark.parametrize("path", [SEND, BATCH, DEFINITIONS, "/collect"])
def test_an_unsupported_charset_is_415_naming_the_header(portal: Portal, path: str) -> None:
    valid = json.dumps({"eventName": portal.names["EVENT"], "email": "victim@example.com"})
    response = portal.post_raw(path, valid.encode(),
                               {"Content-Type": "application/json; charset=shift_jis"})
    body = assert_error(response, 415, "header.Content-Type")
    assert "shift_jis" in body["message"]
    portal.assert_nothing_stored()


def test_a_body_invalid_in_its_charset_is_400(portal: Portal) -> None:
    valid = json.dumps({"eventName": portal.names["EVENT"], "email": "victim@example.com",
                        "properties": {"plan": "café"}}, ensure_ascii=False)
    response = portal.post_raw(SEND, valid.encode(),
                               {"Content-Type": "application/json; charset=us-ascii"})
    body = assert_error(response, 400, "body")
    assert "ascii" in body["message"]
    portal.assert_nothing_stored()


@pytest.mark.parametrize("path", [SEND, BATCH, DEFINITIONS])
def test_empty_body_is_400(portal: Portal, path: str) -> None:
    assert_error(portal.post_raw(path, b""), 400, "body")
    portal.assert_nothing_stored()


@pytest.mark.parametrize("data", [b'{"eventName":"\xff"}', b"\xfe\xff\x00{", b'{"a":"\xc3"}'],
                         ids=["invalid-byte", "utf-16-bom", "truncated-sequence"])
def test_body_that_is_not_utf8_is_400(portal: Portal, data: bytes) -> None:
    assert_error(portal.post_raw(SEND, data), 400, "body")
    portal.assert_nothing_stored()


# -- byte cap ----------------------------------------------------------------------------

CAP = 1024


@pytest.fixture
def small(settings: Settings, portals: list[NewPortal], database: str) -> Iterator[Portal]:
    """An app whose bodies may be at most ``CAP`` bytes."""
    with TestClient(create_app(dataclasses.replace(settings, max_body_bytes=CAP))) as test_client:
        api = Api(test_client, portals[0])
        api.define("purchased", *PROPS)
        yield Portal(api, database, {"EVENT": api.fqn("purchased")})


def _padded(portal: Portal, size: int) -> bytes:
    """A valid send body of exactly ``size`` bytes (JSON allows trailing whitespace)."""
    data = json.dumps({"eventName": portal.names["EVENT"], "email": "victim@example.com",
                       "properties": {"plan": "x" * 200}}).encode()
    assert len(data) <= size
    return data + b" " * (size - len(data))


def test_body_at_the_cap_is_accepted(small: Portal) -> None:
    response = small.post_raw(SEND, _padded(small, CAP))
    assert response.status_code == 204, response.text


@pytest.mark.parametrize("path", [SEND, BATCH, DEFINITIONS])
def test_body_over_the_cap_is_413(small: Portal, path: str) -> None:
    body = assert_error(small.post_raw(path, _padded(small, CAP + 1)), 413, "body")
    assert str(CAP) in body["message"]
    small.assert_nothing_stored()
    assert small.api.get(DEFINITIONS).json()["total"] == 1


def test_body_far_over_the_cap_is_413(small: Portal) -> None:
    assert_error(small.post_raw(SEND, _padded(small, CAP * 1000)), 413, "body")
    small.assert_nothing_stored()


def test_declared_length_over_the_cap_is_refused_before_reading(small: Portal) -> None:
    """The body itself is a small, valid send: had the server read it, the answer would be
    204. Only a refusal from the Content-Length header gives 413."""
    valid = json.dumps({"eventName": small.names["EVENT"], "email": "victim@example.com"}).encode()
    response = small.post_raw(SEND, valid, {**JSON_HEADERS, "Content-Length": str(CAP + 1)})
    assert_error(response, 413, "body")
    huge = small.post_raw(SEND, valid, {**JSON_HEADERS, "Content-Length": str(10**15)})
    assert_error(huge, 413, "body")
    small.assert_nothing_stored()


def test_chunked_body_over_the_cap_is_413(small: Portal) -> None:
    def chunks() -> Iterator[bytes]:
        yield _padded(small, CAP)
        yield b" " * 10

    response = small.api.post(SEND, content=chunks(), headers=JSON_HEADERS)
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "body")
    small.assert_nothing_stored()


# -- definitions -------------------------------------------------------------------------


@pytest.mark.parametrize(("template", "where"), [
    ('{"label":"Signed up"', ["body"]),
    ('{"label":"Signed up","label":"Again"}', ["body"]),
    ('{"label":"Signed up","propertyDefinitions":[{"name":"a","name":"b","label":"A",'
     '"type":"string"}]}', ["body"]),
    ('{"label":NaN}', ["body"]),
    ('{"label":"Signed \\ud800 up"}', ["label"]),
    ('{"label":"Signed \\u0000 up"}', ["label"]),
    ("[]", ["body"]),
    ('"Signed up"', ["body"]),
    ('{"label":"Signed up","propertyDefinitions":' + "[" * 100 + "]" * 100 + "}",
     ["propertyDefinitions*"]),
    ('{"label":"Signed up","name":"Signed_Up"}', ["name"]),
    ('{"label":"Signed up","propertyDefinitions":[{"name":"plan","label":"P","type":"string"},'
     '{"name":"Plan","label":"P2","type":"string"}]}', ["propertyDefinitions[1].name"]),
    ('{"label":"Signed up","propertyDefinitions":[{"name":"color","label":"C",'
     '"type":"enumeration","options":[]}]}', ["propertyDefinitions[0].options"]),
], ids=["malformed", "duplicate-key", "duplicate-key-in-property", "nan", "lone-surrogate",
        "nul", "array", "string", "nested-100", "name-with-capitals",
        "property-name-with-capitals", "enumeration-without-options"])
def test_bad_definition_creates_nothing(portal: Portal, template: str, where: list[str]) -> None:
    before = portal.api.get(DEFINITIONS).json()
    response = portal.post_raw(DEFINITIONS, portal.body(template))
    assert_error(response, 400, *where)
    assert portal.api.get(DEFINITIONS).json()["total"] == before["total"]
    types = portal.api.get("/events/v3/events/event-types").json()["eventTypes"]
    assert not any(t.endswith("signed_up") or t.endswith("Signed_Up") for t in types)


def test_nothing_of_another_portal_leaks_into_a_refusal(portal: Portal, other: Api) -> None:
    other.define("purchased", *PROPS)
    theirs = other.fqn("purchased")
    response = portal.api.send(eventName=theirs, email="victim@example.com")
    assert_error(response, 400, "eventName")
    portal.assert_nothing_stored()
    assert other.events()["results"] == []


@pytest.mark.parametrize(("template", "key"), [
    ('{"eventName":"{EVENT}","eventName":"{EVENT}","email":"victim@example.com"}', "eventName"),
    (_props('"plan":"a","plan":"b"'), "plan"),
], ids=["top-level", "inside-properties"])
def test_duplicate_key_message_names_the_key(portal: Portal, template: str, key: str) -> None:
    body = assert_error(portal.post_raw(SEND, portal.body(template)), 400, "body")
    assert repr(key) in body["message"]
    assert repr(key) in body["errors"][0]["message"]


@pytest.mark.parametrize("path", ["/events/v3/event-definitions", "/app/login"])
def test_a_client_gone_mid_body_is_no_server_error(client: TestClient, api: Api, path: str,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    """A body cut off by the client's disconnect was logged as a 500 with two tracebacks."""
    messages: list[Message] = []
    incoming: Iterator[Message] = iter([{"type": "http.request", "body": b'{"label": "x', "more_body": True},
                     {"type": "http.disconnect"}])

    async def receive() -> Message:
        return next(incoming, {"type": "http.disconnect"})

    async def send(message: Message) -> None:
        messages.append(message)

    headers = [(b"content-type", b"application/json"), (b"content-length", b"1000"),
               (b"authorization", api.headers["Authorization"].encode())]
    if path.startswith("/app"):
        headers[0] = (b"content-type", b"application/x-www-form-urlencoded")
    scope: Scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                    "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
                    "query_string": b"", "root_path": "", "headers": headers,
                    "client": ("127.0.0.1", 1234), "server": ("testserver", 80)}
    assert client.portal is not None  # the client fixture has entered the TestClient
    with caplog.at_level(logging.INFO):
        client.portal.call(client.app, scope, receive, send)
    assert messages
    assert messages[0]["status"] == 400
    assert "500 on" not in caplog.text
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(("method", "path", "status", "where"), [
    ("GET", "/events/v3/events?limit={HUGE}", 400, "query.limit"),
    ("GET", "/events/2026-09/event-definitions?limit={HUGE}", 400, "query.limit"),
    ("GET", "/events/v3/events?objectType=contact&objectId={HUGE}", 400, "query.objectId"),
    ("GET", "/events/v3/events?occurredAfter={HUGE}", 400, "query.occurredAfter"),
    ("GET", "/footfall/v1/analytics/events/summary?days={HUGE}", 400, "query.days"),
    ("GET", "/footfall/v1/tracking/failed-events?limit={HUGE}", 400, "query.limit"),
    ("GET", "/footfall/v1/analytics/contacts/{HUGE}/timeline", 404, "contactId"),
    ("GET", "/crm/v3/objects/contacts/{HUGE}", 404, "objectId"),
    ("GET", "/js/{HUGE}.js", 404, None),
    ("GET", "/js/footfall-debug/{HUGE}.js", 404, None),
    ("GET", "/js/footfall-visualizer/{HUGE}.js", 404, None),
])
def test_an_integer_of_thousands_of_digits_is_refused_by_name(
        portal: Portal, method: str, path: str, status: int, where: str | None) -> None:
    """Python refuses to convert 4,300 digits or more (a ValueError that must not become a
    500); no id, count or bound we take has more than 19."""
    response = portal.api.client.request(method, path.replace("{HUGE}", HUGE),
                                         headers=portal.api.headers)
    assert response.status_code == status, response.text
    if where is not None:
        assert [e["in"] for e in response.json()["errors"]] == [where], response.text
    # Leading zeros count too: a 7 written in 5,001 digits is a 7 (never a 500).
    padded = portal.api.client.request(method, path.replace("{HUGE}", PADDED),
                                       headers=portal.api.headers)
    assert padded.status_code < 500, padded.text


def test_more_property_filters_than_the_store_takes_are_a_400(portal: Portal) -> None:
    """Each filter is a term of the store's query, whose depth is bounded (SQLite: 1,000)."""
    for kind in ("objectProperty", "property"):
        query = "&".join(f"{kind}.p{i}=v" for i in range(1000))
        response = portal.api.get(f"/events/v3/events?objectType=contact&{query}")
        assert_error(response, 400, "query")
        assert "at most 100" in response.json()["errors"][0]["message"]
    query = "&".join(f"property.p{i}=v" for i in range(100))
    assert portal.api.get(f"/events/v3/events?{query}").status_code == 200


def test_a_zero_padded_timestamp_is_the_number_it_spells(portal: Portal) -> None:
    """5,000 zeros and a 7 are 7 ms after the epoch: taken, not a 500."""
    body = portal.body(_field(f'"occurredAt":"{PADDED}"'))
    assert portal.post_raw(SEND, body).status_code == 204


def test_a_declared_length_of_thousands_of_digits_is_no_length() -> None:
    """Uvicorn refuses such a header itself; behind another server the cap still holds."""
    assert declared_length({"headers": [(b"content-length", b"9" * 5000)]}) is None
    assert declared_length({"headers": [(b"content-length", b"123")]}) == 123
