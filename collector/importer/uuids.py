"""The uuids a file's rows carry, each with the first row that carried it: a repeat names it.

A million rows with a uuid column must fit the import's memory budget. A dict of a million
uuids and row numbers holds ~115 MB of Python objects (a key and a value object per row,
besides the table); these open-addressing tables (linear probing) keep each entry in three
machine words of flat arrays, at most half full: ~50 MB for a million. There are sixteen,
grown one at a time, so a growth holds a sixteenth of the entries twice, not all of them.
Slots come from the (per-process randomised) hash of the uuid's bytes, so no file can make
its uuids collide and the checks crawl, as it could with the uuids' integers, whose hash is
the number itself.
"""

from __future__ import annotations

import uuid
from array import array

_HALF = 64
_LOW = (1 << _HALF) - 1
_SHARD_BITS = 4


class FirstRows:
    def __init__(self, capacity: int = 1 << 8) -> None:
        shards = range(1 << _SHARD_BITS)
        self._count = [0 for _ in shards]
        self._high = [_zeros(capacity) for _ in shards]
        self._low = [_zeros(capacity) for _ in shards]
        self._rows = [_zeros(capacity) for _ in shards]  # 0: a free slot (rows start at 1)

    def first(self, value: uuid.UUID, row: int) -> int | None:
        """The row that carried ``value`` first; None when none did: then it is ``row``."""
        found = hash(value.bytes)
        shard, slot = found & ((1 << _SHARD_BITS) - 1), found >> _SHARD_BITS
        number = value.int
        high, low = number >> _HALF, number & _LOW
        rows, highs, lows = self._rows[shard], self._high[shard], self._low[shard]
        mask = len(rows) - 1
        slot &= mask
        while earlier := rows[slot]:
            if highs[slot] == high and lows[slot] == low:
                return earlier
            slot = (slot + 1) & mask
        highs[slot], lows[slot], rows[slot] = high, low, row
        self._count[shard] += 1
        if 2 * self._count[shard] > mask:
            self._grow(shard)
        return None

    def _grow(self, shard: int) -> None:
        entries = zip(self._high[shard], self._low[shard], self._rows[shard], strict=True)
        capacity = 2 * len(self._rows[shard])
        highs, lows, rows = _zeros(capacity), _zeros(capacity), _zeros(capacity)
        self._high[shard], self._low[shard], self._rows[shard] = highs, lows, rows
        mask = capacity - 1
        for high, low, row in entries:
            if row:
                slot = (hash(((high << _HALF) | low).to_bytes(16, "big")) >> _SHARD_BITS) & mask
                while rows[slot]:
                    slot = (slot + 1) & mask
                highs[slot], lows[slot], rows[slot] = high, low, row


def _zeros(capacity: int) -> array[int]:
    return array("Q", bytes(8 * capacity))
