"""Helpers for sending tracker-shaped hits to the collect endpoint in tests."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from starlette.testclient import TestClient

CHROME = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/126.0.0.0 Safari/537.36")
HEADLESS = CHROME.replace("Chrome/", "HeadlessChrome/")


def hit(event: str | None = None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"i": str(uuid.uuid4()), "t": time.time_ns() // 1_000_000,
                            "u": "https://shop.example/pricing", "ti": "Pricing", "l": "en-US",
                            "sw": 1280, "sh": 800}
    if event is not None:
        body["n"] = event
    body.update(fields)
    return body


def post_hits(client: TestClient, portal_id: int, *hits: dict[str, Any], utk: str | None = "a" * 32,
              user_agent: str = CHROME, headers: dict[str, str] | None = None,
              **envelope: Any) -> Any:
    body = {"a": portal_id, "k": utk, "h": list(hits), **envelope}
    return client.post("/collect", content=json.dumps(body),
                       headers={"Content-Type": "text/plain;charset=UTF-8",
                                "User-Agent": user_agent, **(headers or {})})
