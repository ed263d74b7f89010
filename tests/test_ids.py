"""Completion ids made by the server: RFC 9562 version-7 UUIDs, distinct, in time order."""

from __future__ import annotations

import os
import uuid

import pytest

from collector.ids import new_uuid7, new_uuid7s


def test_ids_are_canonical_version_7_uuids_carrying_the_time() -> None:
    for ms in (0, 1, 1_764_000_000_123, 2**48 - 1):
        text = new_uuid7(ms)
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122
        assert parsed.int >> 80 == ms


def test_ids_sort_by_time_and_do_not_repeat() -> None:
    ids = [new_uuid7(1_764_000_000_000 + i // 10) for i in range(5000)]  # ~12 pool refills
    assert len(set(ids)) == len(ids)
    assert [i[:13] for i in ids] == sorted(i[:13] for i in ids)
    assert sorted(ids) != ids  # within one millisecond the order is random


def test_the_random_bits_vary_in_every_position() -> None:
    ids = [uuid.UUID(new_uuid7(5)).int & ((1 << 74) - 1) for _ in range(200)]
    seen = 0
    for value in ids:
        seen |= value
    assert seen.bit_count() >= 70


def test_a_forked_child_does_not_reuse_the_parents_pool() -> None:
    new_uuid7()  # the pool now holds unused bytes the child must not hand out again
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        os.write(write, "\n".join(new_uuid7(1) for _ in range(50)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = set(pipe.read().split("\n"))
    os.waitpid(pid, 0)
    parent = {new_uuid7(1) for _ in range(50)}
    assert len(child) == 50
    assert not parent & child


@pytest.mark.parametrize("count", [0, 1, 7, 500, 1000])
def test_many_at_once_are_distinct_v7_ids_of_that_millisecond(count: int) -> None:
    texts = new_uuid7s(1_764_000_000_123, count)
    ids = [uuid.UUID(text) for text in texts]
    assert [str(i) for i in ids] == texts  # canonical lowercase form
    assert len(set(ids)) == count
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    assert all(i.int >> 80 == 1_764_000_000_123 for i in ids)
