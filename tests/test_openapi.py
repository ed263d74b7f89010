"""``/openapi.json`` documents every route of the app, and is a self-consistent OpenAPI 3.1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from collector.api.events import QUERY_PARAMS
from collector.api.objects import READ_PARAMS
from collector.api.versions import DATE_VERSIONS, dated_paths
from collector.app import DATED_ROUTES, ROUTES, tracking_routes
from collector.completions import SEND_FIELDS
from collector.definitions import CREATE_FIELDS, PATCH_FIELDS, PROPERTY_FIELDS, PROPERTY_PATCH_FIELDS
from collector.settings import Settings
from tests.conftest import Api

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
PUBLIC_PATHS = {"/openapi.json", "/healthz", "/js/{portal_id:portal_id}.js",
                "/js/footfall-debug/{portal_id:portal_id}.js",
                "/js/footfall-visualizer/{portal_id:portal_id}.js", "/collect", "/collect/misses"}
OVERLAY_PATHS = {"/footfall/v1/visualizer/definitions",
                 "/footfall/v1/visualizer/definitions/{event_name}"}
_PARAM = re.compile(r"\{([a-z_]+)(?::\w+)?\}")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def documented_path(route_path: str) -> str:
    """``/x/{event_name}/`` → ``/x/{eventName}``: HubSpot's parameter names, no alias slash."""
    path = _PARAM.sub(lambda m: "{" + camel(m.group(1)) + "}", route_path)
    return path.rstrip("/") or "/"


def route_operations() -> list[Any]:
    """Every route and method served, with the default settings (CORS preflights aside)."""
    cases = []
    for route in [*ROUTES, *tracking_routes(Settings())]:
        assert isinstance(route, Route)
        for method in sorted((route.methods or set()) - {"HEAD", "OPTIONS"}):
            cases.append(pytest.param(method.lower(), route.path, id=f"{method} {route.path}"))
    return cases


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def operation(document: dict[str, Any], method: str, route_path: str) -> dict[str, Any]:
    path = documented_path(route_path)
    assert path in document["paths"], f"{route_path} is not documented as {path}"
    item = document["paths"][path]
    assert method in item, f"{method.upper()} {path} is not documented"
    found: dict[str, Any] = item[method]
    return found


def test_document_header(document: dict[str, Any]) -> None:
    assert re.fullmatch(r"3\.1\.\d+", document["openapi"])
    assert document["info"]["title"]
    assert document["info"]["version"]
    assert isinstance(document["paths"], dict)
    assert document["paths"]
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http",
                                                                   "scheme": "bearer"}


@pytest.mark.parametrize(("method", "route_path"), route_operations())
def test_every_route_is_documented(document: dict[str, Any], method: str,
                                   route_path: str) -> None:
    op = operation(document, method, route_path)
    assert op["summary"]
    assert op["responses"]
    declared = {(p["name"], p["in"]) for p in op.get("parameters", [])}
    for name in _PARAM.findall(route_path):
        assert (camel(name), "path") in declared, f"path parameter {camel(name)} undeclared"
    for param in op.get("parameters", []):
        if param["in"] == "path":
            assert param["required"] is True
            assert "{" + param["name"] + "}" in documented_path(route_path)
    if route_path in PUBLIC_PATHS:
        assert op.get("security", document.get("security", [])) in ([], [{}])
        assert "401" not in op["responses"]


@pytest.mark.parametrize(("method", "route_path"), [
    case for case in route_operations() if case.values[1] not in PUBLIC_PATHS | OVERLAY_PATHS])
def test_authenticated_routes_document_bearer_security(document: dict[str, Any], method: str,
                                                       route_path: str) -> None:
    op = operation(document, method, route_path)
    assert op.get("security", document.get("security")) == [{"bearer": []}]
    assert "401" in op["responses"]


def test_dated_paths_are_served_and_documented_as_their_v3_operations(
        document: dict[str, Any]) -> None:
    """HubSpot's date-versioned paths: each v3 operation under each version, same endpoint."""
    served = {(route.path, route.endpoint) for route in DATED_ROUTES}
    expected = set()
    for route in ROUTES:
        assert isinstance(route, Route)
        for path in dated_paths(route.path):
            expected.add((path, route.endpoint))
            for method in (route.methods or set()) - {"HEAD"}:
                assert operation(document, method.lower(), path) == operation(
                    document, method.lower(), route.path)
    assert served == expected
    assert len(expected) >= 14 * len(DATE_VERSIONS)  # send, batch, definitions, events, crm


