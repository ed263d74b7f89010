"""The JS path's body reading and page-view enrichment take shortcuts (orjson, a table of
the standard text properties' limits); each must give exactly what the long way gives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.errors import ClientError
from collector.jsapi.hits import parse_body
from collector.jsapi.ingest import _standard
from collector.jsapi.normalize import Adjustments, enrichment_values, standard_text_limits
from collector.limits import Limits
from collector.properties import STANDARD_PROPERTIES
from tests.strategies import json_values


def _long_way(body: bytes) -> Any:
    return json.loads(body.decode("utf-8", "replace"))


_JSON = json_values()

@given(_JSON)
def test_any_json_reads_as_json_loads_reads_it(value: Any) -> None:
    body = json.dumps(value).encode()
    assert parse_body(body) == _long_way(body)


@pytest.mark.parametrize("body", [
    b'{"t": "caf\xc3\xa9 \xff\xfe"}',  # not UTF-8: replaced, never refused
    b'{"t": "\\ud800 lone"}',  # an unpaired surrogate escape (cleaned later)
    b'{"n": NaN, "i": -Infinity}',
    b'{"big": 123456789012345678901234567890}',
    b'{"a": 1, "a": 2}',  # the last one wins, as json has it
    b'{"x": 1e400}',
    b'{"neg": -9999999999999999999, "u64": [18446744073709551616]}',
    b'1234567890123456789012',
    b'{"s": "12345678901234567890123", "n":\n 12345678901234567890123}',
    b'[' * 600 + b']' * 600,
])
def test_bodies_orjson_refuses_read_the_long_way(body: bytes) -> None:
    assert repr(parse_body(body)) == repr(_long_way(body))


@pytest.mark.parametrize("body", [b"", b"{", b"not json", b'{"a": 1} trailing'])
def test_unreadable_json_is_a_client_error(body: bytes) -> None:
    with pytest.raises(ClientError):
        parse_body(body)


_LIMITS = Limits(value_length=8, url_value_length=12)
_TEXT_VALUES = st.text(alphabet=st.sampled_from("ab é\ud800"), max_size=14)


@given(st.dictionaries(st.sampled_from([*sorted(STANDARD_PROPERTIES), "hs_nope"]),
                       _TEXT_VALUES | st.integers(-5, 3000) | st.booleans(), max_size=12))
def test_page_view_enrichment_shortcut_changes_nothing(raw: dict[str, object]) -> None:
    short: Adjustments = []
    long: Adjustments = []
    fast = enrichment_values(raw, _standard, _LIMITS, short, standard_text_limits(_LIMITS))
    assert fast == enrichment_values(raw, _standard, _LIMITS, long)
    assert short == long


def test_text_limits_follow_the_limits_given() -> None:
    assert standard_text_limits(_LIMITS)["hs_page_url"] == 12
    assert standard_text_limits(_LIMITS)["hs_page_title"] == 8
    assert standard_text_limits(Limits())["hs_page_title"] == 256
    assert "hs_screen_width" not in standard_text_limits(Limits())  # a number
