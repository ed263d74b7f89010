"""A visit's later pages keep the touchpoint source it began with (``storage.sessions``)."""

from __future__ import annotations

import sqlite3
import time
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from collector.enrich.page import page_properties
from collector.model import NewCompletion
from collector.storage.identity import IdentityCache
from collector.storage.ingest_worker import run_group
from collector.storage.sqliteconn import DIALECT, SQLiteTransactor
from tests.conftest import Api, make_portals, refused_inserts
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


def test_hits_sent_out_of_order_take_the_hit_before_them(api: Api) -> None:
    """The tracker sends a closed tab's hits late, together with the next page's."""
    now = time.time_ns() // 1_000_000 - 60 * MINUTE
    landing = _view("/", "https://www.google.com/", now)
    late = _view("/b", f"{SITE}/a", now + 20 * MINUTE)
    early = _view("/a", f"{SITE}/", now + 5 * MINUTE)
    assert post_hits(api.client, api.portal_id, landing, late, early).status_code == 204
    again = _view("/", "https://www.bing.com/", now + 45 * MINUTE)  # a later visit...
    before = _view("/c", f"{SITE}/b", now + 25 * MINUTE)  # ...and a late hit of the first
    assert post_hits(api.client, api.portal_id, again).status_code == 204
    assert post_hits(api.client, api.portal_id, before).status_code == 204
    assert _sources(api) == {f"{SITE}/": "ORGANIC_SEARCH", f"{SITE}/a": "ORGANIC_SEARCH",
                             f"{SITE}/b": "ORGANIC_SEARCH", f"{SITE}/c": "ORGANIC_SEARCH"}


def test_a_stored_hit_later_than_the_request_s_own_wins(api: Api) -> None:
    now = time.time_ns() // 1_000_000 - 60 * MINUTE
    assert post_hits(api.client, api.portal_id,
                     _view("/", "https://www.facebook.com/", now + 10 * MINUTE)).status_code == 204
    old = _view("/", "https://www.google.com/", now)  # sent late, with the next page
    inner = _view("/pricing", f"{SITE}/", now + 12 * MINUTE)
    assert post_hits(api.client, api.portal_id, old, inner).status_code == 204
    assert _sources(api)[f"{SITE}/pricing"] == "SOCIAL_MEDIA"  # not the older search's


def test_an_identify_in_the_same_request_keeps_the_visit(api: Api) -> None:
    """A visitor identifies on the second page as a contact known from elsewhere: the
    landing page, moved to that contact in the same transaction, still counts."""
    now = time.time_ns() // 1_000_000 - 10 * MINUTE
    known = _view("/x", "", now - 5 * MINUTE, e="jo@example.com")
    assert post_hits(api.client, api.portal_id, known, utk="d" * 32).status_code == 204
    landing = _view("/", "https://www.google.com/", now)
    inner = _view("/pricing", f"{SITE}/", now + MINUTE, e="jo@example.com")
    assert post_hits(api.client, api.portal_id, landing, inner).status_code == 204
    assert _sources(api)[f"{SITE}/pricing"] == "ORGANIC_SEARCH"


def _completion(url: str, source: str, at: int, inner: bool, utk: str = "a" * 32,
                email: str | None = None) -> NewCompletion:
    """A page view as the JS path hands it to the writer."""
    return NewCompletion(
        id=str(uuid.uuid4()), event_name="e_visited_page", object_type="CONTACT",
        occurred_at=at, received_at=at, source="JS", utk=utk, email=email, visit_source=inner,
        properties={"hs_page_url": url, "hs_touchpoint_source": source})


def _writer(tmp_path: Path) -> tuple[int, SQLiteTransactor, sqlite3.Connection]:
    database = str(tmp_path / "visits.db")
    portal = make_portals(database, "P")[0].portal_id
    transactor = SQLiteTransactor(database, 5000)
    return portal, transactor, transactor.connect()


def _stored_sources(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT id, json_extract(properties, '$.hs_touchpoint_source')"
                             " FROM completions").fetchall())


def test_a_group_run_again_decides_again(tmp_path: Path) -> None:
    """A group that failed runs its jobs again apart: a job keeps nothing of the first
    try (here the landing page's row is refused, so the inner page is a visit of its own)."""
    portal, transactor, conn = _writer(tmp_path)
    now = time.time_ns() // 1_000_000 - 10 * MINUTE
    landing = _completion(f"{SITE}/", "ORGANIC_SEARCH", now, False)
    inner = _completion(f"{SITE}/pricing", "DIRECT_TRAFFIC", now + MINUTE, True)
    jobs = [("completions", portal, ([landing], 10**6)), ("completions", portal, ([inner], 10**6))]
    with closing(conn), refused_inserts(transactor.path, when=f"NEW.id = '{landing.id}'"):
        outcomes = run_group(transactor, DIALECT, conn, IdentityCache(), jobs)
        assert isinstance(outcomes, list)
        assert [ok for ok, _ in outcomes] == [False, True]
        assert _stored_sources(conn) == {inner.id: "DIRECT_TRAFFIC"}
    assert inner.properties["hs_touchpoint_source"] == "DIRECT_TRAFFIC"  # the job's own


