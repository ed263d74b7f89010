"""A visit's later pages keep the touchpoint source it began with (``storage.sessions``)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from collector.enrich.page import internal_navigation
from tests.conftest import Api
from tests.jshits import hit, post_hits

SITE = "https://shop.example"
MINUTE = 60_000


def _sources(api: Api, **params: Any) -> dict[str, str]:
    """Each stored completion's touchpoint source by its page URL."""
    results = api.events(sort="occurredAt", limit=100, **params)["results"]
    return {r["properties"]["hs_page_url"]: r["properties"].get("hs_touchpoint_source")
            for r in results}


def _view(page: str, referrer: str, at: int, **fields: Any) -> dict[str, Any]:
    return hit(u=f"{SITE}{page}", r=referrer, t=at, **fields)


def test_later_pages_of_a_visit_from_a_search_count_as_the_search(api: Api) -> None:
    now = time.time_ns() // 1_000_000 - 60 * MINUTE
    first = _view("/", "https://www.google.com/", now)
    second = _view("/pricing", f"{SITE}/", now + MINUTE)
    third = _view("/signup", "https://www.shop.example/pricing", now + 2 * MINUTE)
    for page in (first, second, third):  # three requests: the writer reads what it stored
        assert post_hits(api.client, api.portal_id, page).status_code == 204
    assert _sources(api) == {f"{SITE}/": "ORGANIC_SEARCH", f"{SITE}/pricing": "ORGANIC_SEARCH",
                             f"{SITE}/signup": "ORGANIC_SEARCH"}


def test_pages_sent_together_inherit_within_the_request(api: Api) -> None:
    now = time.time_ns() // 1_000_000 - 10 * MINUTE
    landing = _view("/?utm_medium=email&utm_source=news", "", now)
    inner = _view("/pricing", f"{SITE}/?utm_medium=email&utm_source=news", now + 1000)
    assert post_hits(api.client, api.portal_id, landing, inner).status_code == 204
    assert _sources(api)[f"{SITE}/pricing"] == "EMAIL_MARKETING"


def test_a_custom_event_on_an_inner_page_counts_as_the_visit(api: Api) -> None:
    api.define("signed_up")
    now = time.time_ns() // 1_000_000 - 10 * MINUTE
    landing = _view("/", "https://www.facebook.com/", now)
    event = hit(api.fqn("signed_up"), u=f"{SITE}/signup", r=f"{SITE}/pricing", t=now + MINUTE)
    assert post_hits(api.client, api.portal_id, landing).status_code == 204
    assert post_hits(api.client, api.portal_id, event).status_code == 204
    stored = api.events(eventType=api.fqn("signed_up"))["results"][0]
    assert stored["properties"]["hs_touchpoint_source"] == "SOCIAL_MEDIA"


def test_after_half_an_hour_away_an_inner_page_starts_a_direct_visit(api: Api) -> None:
    now = time.time_ns() // 1_000_000 - 120 * MINUTE
    first = _view("/", "https://www.bing.com/", now)
    back = _view("/pricing", f"{SITE}/", now + 31 * MINUTE)
    for page in (first, back):
        assert post_hits(api.client, api.portal_id, page).status_code == 204
    assert _sources(api)[f"{SITE}/pricing"] == "DIRECT_TRAFFIC"


def test_only_the_same_visitor_s_visit_counts(api: Api) -> None:
    now = time.time_ns() // 1_000_000 - 10 * MINUTE
    assert post_hits(api.client, api.portal_id, _view("/", "https://www.google.com/", now),
                     utk="b" * 32).status_code == 204
    assert post_hits(api.client, api.portal_id, _view("/pricing", f"{SITE}/", now + MINUTE),
                     utk="c" * 32).status_code == 204
    assert _sources(api)[f"{SITE}/pricing"] == "DIRECT_TRAFFIC"


@pytest.mark.parametrize(("page", "sent", "expected"), [
    ("/pricing?utm_medium=cpc", None, "PAID_SEARCH"),  # its own campaign wins
    ("/pricing", "OFFLINE", "OFFLINE"),  # so does a source the page's code sends
])
def test_an_inner_page_s_own_source_wins(api: Api, page: str, sent: str | None,
                                         expected: str) -> None:
    now = time.time_ns() // 1_000_000 - 10 * MINUTE
    api.define("viewed")
    landing = _view("/", "https://www.google.com/", now)
    assert post_hits(api.client, api.portal_id, landing).status_code == 204
    inner = (_view(page, f"{SITE}/", now + MINUTE) if sent is None else hit(
        api.fqn("viewed"), u=f"{SITE}{page}", r=f"{SITE}/", t=now + MINUTE,
        p={"hs_touchpoint_source": sent}))
    assert post_hits(api.client, api.portal_id, inner).status_code == 204
    assert _sources(api)[f"{SITE}{page}"] == expected


def test_an_http_api_completion_is_no_visit(api: Api) -> None:
    """Only JS hits make a visit: a server's event with a source of its own is not one."""
    api.define("called")
    now = time.time_ns() // 1_000_000 - 10 * MINUTE
    assert post_hits(api.client, api.portal_id, _view("/", "", now)).status_code == 204
    contact = api.events()["results"][0]["objectId"]
    assert api.send(eventName=api.fqn("called"), objectId=contact, occurredAt=now + 1000,
                    properties={"hs_touchpoint_source": "SALES",
                                "hs_page_url": f"{SITE}/x"}).status_code == 204
    assert post_hits(api.client, api.portal_id,
                     _view("/pricing", f"{SITE}/", now + MINUTE)).status_code == 204
    assert _sources(api)[f"{SITE}/pricing"] == "DIRECT_TRAFFIC"


@pytest.mark.parametrize(("url", "referrer", "internal"), [
    ("https://shop.example/a", "https://shop.example/", True),
    ("https://www.shop.example/a", "https://shop.example/b", True),
    ("https://shop.example/a?footfall_debug=1", "https://shop.example/?x=1", True),
    ("https://shop.example/a", "", False),
    ("https://shop.example/a", "https://blog.shop.example/", False),
    ("https://shop.example/a?gclid=1", "https://shop.example/", False),
    ("https://shop.example/a", "https://www.google.com/", False),
])
def test_internal_navigation(url: str, referrer: str, internal: bool) -> None:
    assert internal_navigation(url, referrer) is internal
