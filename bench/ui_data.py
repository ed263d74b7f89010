"""Realistic data for the UI bench: one portal, ~50,000 contacts, 1,000,000 completions of
eight events over 13 months, loaded fast through the store's own insert path.

Definitions go through the HTTP API in process (validated like an owner's); contacts are
one multi-row INSERT; completions go through ``queries.insert_completion_rows`` and
``rollup.apply`` (the very code of the ingest flush, rollup included) in large transactions.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from starlette.testclient import TestClient

from collector.app import create_app
from collector.autotrack.definitions import new_definition
from collector.limits import Limits
from collector.portals import NewPortal, create_portal
from collector.settings import Settings
from collector.storage import is_postgres_url, open_store, queries, rollup
from collector.storage.pgconn import PgConnection

DAY = 86_400_000
SPAN_DAYS = 395
PLANS = [{"label": p.title(), "value": p} for p in ("free", "starter", "pro", "enterprise")]
# name, share of completions, custom properties
EVENTS: list[tuple[str, float, list[dict[str, Any]]]] = [
    ("e_visited_page", 0.40, []),
    ("clicked_buy", 0.15, []),
    ("added_to_cart", 0.12, [{"name": "product", "label": "Product", "type": "string"},
                             {"name": "price", "label": "Price", "type": "number"}]),
    ("signed_up", 0.08, [{"name": "plan", "label": "Plan", "type": "enumeration",
                          "options": PLANS},
                         {"name": "referral", "label": "Referral code", "type": "string"}]),
    ("purchased", 0.05, [{"name": "plan", "label": "Plan", "type": "enumeration",
                          "options": PLANS},
                         {"name": "amount", "label": "Amount", "type": "number"}]),
    ("downloaded_whitepaper", 0.08, [{"name": "asset", "label": "Asset", "type": "string"}]),
    ("watched_video", 0.07, [{"name": "video", "label": "Video", "type": "string"},
                             {"name": "percent", "label": "Percent watched", "type": "number"}]),
    ("opened_chat", 0.05, []),
]
PAGES = ["/", "/pricing", "/features", "/docs/start", "/docs/api", "/blog/launch",
         "/blog/tips", "/about", "/contact", "/careers"] + [f"/blog/post-{i}" for i in range(190)]
BROWSERS = [("Chrome", "Windows", "10", "desktop"), ("Chrome", "Android", "14", "mobile"),
            ("Safari", "iOS", "17.4", "mobile"), ("Safari", "Mac OS X", "14.4", "desktop"),
            ("Firefox", "Linux", "", "desktop"), ("Edge", "Windows", "11", "desktop"),
            ("Samsung Internet", "Android", "13", "tablet")]
SOURCES = ["DIRECT_TRAFFIC", "ORGANIC_SEARCH", "PAID_SEARCH", "REFERRALS", "SOCIAL_MEDIA",
           "EMAIL_MARKETING", "PAID_SOCIAL"]
CAMPAIGNS = ["", "", "", "spring_sale", "launch_week", "newsletter_42", "retargeting"]


@dataclass(frozen=True)
class Loaded:
    portal: NewPortal
    contacts: int
    completions: int
    seconds: float


def _definitions(client: TestClient, portal: NewPortal) -> None:
    headers = {"Authorization": f"Bearer {portal.token}"}
    for name, _, props in EVENTS[2:]:
        response = client.post("/events/v3/event-definitions", headers=headers, json={
            "label": name.replace("_", " ").capitalize(), "name": name,
            "description": f"Bench event {name}", "propertyDefinitions": props})
        assert response.status_code == 201, response.text


async def _clicked_definition(database: str, portal_id: int) -> None:
    store = open_store(database)
    await store.open()
    try:
        body = {"label": "Clicked buy", "name": "clicked_buy", "trackingType": "CLICKED_ELEMENT",
                "selector": "[data-track=buy]"}
        definition = new_definition(body, portal_id, Limits(), queries.now_ms())
        await store.insert_definition(definition, 500)
    finally:
        await store.close()


def _properties(rng: random.Random, event: str) -> dict[str, str]:
    page = rng.choice(PAGES)
    browser, system, version, device = rng.choice(BROWSERS)
    props = {"hs_page_url": f"https://shop.example{page}", "hs_page_title": f"Shop — {page}",
             "hs_browser": browser, "hs_operating_system": system,
             "hs_operating_version": version, "hs_device_type": device,
             "hs_touchpoint_source": rng.choice(SOURCES), "hs_language": "en-us",
             "hs_screen_width": "1280" if device == "desktop" else "390",
             "hs_referrer": rng.choice(["", "https://www.google.com/", "https://t.co/x"])}
    if campaign := rng.choice(CAMPAIGNS):
        props["hs_utm_campaign"] = campaign
    if event == "added_to_cart":
        props |= {"product": f"SKU-{rng.randrange(500):04d}", "price": str(rng.randrange(5, 500))}
    elif event in ("signed_up", "purchased"):
        props["plan"] = rng.choice(PLANS)["value"]
        props["amount" if event == "purchased" else "referral"] = str(rng.randrange(10, 2000))
    elif event == "downloaded_whitepaper":
        props["asset"] = rng.choice(["pricing-guide.pdf", "security.pdf", "roi.pdf"])
    elif event == "watched_video":
        props |= {"video": f"demo-{rng.randrange(12)}", "percent": str(rng.randrange(101))}
    elif event == "clicked_buy":
        props |= {"hs_element_text": "Buy now", "hs_element_id": "buy"}
    return {k: v for k, v in props.items() if v}


def _rows(portal_id: int, completions: int, contacts: int, now: int,
          seed: int = 5) -> Iterator[tuple[Any, ...]]:
    """Completions oldest first (growing traffic), as the flush inserts them."""
    rng = random.Random(seed)
    names = [e[0] for e in EVENTS]
    weights = [e[1] for e in EVENTS]
    start = now - SPAN_DAYS * DAY
    times = sorted(start + int((rng.random() ** 0.8) * SPAN_DAYS * DAY)
                   for _ in range(completions))
    for when in times:
        event = rng.choices(names, weights)[0]
        source = "HTTP" if event == "purchased" else "IMPORT" if rng.random() < 0.02 else "JS"
        adjustments = None
        if source == "JS" and rng.random() < 0.01:
            adjustments = json.dumps([{"field": "properties.hs_page_title", "action": "TRUNCATED",
                                       "message": "longer than 256 characters"}])
        contact = int(contacts * rng.random() ** 2) + 1  # some contacts are much busier
        yield (portal_id, str(uuid.UUID(int=rng.getrandbits(128), version=4)), event,
               "CONTACT", contact, when, when + rng.randrange(50, 5000), source,
               json.dumps(_properties(rng, event), separators=(",", ":")), adjustments)


def _connect(database: str) -> Any:
    if is_postgres_url(database):
        return PgConnection(database)
    conn = sqlite3.connect(database, isolation_level=None)
    conn.execute("PRAGMA cache_size = -262144")
    conn.execute("PRAGMA synchronous = OFF")  # a bench load: durability is not the point
    return conn


def _load(database: str, portal_id: int, completions: int, contacts: int) -> None:
    conn = _connect(database)
    try:
        now = queries.now_ms()
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO objects (portal_id, object_type, email, properties, created_at,"
            " updated_at) VALUES (?, 'CONTACT', ?, ?, ?, ?)",
            [(portal_id, f"person{i}@example.com",
              json.dumps({"email": f"person{i}@example.com", "firstname": f"Person {i}"}),
              now - SPAN_DAYS * DAY + i, now) for i in range(1, contacts + 1)])
        first = conn.execute("SELECT min(id) FROM objects WHERE portal_id = ?",
                             (portal_id,)).fetchone()[0]
        days: rollup.DayCounts = {}
        batch: list[tuple[Any, ...]] = []
        for row in _rows(portal_id, completions, contacts, now):
            batch.append((*row[:4], row[4] + first - 1, *row[5:]))
            rollup.count(days, row[2], row[5], row[9] is not None)
            if len(batch) == 50_000:
                assert len(queries.insert_completion_rows(conn, batch)) == len(batch)
                batch.clear()
        assert len(queries.insert_completion_rows(conn, batch)) == len(batch)
        rollup.apply(conn, portal_id, rollup.Changes(add=days))
        conn.execute("COMMIT")
        if not isinstance(conn, sqlite3.Connection):  # autovacuum would, soon; SQLite never
            conn.execute("ANALYZE")
    finally:
        conn.close()


def load(database: str, completions: int = 1_000_000, contacts: int = 50_000) -> Loaded:
    """Create the portal, its definitions, contacts and completions; return the portal."""
    started = time.perf_counter()

    async def portal() -> NewPortal:
        store = open_store(database)
        await store.open()
        try:
            return await create_portal(store, "Bench shop")
        finally:
            await store.close()

    made = asyncio.run(portal())
    with TestClient(create_app(Settings(database=database))) as client:
        _definitions(client, made)
    asyncio.run(_clicked_definition(database, made.portal_id))
    _load(database, made.portal_id, completions, contacts)
    return Loaded(made, contacts, completions, time.perf_counter() - started)


def stored(database: str) -> int:
    """Completions in the database, read straight from it."""
    sql = "SELECT count(*) FROM completions"
    if is_postgres_url(database):
        pg = PgConnection(database)
        try:
            row = pg.execute(sql).fetchone()
            assert row is not None  # count(*) always answers one row
            return int(row[0])
        finally:
            pg.close()
    with closing(sqlite3.connect(database)) as conn:
        return int(conn.execute(sql).fetchone()[0])
