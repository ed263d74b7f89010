"""Helpers for the visualizer tests: a launched session bound to one portal and site."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.conftest import Api

SITE = "https://shop.example"


@dataclass
class Session:
    api: Api
    token: str
    origin: str = SITE

    def call(self, method: str, path: str = "", token: str | None = None,
             origin: str | None = None, **kw: Any) -> Any:
        headers = {"X-Footfall-Visualizer": self.token if token is None else token,
                   "Origin": origin or self.origin}
        return self.api.client.request(method, "/footfall/v1/visualizer/definitions" + path,
                                       headers=headers, **kw)

    def create(self, **body: Any) -> dict[str, Any]:
        response = self.call("POST", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


def launch(api: Api, page: str = SITE + "/pricing", **extra: Any) -> Session:
    """Allow the site's domain for the portal, then issue a token for ``page``."""
    api.patch("/footfall/v1/tracking/settings", json={"allowedDomains": ["shop.example"]})
    response = api.post("/footfall/v1/visualizer/tokens", json={"url": page, **extra})
    assert response.status_code == 201, response.text
    return Session(api, response.json()["token"])


def button(**extra: Any) -> dict[str, Any]:
    return {"label": "Clicked buy", "name": "clicked_buy", "trackingType": "CLICKED_ELEMENT",
            "selector": "[data-track=buy]", **extra}
