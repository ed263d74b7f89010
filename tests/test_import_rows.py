"""The import's fast row-id generator is exactly uuid5 of the file hash and row number."""

from __future__ import annotations

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
