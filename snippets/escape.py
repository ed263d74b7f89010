"""The one audited escaping function for user strings that reach JavaScript or HTML.

``js_literal(value)`` is JSON (so it round-trips exactly through ``JSON.parse`` or as a JS
literal) in which the characters that could end or change the surrounding context are
escaped as ``\\uXXXX``:

- ``<``, ``>`` and ``&``: no ``</script``, ``<!--`` or ``<script`` can appear, so the text is
  safe inside an inline ``<script>`` element and inside HTML;
- U+2028 and U+2029: line terminators in older JavaScript engines, even inside strings;
- lone surrogates: kept as escapes so the output is always encodable as UTF-8.

JSON already escapes quotes, backslashes and every control character.
"""

from __future__ import annotations

import json
import re

_TABLE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                        "\u2028": "\\u2028", "\u2029": "\\u2029"})
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def js_literal(value: object, indent: int | None = None) -> str:
    """``value`` as a JSON/JavaScript literal safe in a script, a script element or HTML."""
    separators = (",", ": ") if indent is not None else (",", ":")
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, indent=indent,
                      separators=separators)
    text = text.translate(_TABLE)
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
