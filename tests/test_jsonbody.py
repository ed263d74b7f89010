"""The strict JSON reader's nesting cap, at its boundary (the HTTP tests cover the rest)."""

from __future__ import annotations

import json

import pytest

from collector.errors import ClientError, ValidationFailed
from collector.jsonbody import deeper_than, parse_json


def nested(depth: int, inner: str = "1") -> bytes:
    text = inner
    for level in range(depth):
        text = f'{{"k{level}":{text}}}' if level % 2 else f"[{text},0]"
    return text.encode()


@pytest.mark.parametrize("depth", [1, 2, 5, 31, 32, 33, 40])
def test_depth_is_counted_exactly(depth: int) -> None:
    body = nested(depth)
    value = json.loads(body)
    assert deeper_than(value, 32) is (depth > 32)
    assert deeper_than(value, depth) is False
    assert deeper_than(value, depth - 1) is True


def test_scalars_and_empty_containers() -> None:
    assert deeper_than(1, 0) is False
    assert deeper_than("[[[", 1) is False
    assert deeper_than([], 1) is False
    assert deeper_than([], 0) is True
    assert deeper_than({"a": [{}]}, 3) is False
    assert deeper_than({"a": [{}]}, 2) is True


def test_brackets_inside_strings_do_not_count() -> None:
    body = json.dumps({"a": "[[[[{{{{" * 20, "b": ['\\"]]]', "x\\\\"]}).encode()
    assert parse_json(body, 2) is not None


def test_the_cap_accepts_32_levels_and_refuses_33() -> None:
    assert parse_json(nested(32), 32) is not None
    with pytest.raises((ClientError, ValidationFailed)):
        parse_json(nested(33), 32)


def test_a_batch_with_many_shallow_objects_is_not_too_deep() -> None:
    body = json.dumps({"inputs": [{"properties": {"a": [i]}} for i in range(500)]}).encode()
    assert deeper_than(json.loads(body), 4) is True
    assert deeper_than(json.loads(body), 5) is False
    assert len(parse_json(body, 32)["inputs"]) == 500
