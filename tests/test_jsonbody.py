"""The strict JSON reader's nesting cap, at its boundary (the HTTP tests cover the rest)."""

from __future__ import annotations

import json

import pytest

from collector.errors import ClientError, ValidationFailed
from collector.jsonbody import _depth, parse_json


def nested(depth: int, inner: str = "1") -> bytes:
    text = inner
    for level in range(depth):
        text = f'{{"k{level}":{text}}}' if level % 2 else f"[{text},0]"
    return text.encode()


@pytest.mark.parametrize("depth", [1, 2, 5, 31, 32, 33, 40])
def test_depth_is_counted_exactly(depth: int) -> None:
    body = nested(depth)
    json.loads(body)  # well formed
    assert _depth(body, 32) == min(depth, 33)


def test_brackets_inside_strings_do_not_count() -> None:
    body = json.dumps({"a": "[[[[{{{{" * 20, "b": ['\\"]]]', "x\\\\"]}).encode()
    assert _depth(body, 32) == 2


def test_the_cap_accepts_32_levels_and_refuses_33() -> None:
    assert parse_json(nested(32), 32) is not None
    with pytest.raises((ClientError, ValidationFailed)):
        parse_json(nested(33), 32)


def test_a_batch_with_many_shallow_objects_is_not_too_deep() -> None:
    body = json.dumps({"inputs": [{"properties": {"a": [i]}} for i in range(500)]}).encode()
    assert _depth(body, 32) == 5
    assert len(parse_json(body, 32)["inputs"]) == 500