def test_the_answer_does_not_depend_on_how_requests_were_grouped(tmp_path: Path) -> None:
    """Device 1 belongs to a known contact; device 2 lands from a social site anonymously
    and identifies as that contact two minutes later. Device 1's page in between belongs to
    no visit of device 2's (the contact had none when it was sent), whether or not the four
    requests share a transaction."""
    portal, transactor, conn = _writer(tmp_path)
    now = time.time_ns() // 1_000_000 - 60 * MINUTE
    one, two = "1" * 32, "2" * 32

    def requests() -> list[NewCompletion]:
        return [_completion(f"{SITE}/a", "REFERRALS", now - 40 * MINUTE, False, one, "b@x.example"),
                _completion(f"{SITE}/", "SOCIAL_MEDIA", now, False, two),
                _completion(f"{SITE}/w", "DIRECT_TRAFFIC", now + MINUTE, True, one),
                _completion(f"{SITE}/p", "DIRECT_TRAFFIC", now + 2 * MINUTE, True, two,
                            "b@x.example")]

    answers = []
    with closing(conn):
        for groups in ([1, 1, 1, 1], [1, 3], [4]):
            conn.execute("DELETE FROM completions")
            conn.execute("DELETE FROM visitors")
            conn.execute("DELETE FROM objects")
            sent, start = requests(), 0
            for size in groups:
                jobs = [("completions", portal, ([c], 10**6)) for c in sent[start:start + size]]
                outcomes = run_group(transactor, DIALECT, conn, IdentityCache(), jobs)
                assert isinstance(outcomes, list), outcomes  # not ("unavailable", reason)
                assert all(ok for ok, _ in outcomes)
                start += size
            stored = _stored_sources(conn)
            answers.append([stored[c.id] for c in sent])
    # Device 2's last page follows the contact's latest page view, device 1's at now + 1.
    assert answers[0] == ["REFERRALS", "SOCIAL_MEDIA", "DIRECT_TRAFFIC", "DIRECT_TRAFFIC"]
    assert answers[1] == answers[2] == answers[0]


def test_a_custom_event_on_an_inner_page_counts_as_the_visit(api: Api) -> None:
    api.define("signed_up")
    now = time.time_ns() // 1_000_000 - 10 * MINUTE
    landing = _view("/", "https://www.facebook.com/", now)
    event = hit(api.fqn("signed_up"), u=f"{SITE}/signup", r=f"{SITE}/pricing", t=now + MINUTE)
    assert post_hits(api.client, api.portal_id, landing).status_code == 204
    assert post_hits(api.client, api.portal_id, event).status_code == 204
    stored = api.events(eventType=api.fqn("signed_up"))["results"][0]
    assert stored["properties"]["hs_touchpoint_source"] == "SOCIAL_MEDIA"


def test_a_source_an_event_s_code_sent_is_that_event_s_not_the_visit_s(api: Api) -> None:
    """A chat on the landing page sends its event with CONVERSATION: the next page is still
    the search's."""
    api.define("chatted")
    now = time.time_ns() // 1_000_000 - 10 * MINUTE
    landing = _view("/", "https://www.google.com/", now)
    chat = hit(api.fqn("chatted"), u=f"{SITE}/", r="https://www.google.com/", t=now + 1000,
               p={"hs_touchpoint_source": "CONVERSATION"})
    inner = _view("/pricing", f"{SITE}/", now + MINUTE)
    assert post_hits(api.client, api.portal_id, landing, chat).status_code == 204
    assert post_hits(api.client, api.portal_id, inner).status_code == 204
    chat_inner = hit(api.fqn("chatted"), u=f"{SITE}/pricing", r=f"{SITE}/", t=now + 2 * MINUTE,
                     p={"hs_touchpoint_source": "CONVERSATION"})
    later = _view("/signup", f"{SITE}/pricing", now + 3 * MINUTE)
    assert post_hits(api.client, api.portal_id, chat_inner, later).status_code == 204
    sources = _sources(api, eventType="e_visited_page")
    assert sources[f"{SITE}/pricing"] == sources[f"{SITE}/signup"] == "ORGANIC_SEARCH"
    chats = api.events(eventType=api.fqn("chatted"))["results"]
    assert {c["properties"]["hs_touchpoint_source"] for c in chats} == {"CONVERSATION"}


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


@pytest.mark.parametrize(("path", "sent", "expected"), [
    ("/pricing?utm_medium=cpc", None, "PAID_SEARCH"),  # its own campaign wins
    ("/pricing", "OFFLINE", "OFFLINE"),  # so does a source the page's code sends
])
def test_an_inner_page_s_own_source_wins(api: Api, path: str, sent: str | None,
                                         expected: str) -> None:
    now = time.time_ns() // 1_000_000 - 10 * MINUTE
    api.define("viewed")
    landing = _view("/", "https://www.google.com/", now)
    assert post_hits(api.client, api.portal_id, landing).status_code == 204
    inner = (_view(path, f"{SITE}/", now + MINUTE) if sent is None else hit(
        api.fqn("viewed"), u=f"{SITE}{path}", r=f"{SITE}/", t=now + MINUTE,
        p={"hs_touchpoint_source": sent}))
    assert post_hits(api.client, api.portal_id, inner).status_code == 204
    assert _sources(api)[f"{SITE}{path}"] == expected


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
def test_inner_pages(url: str, referrer: str, internal: bool) -> None:
    assert page_properties(url, "", referrer, "", (None, None)).inner is internal
