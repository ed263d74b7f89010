"""Row ids: the fast generator is exactly uuid5 of the file hash and row number, and the
table of a file's uuids (each with its first row) answers as a dict would."""

from __future__ import annotations

import random
import uuid

import pytest

from collector.importer.rows import _NAMESPACE, _RowIds, row_uuid


@pytest.mark.parametrize("row", [1, 2, 9, 10, 999_999, 1_000_000])
def test_fast_row_ids_equal_uuid5(row: int) -> None:
    content_hash = "ab" * 32
    fast = _RowIds(content_hash)(row)
    assert fast == row_uuid(content_hash, row)
    assert fast == str(uuid.uuid5(_NAMESPACE, f"{content_hash}:{row}"))
    assert _RowIds("cd" * 32)(row) != fast  # another file never reuses a row's id


def test_first_rows_remembers_every_uuid_with_its_first_row() -> None:
    """The compact table of the uuids a file's rows carry answers as a dict would, through
    its growth, for uuids that differ in a single bit or are random."""
    from collector.importer.uuids import FirstRows

    rng = random.Random(6)
    keys = [uuid.UUID(int=1 << bit) for bit in range(128)]
    keys += [uuid.UUID(int=rng.getrandbits(128)) for _ in range(20_000)]
    reference: dict[uuid.UUID, int] = {}
    table = FirstRows()
    for row, key in enumerate(keys + keys[::7] + keys[5:9], start=2):
        assert table.first(key, row) == reference.get(key), (key, row)
        reference.setdefault(key, row)
    assert table.first(uuid.UUID(int=0), 99) is None  # the all-zero uuid is a uuid too
    assert table.first(uuid.UUID(int=0), 100) == 99
