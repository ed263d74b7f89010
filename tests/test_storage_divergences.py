"""Where SQLite and PostgreSQL differ by nature, the store behaves the same on both.

NUL characters (PostgreSQL cannot store them), lone surrogates (not encodable as UTF-8),
very long text, case-sensitive comparisons and time zones (times are epoch milliseconds).
These go straight to the ``Store``, below the HTTP API's own checks.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest

from collector.errors import ValidationFailed
from collector.model import CompletionQuery, NewCompletion
from collector.storage import Store
from tests.conftest import in_store, make_portals


def _completion(properties: dict[str, str], *, email: str = "a@example.com",
                occurred_at: int = 1_700_000_000_000) -> NewCompletion:
    return NewCompletion(id=str(uuid.uuid4()), event_name="viewed", object_type="CONTACT",
                         occurred_at=occurred_at, received_at=1_700_000_000_000,
                         properties=properties, source="HTTP", email=email)


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "x\udfffy"], ids=["nul", "high", "low"])
@pytest.mark.parametrize("where", ["value", "key", "email"])
def test_unstorable_text_is_refused_and_nothing_is_stored(database: str, text: str,
                                                          where: str) -> None:
    portal = make_portals(database, "P")[0].portal_id
    good = _completion({"plan": "ok"})
    bad = {"value": _completion({"plan": text}), "key": _completion({text: "v"}),
           "email": _completion({}, email=text)}[where]

    async def act(store: Store) -> tuple[ValidationFailed, int]:
        with pytest.raises(ValidationFailed) as caught:
            await store.append_completions(portal, [good, bad], 1000)
        return caught.value, await store.count_completions(portal)

    error, count = in_store(database, act)
    assert count == 0
    assert [e.code for e in error.errors] == ["UNSTORABLE_TEXT"]


def test_filters_with_unstorable_text_match_nothing(database: str) -> None:
    portal = make_portals(database, "P")[0].portal_id

    async def act(store: Store) -> list[Any]:
        await store.append_completions(portal, [_completion({"plan": "a"})], 1000)
        return [await store.query_completions(portal, CompletionQuery(properties=(("plan", "a\x00"),))),
                await store.query_completions(portal, CompletionQuery(event_name="\x00none")),
                await store.find_object(portal, "CONTACT", "email", "\ud800"),
                await store.query_completions(portal, CompletionQuery(properties=(("plan", "a"),)))]

    nul_filter, nul_event, surrogate, plain = in_store(database, act)
    assert (nul_filter, nul_event, surrogate) == ([], [], None)
    assert len(plain) == 1


def test_long_and_non_ascii_text_round_trips(database: str) -> None:
    portal = make_portals(database, "P")[0].portal_id
    long_value = "ø😀" * 200_000 + "end"
    props = {"plan": long_value, "note": "Ærlig talt — 日本語 \u2028"}

    async def act(store: Store) -> Any:
        await store.append_completions(portal, [_completion(props)], 1000)
        hit = await store.query_completions(portal, CompletionQuery(properties=(("plan", long_value),)))
        return hit, await store.query_completions(
            portal, CompletionQuery(properties=(("note", props["note"]),)))

    by_long, by_note = in_store(database, act)
    assert by_long[0].properties == props
    assert by_note[0].properties == props


def test_comparisons_are_case_sensitive(database: str) -> None:
    portal = make_portals(database, "P")[0].portal_id

    async def act(store: Store) -> Any:
        await store.create_object(portal, "COMPANY", {"domain": "Example.com"})
        await store.append_completions(portal, [_completion({"plan": "Pro"})], 1000)
        return (await store.find_object(portal, "COMPANY", "domain", "example.com"),
                await store.find_object(portal, "COMPANY", "domain", "Example.com"),
                await store.query_completions(portal, CompletionQuery(properties=(("plan", "pro"),))),
                await store.query_completions(portal, CompletionQuery(event_name="Viewed")))

    lower, exact, pro, event = in_store(database, act)
    assert lower is None
    assert exact is not None
    assert pro == []
    assert event == []


def test_times_are_epoch_milliseconds_whatever_the_time_zone(database: str) -> None:
    portal = make_portals(database, "P")[0].portal_id
    # Before 1970, the millisecond after a UTC midnight, and the far future.
    instants = [-86_400_001, 1_704_067_200_001, 253_402_300_799_999]

    async def act(store: Store) -> Any:
        await store.append_completions(
            portal, [_completion({}, occurred_at=ms) for ms in instants], 1000)
        window = CompletionQuery(descending=False, occurred_after=-86_400_002,
                                 occurred_before=253_402_300_799_999)
        return [c.occurred_at for c in await store.query_completions(portal, CompletionQuery(
            descending=False))], [c.occurred_at for c in await store.query_completions(portal, window)]

    everything, window = in_store(database, act)
    assert everything == instants
    assert window == instants[:2]


def test_bulk_insert_keeps_every_character_and_skips_stored_uuids(database: str) -> None:
    """The backends' bulk forms (PostgreSQL: one JSON document of rows) lose nothing."""
    portal = make_portals(database, "P")[0].portal_id
    tricky = ['"quoted" \\back\\slash', "{\"json\": [1, \"x\"]}", "tab\tnew\nline\x01\x1f",
              "NULL", "", "ø😀 \u2028\u2029 日本語", "'; DROP TABLE completions; --"]
    first = [_completion({"plan": text, "n": str(i)}, email=f"u{i}@example.com")
             for i, text in enumerate(tricky)]
    again = [*first[:3], dataclasses.replace(first[3]),  # stored already, and twice here
             *(_completion({"plan": text}) for text in tricky)]

    async def act(store: Store) -> tuple[int, list[Any]]:
        await store.append_completions(portal, first, 1000)
        await store.append_completions(portal, again, 1000)
        return (await store.count_completions(portal),
                await store.query_completions(portal, CompletionQuery(limit=100)))

    count, stored = in_store(database, act)
    assert count == 2 * len(tricky)
    by_id = {c.id: c.properties for c in stored}
    assert [by_id[c.id] for c in first] == [c.properties for c in first]
    assert sorted(p["plan"] for p in by_id.values()) == sorted(tricky * 2)
