"""The ingest endpoints are dispatched ahead of Starlette's middleware (``collector.app.Collector``):
they must still answer every error in the API's shape, 500s included, and leave every other
method and path to Starlette."""

from __future__ import annotations

import logging

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from collector.api.plain import Incoming, PlainEndpoint
from collector.app import Collector
from collector.errors import NotFound
from tests.conftest import Api


async def _boom(incoming: Incoming) -> None:
    raise RuntimeError("a bug, not the client's fault")


async def _missing(incoming: Incoming) -> None:
    raise NotFound("No such thing")


def _app() -> Collector:
    return Collector(routes=[
        Route("/boom", PlainEndpoint(_boom, {"Access-Control-Allow-Origin": "*"}),
              methods=["POST"]),
        Route("/missing", PlainEndpoint(_missing), methods=["POST"]),
    ])


def test_an_unexpected_error_is_a_logged_500_in_the_api_shape(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, "footfall.errors"), \
            TestClient(_app(), raise_server_exceptions=False) as client:
        response = client.post("/boom", content=b"{}")
    assert response.status_code == 500
    body = response.json()
    assert body["category"] == "INTERNAL_ERROR"
    assert "a bug" not in response.text  # the details go to the log, not to the client
    assert response.headers["access-control-allow-origin"] == "*"
    assert body["correlationId"] in caplog.text
    assert "RuntimeError: a bug" in caplog.text


def test_a_footfall_error_keeps_its_status() -> None:
    with TestClient(_app()) as client:
        response = client.post("/missing", content=b"{}")
    assert response.status_code == 404
    assert response.json()["category"] == "OBJECT_NOT_FOUND"


def test_other_methods_on_ingest_paths_go_to_starlette(api: Api) -> None:
    response = api.get("/events/v3/send")
    assert response.status_code == 405
    assert response.json()["category"] == "METHOD_NOT_ALLOWED"
    assert "POST" in response.headers["allow"]


def test_ingest_paths_under_a_root_path() -> None:
    with TestClient(_app(), root_path="/ff") as client:
        response = client.post("/missing", content=b"{}")
    assert response.status_code == 404
    assert response.json()["message"] == "No such thing"  # the endpoint answered, not routing
