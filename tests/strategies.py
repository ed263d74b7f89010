"""Hypothesis strategies shared by several test modules."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


def json_values(max_leaves: int = 20) -> st.SearchStrategy[Any]:
    """Any value JSON can carry (infinities included: json writes them, parsers refuse
    them), nested in lists and objects."""
    return st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=max_leaves)