def test_nothing_is_documented_that_does_not_exist(document: dict[str, Any]) -> None:
    served = {(case.values[0], documented_path(case.values[1])) for case in route_operations()}
    served |= {(method.lower(), documented_path(route.path)) for route in DATED_ROUTES
               for method in (route.methods or set()) - {"HEAD"}}
    for path, item in document["paths"].items():
        for method in item.keys() & HTTP_METHODS:
            assert (method, path) in served, f"{method.upper()} {path} is documented but not served"


def walk_refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from walk_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk_refs(value)


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"only local references are expected: {ref}"
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict), ref
        assert part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def test_every_ref_resolves(document: dict[str, Any]) -> None:
    refs = set(walk_refs(document))
    assert refs, "the document should use components"
    for ref in refs:
        assert isinstance(resolve(document, ref), dict)


def test_every_schema_component_is_used(document: dict[str, Any]) -> None:
    refs = set(walk_refs(document))
    unused = {name for name in document["components"]["schemas"]
              if f"#/components/schemas/{name}" not in refs}
    assert unused == set()


def test_every_operation_has_responses_with_descriptions(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        for method in item.keys() & HTTP_METHODS:
            responses = item[method]["responses"]
            assert any(code.startswith("2") for code in responses), f"{method} {path}"
            for code, response in responses.items():
                assert re.fullmatch(r"[1-5]\d\d|default", code), code
                assert response["description"], f"{method} {path} {code}"


def schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"][name]
    return found


@pytest.mark.parametrize(("name", "fields"), [
    pytest.param("DefinitionCreate", CREATE_FIELDS, id="definition-create"),
    pytest.param("DefinitionUpdate", PATCH_FIELDS, id="definition-update"),
    pytest.param("PropertyCreate", PROPERTY_FIELDS, id="property-create"),
    pytest.param("PropertyUpdate", PROPERTY_PATCH_FIELDS, id="property-update"),
    pytest.param("SendInput", SEND_FIELDS, id="send-input"),
])
def test_request_schemas_list_exactly_the_accepted_fields(document: dict[str, Any], name: str,
                                                          fields: Any) -> None:
    assert set(schema(document, name)["properties"]) == set(fields)


def test_retrieval_parameters_are_the_accepted_ones(document: dict[str, Any]) -> None:
    op = operation(document, "get", "/events/v3/events")
    names = {p["name"] for p in op["parameters"]}
    assert {n for n in names if "." not in n} == QUERY_PARAMS
    assert {n.partition(".")[0] for n in names if "." in n} == {"property", "objectProperty"}


def test_crm_read_parameters_are_the_accepted_ones(document: dict[str, Any]) -> None:
    op = operation(document, "get", "/crm/v3/objects/{object_type}/{object_id}")
    assert {p["name"] for p in op["parameters"] if p["in"] == "query"} == READ_PARAMS


def test_the_duplicate_contact_answer_is_documented(document: dict[str, Any]) -> None:
    """Integrations parse its message to update the existing contact instead (8ca586f)."""
    op = operation(document, "post", "/crm/v3/objects/{object_type}")
    assert "Existing ID: <id>" in op["responses"]["409"]["description"]


def test_definition_schema_describes_the_real_response(document: dict[str, Any], api: Api) -> None:
    created = api.define("signed_up", {"name": "plan", "label": "Plan", "type": "string"})
    assert set(schema(document, "Definition")["properties"]) <= set(created)
    prop = created["properties"][0]
    assert set(schema(document, "Property")["properties"]) <= set(prop)


def test_error_schema_matches_a_real_error(document: dict[str, Any], api: Api) -> None:
    response = api.post("/events/v3/event-definitions", json={"label": 1})
    assert response.status_code == 400
    error = response.json()
    error_schema = schema(document, "Error")
    assert set(error_schema["required"]) <= set(error)
    assert set(error) <= set(error_schema["properties"])
    item = error_schema["properties"]["errors"]["items"]["properties"]
    assert set(error["errors"][0]) <= set(item)


def test_batch_limit_matches_the_published_limit(document: dict[str, Any], api: Api) -> None:
    limits = api.get("/events/v3/limits").json()
    batch = schema(document, "SendBatch")["properties"]["inputs"]
    assert batch["maxItems"] == limits["batch_inputs"]
