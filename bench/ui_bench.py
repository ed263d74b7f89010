"""UI and analytics benchmark (issue 5): every page ≤ 300 ms with 1,000,000 completions.

    .venv/bin/python -m bench.ui_bench [--database PATH|URL] [--completions N] [--runs 5]

Loads one portal with ~50,000 contacts and N completions of eight events over 13 months
(``bench.ui_data``; a SQLite file given with ``--database`` that already holds the bench
portal is reused), then times each analytics query through the store in process, and each
UI page and analytics API call through a real ``footfall serve`` (one worker, wall time
seen by the client, signed in like a browser): the first request (cold caches), then the
median and worst of ``--runs`` more; the 300 ms target is judged on those.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx2 as httpx

from bench.harness import footfall_server
from bench.ui_data import load, stored
from collector.analytics import periods
from collector.analytics.model import Scope
from collector.model import CompletionQuery
from collector.settings import Settings
from collector.storage import Store, open_store

TARGET_MS = 300.0
DAY = 86_400_000


def _line(name: str, first: float, times: list[float]) -> tuple[str, float]:
    """Print the first (cold) request apart: the target is judged on the warm ones."""
    worst = max(times)
    flag = "" if worst <= TARGET_MS else "  OVER"
    print(f"  {name:<56} first {first:7.1f}   median {statistics.median(times):7.1f}"
          f"   worst {worst:7.1f} ms{flag}")
    return name, worst


def _queries(portal_id: int, busy: int) -> list[tuple[str, Callable[[Store], Awaitable[Any]]]]:
    now = time.time_ns() // 1_000_000
    today = periods.day_of(now)
    month = periods.default_period("day", today)
    year = periods.default_period("month", today)

    def scope(event: str, period: periods.Period, *filters: tuple[str, str]) -> Scope:
        return Scope(event, period.start_ms, period.end_ms, filters, Settings().analytics_window)

    pv, signup = "e_visited_page", "signed_up"
    return [
        ("event totals, last 30 days (rollup)", lambda s: s.event_totals(portal_id, today - 29,
                                                                          today)),
        ("failed hits per event, last 30 days", lambda s: s.failed_counts(
            portal_id, now - 30 * DAY, now)),
        ("series page views, 12 months (rollup)", lambda s: s.event_days(
            portal_id, pv, year.first, year.last)),
        ("unique records page views, 30 days", lambda s: s.unique_records(
            portal_id, pv, month.start_ms, month.end_ms)),
        ("unique records page views, 12 months", lambda s: s.unique_records(
            portal_id, pv, year.start_ms, year.end_ms)),
        ("filtered counts page views device=mobile, 30 days", lambda s: s.window_counts(
            portal_id, scope(pv, month, ("hs_device_type", "mobile")))),
        ("filtered counts page views device=mobile, 12 months", lambda s: s.window_counts(
            portal_id, scope(pv, year, ("hs_device_type", "mobile")))),
        ("window start page views, 12 months", lambda s: s.window_start(
            portal_id, scope(pv, year))),
        ("breakdown page views by URL, 30 days", lambda s: s.breakdown(
            portal_id, scope(pv, month), "hs_page_url", 10)),
        ("breakdown page views by browser, 12 months", lambda s: s.breakdown(
            portal_id, scope(pv, year), "hs_browser", 10)),
        ("breakdown signups by plan, 12 months, filtered", lambda s: s.breakdown(
            portal_id, scope(signup, year, ("hs_touchpoint_source", "ORGANIC_SEARCH")), "plan",
            10)),
        ("latest 21 page views", lambda s: s.latest_completions(portal_id, scope(pv, year), 21)),
        ("latest 21 signups with plan=pro", lambda s: s.latest_completions(
            portal_id, scope(signup, year, ("plan", "pro")), 21)),
        ("recent contacts", lambda s: s.find_contacts(portal_id, None, 50)),
        ("contact search 'person4242'", lambda s: s.find_contacts(portal_id, "person4242", 50)),
        ("contact search 'example' (every contact matches)", lambda s: s.find_contacts(
            portal_id, "example", 50)),
        ("busiest contact with its events", lambda s: s.contact(portal_id, busy)),
        ("busiest contact's timeline, 51 newest", lambda s: s.query_completions(
            portal_id, CompletionQuery(limit=50, object_type="CONTACT", object_id=busy))),
        ("busiest contact's timeline, one event", lambda s: s.query_completions(
            portal_id, CompletionQuery(limit=50, object_type="CONTACT", object_id=busy,
                                       event_name="purchased"))),
        ("selector fires (health)", lambda s: s.event_fires(portal_id, ["clicked_buy"])),
    ]


async def time_queries(database: str, portal_id: int, busy: int, runs: int) -> list[float]:
    store = open_store(database)
    await store.open()
    worst = []
    try:
        print(f"Store queries (in process; first run, then {runs} more):")
        for name, run in _queries(portal_id, busy):
            times = []
            for _ in range(runs + 1):
                started = time.perf_counter()
                await run(store)
                times.append((time.perf_counter() - started) * 1000)
            worst.append(_line(name, times[0], times[1:])[1])
    finally:
        await store.close()
    return worst


def _pages(fqn: str, busy: int) -> list[tuple[str, str]]:
    api = "/footfall/v1/analytics"
    return [
        ("events list", "/app/events"),
        ("page views, 30 days", "/app/events/e_visited_page"),
        ("page views, 12 months by month", "/app/events/e_visited_page?interval=month"),
        ("page views, 12 months, filter device=mobile, by browser",
         "/app/events/e_visited_page?interval=month&by=hs_browser"
         "&filter%5Bhs_device_type%5D=mobile"),
        ("signups, 12 weeks by plan", "/app/events/signed_up?interval=week&by=plan"),
        ("clicked buy (selector health)", "/app/events/clicked_buy"),
        ("signups properties (A)", "/app/events/signed_up/properties"),
        ("signups code (A)", "/app/events/signed_up/code"),
        ("create wizard (A)", "/app/events/new"),
        ("settings (A)", "/app/settings"),
        ("contacts, recent", "/app/contacts"),
        ("contacts, search", "/app/contacts?q=person4242"),
        ("busiest contact timeline", f"/app/contacts/{busy}"),
        ("busiest contact, one event", f"/app/contacts/{busy}?event=purchased"),
        ("API events/summary", f"{api}/events/summary"),
        ("API series page views, 12 months", f"{api}/events/{fqn}/series?interval=month"),
        ("API summary page views, 12 months", f"{api}/events/{fqn}/summary?interval=month"),
        ("API breakdown by URL, 12 months", f"{api}/events/{fqn}/breakdown?interval=month"
                                            "&property=hs_page_url"),
        ("API completions", f"{api}/events/{fqn}/completions"),
        ("API contacts search", f"{api}/contacts?search=person42"),
        ("API timeline", f"{api}/contacts/{busy}/timeline"),
    ]


def _sign_in(client: httpx.Client, token: str) -> None:
    form = client.get("/app/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf, "no CSRF token on the sign-in page"
    response = client.post("/app/login", data={"csrf_token": csrf.group(1), "method": "token",
                                                "token": token, "next": "/app/events"})
    assert response.status_code == 303, response.text


def time_pages(database: str, portal_id: int, token: str, busy: int, runs: int) -> list[float]:
    worst = []
    with footfall_server(database) as port:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=60) as client:
            _sign_in(client, token)
            print(f"Pages and API calls (real server; first request, then {runs} more):")
            for name, path in _pages(f"pe{portal_id}_e_visited_page", busy):
                headers = {"Authorization": f"Bearer {token}"} if "/footfall/" in path else {}
                times = []
                for _ in range(runs + 1):
                    started = time.perf_counter()
                    response = client.get(path, headers=headers)
                    times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (path, response.status_code,
                                                         response.text[:500])
                worst.append(_line(name, times[0], times[1:])[1])
    return worst


def prepare(database: str, completions: int) -> dict[str, Any]:
    sidecar = Path(database + ".bench.json")
    if not database.startswith("postgres") and sidecar.exists() and Path(database).exists():
        found: dict[str, Any] = json.loads(sidecar.read_text())
        print(f"Reusing {database}: {stored(database):,} completions")
        return found
    loaded = load(database, completions)
    print(f"Loaded {loaded.completions:,} completions, {loaded.contacts:,} contacts in"
          f" {loaded.seconds:.0f} s")
    info = {"portal_id": loaded.portal.portal_id, "token": loaded.portal.token,
            "busy": _busiest(database, loaded.portal.portal_id)}
    if not database.startswith("postgres"):
        sidecar.write_text(json.dumps(info))
    return info


def _busiest(database: str, portal_id: int) -> int:
    async def run() -> int:
        store = open_store(database)
        await store.open()
        try:
            [first] = await store.find_contacts(portal_id, "person1@example.com", 1)
            return first.id
        finally:
            await store.close()

    return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None, help="SQLite path (reused if it holds"
                        " the bench data) or postgresql:// URL; default: a temporary file")
    parser.add_argument("--completions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-pages", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="footfall-ui-bench-") as tmp:
        database = args.database or str(Path(tmp) / "ui.db")
        info = prepare(database, args.completions)
        worst = asyncio.run(time_queries(database, info["portal_id"], info["busy"], args.runs))
        if not args.skip_pages:
            worst += time_pages(database, info["portal_id"], info["token"], info["busy"],
                                args.runs)
    over = [w for w in worst if w > TARGET_MS]
    print(f"{'PASS' if not over else 'MISS'}: worst {max(worst):.0f} ms"
          f" (target ≤ {TARGET_MS:.0f} ms per page and query)")
    return 0 if not over else 1


if __name__ == "__main__":
    raise SystemExit(main())
