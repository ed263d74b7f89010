"""Helpers of the visualizer browser tests: launch URLs, token calls, the overlay's shadow UI."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import time
import urllib.error
import urllib.request
from typing import Any

from playwright.sync_api import Page, Response

from collector.autotrack.token import Grant, sign
from collector.storage import open_store
from e2e.harness import PageServer, Portal
from e2e.tracker_kit import collected

PAGE = "shop.html"


def overlay_loaded(response: Response) -> bool:
    return "/footfall-visualizer/" in response.url


def missed(response: Response) -> bool:
    return response.url.endswith("/collect/misses") and response.status == 204


def launch_url(portal: Portal, pages: PageServer, query: str = "") -> str:
    portal.call("PATCH", "/footfall/v1/tracking/settings", {"allowedDomains": ["127.0.0.1"]})
    found = portal.call("POST", "/footfall/v1/visualizer/tokens",
                        {"url": portal.page_url(pages, PAGE, query)})
    return str(found["launchUrl"])


def expired_token(portal: Portal, pages: PageServer) -> str:
    """A correctly signed token that expired a minute ago (the deployment's real secret)."""

    async def read() -> bytes:
        store = open_store(portal.collector.database)
        await store.open()
        try:
            return await store.secret("visualizer")
        finally:
            await store.close()

    # Sync Playwright runs its own event loop in this thread: read in another thread.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        secret = pool.submit(lambda: asyncio.run(read())).result()
    return sign(secret, Grant(portal.portal_id, pages.url, int(time.time()) - 60))


def overlay_call(portal: Portal, pages: PageServer, method: str, body: Any = None) -> Any:
    """Call the overlay's definitions endpoint as the overlay does: token header, the
    site's Origin."""
    token = launch_url(portal, pages).rpartition("=")[2]
    request = urllib.request.Request(
        portal.collector.url + "/footfall/v1/visualizer/definitions",
        data=json.dumps(body).encode() if body is not None else None, method=method,
        headers={"X-Footfall-Visualizer": token, "Origin": pages.url,
                 "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{exc.code} {exc.read()!r}") from exc


def save_definition(portal: Portal, pages: PageServer, body: dict[str, Any]) -> dict[str, Any]:
    saved: dict[str, Any] = overlay_call(portal, pages, "POST", body)
    return saved


def open_tracked(page: Page, portal: Portal, pages: PageServer, query: str = "") -> None:
    with page.expect_response(collected):
        page.goto(portal.page_url(pages, PAGE, query))


def ui(page: Page, name: str) -> Any:
    """An element of the overlay (Playwright's CSS engine pierces its open shadow root)."""
    return page.locator(f'[data-ff="{name}"]')


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None
    return {k: round(v) for k, v in found.items()}
