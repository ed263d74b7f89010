"""Stored JSON text: properties exactly as ``json.dumps`` writes them, the rows sent to
PostgreSQL as json would write them, whichever encoder wrote them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.storage.jsontext import compact_json, compact_text_json
from collector.storage.pgconn import rows_json
from tests.strategies import json_values

_VALUES = json_values()

@given(_VALUES)
def test_same_text_as_json_dumps(value: Any) -> None:
    assert compact_json(value) == json.dumps(value, separators=(",", ":"))


# Completions' properties and adjustments: text only, with what orjson writes differently
# (DEL, every non-ASCII character, unpaired surrogates) drawn often.
_TEXT = st.text(alphabet=st.sampled_from("ab\"\\/\x00\x1f\x7f\n\té\u2028\U0001d11e\ud800") | st.characters())
_TEXT_TREES = st.dictionaries(_TEXT, _TEXT, max_size=6) | st.lists(
    st.dictionaries(_TEXT, _TEXT, max_size=3), max_size=3)


@given(_TEXT_TREES)
def test_text_trees_same_text_as_json_dumps(value: Any) -> None:
    assert compact_text_json(value) == json.dumps(value, separators=(",", ":"))


@pytest.mark.parametrize("text", ["plain", "tab\there", "del\x7f", "é", "\ud800", "\u2028", "𝄞"])
def test_text_trees_each_divergence(text: str) -> None:
    value = {"k": text, text: [text]}
    assert compact_text_json(value) == json.dumps(value, separators=(",", ":"))


def test_unserializable_values_are_a_type_error() -> None:
    with pytest.raises(TypeError):
        compact_json({"a": object()})


_ROW_VALUES = st.none() | st.integers(-(2**70), 2**70) | _TEXT.filter(
    lambda t: not any(0xD800 <= ord(c) <= 0xDFFF for c in t))  # the guard refuses those


@given(st.lists(st.tuples(_ROW_VALUES, _ROW_VALUES, _ROW_VALUES), max_size=5))
def test_postgres_rows_json_reads_back_as_the_rows(rows: list[tuple[Any, ...]]) -> None:
    text = rows_json(rows)
    assert json.loads(text) == [list(row) for row in rows]
    # orjson or not, json's text (UTF-8, not \u escapes)
    assert text == json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
