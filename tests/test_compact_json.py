"""Stored properties are compact JSON text, exactly as ``json.dumps`` writes it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.storage.jsontext import compact_json

_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@given(_VALUES)
def test_same_text_as_json_dumps(value: Any) -> None:
    assert compact_json(value) == json.dumps(value, separators=(",", ":"))


def test_unserializable_values_are_a_type_error() -> None:
    with pytest.raises(TypeError):
        compact_json({"a": object()})
