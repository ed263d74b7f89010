"""Helpers for the analytics tests: a seeded event and a GET that checks the status."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api

BASE = "/footfall/v1/analytics"
PROPS: list[dict[str, Any]] = [{"name": "plan", "label": "Plan", "type": "enumeration",
          "options": [{"label": "Gold", "value": "gold"}, {"label": "Silver", "value": "silver"}]},
         {"name": "note", "label": "Note", "type": "string"}]
SALES = [("ann@example.com", "2024-03-04T10:00:00Z", {"plan": "gold", "note": "first"}),
         ("ann@example.com", "2024-03-05T10:00:00Z", {"plan": "silver"}),
         ("bob@example.com", "2024-03-05T12:00:00Z", {"plan": "gold"}),
         ("cy@example.com", "2024-03-12T09:00:00Z", {}),
         ("bob@example.com", "2024-04-02T00:00:00Z", {"plan": "gold"})]
MARCH = {"from": "2024-03-01", "to": "2024-03-31"}


def seed(api: Api) -> None:
    api.define("purchase", *PROPS)
    for email, when, props in SALES:
        response = api.send(eventName=api.fqn("purchase"), email=email, occurredAt=when,
                            properties=props)
        assert response.status_code == 204, response.text


def get(api: Api, path: str, status: int = 200, /, **params: Any) -> dict[str, Any]:
    """GET an analytics path, check the status and return the JSON body.

    ``status`` is positional-only so a ``**{"from": ...}`` of query parameters cannot fill it.
    """
    response = api.get(BASE + path, params=params)
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def counts(body: dict[str, Any]) -> list[tuple[str, int | None]]:
    return [(b["start"], b["completions"]) for b in body["buckets"]]
