"""Compact JSON text of stored values (properties, contacts), as
``json.dumps(value, separators=(",", ":"))`` writes it.

``JSONEncoder.encode`` builds json's C encoder again on every call, which costs more than
the encoding itself (1.4 µs against 0.5 µs for a completion's properties); this builds it
once. Python without json's C accelerations gets the plain encoder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def _encoder() -> Callable[[Any], str]:
    make = getattr(json.encoder, "c_make_encoder", None)
    plain = json.JSONEncoder(separators=(",", ":"))
    if make is None:
        return plain.encode
    encode = make(None, plain.default, json.encoder.encode_basestring_ascii, None, ":", ",",
                  False, False, True)  # no circularity markers: stored values are plain trees
    return lambda value: "".join(encode(value, 0))


compact_json = _encoder()
