"""The one limits contract (SPEC section 3), enforced two ways.

The HTTP API *checks* against these limits and rejects every violation; the JS path
*adjusts* (cleans, truncates, drops) and records what it changed. Both call this module,
and ``GET /events/v3/limits`` publishes ``Limits.as_public_dict``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

from collector.model import BUILT_IN_EVENTS
from collector.properties import EVENT_NAME_PATTERN

EVENT_NAME_RE = re.compile(EVENT_NAME_PATTERN + r"\Z")
PROPERTY_NAME_RE = re.compile(r"[a-z][a-z0-9_]*\Z")
_NOT_PROPERTY_CHAR = re.compile(r"[^a-z0-9_]+")
_FQN_PREFIX = re.compile(r"pe\d+_")

# Standard properties whose values are URLs and so get the longer limit.
URL_PROPERTIES = frozenset({"hs_page_url", "hs_referrer", "hs_link_href"})


@dataclass(frozen=True, slots=True)
class Limits:
    event_name_length: int = 50
    property_name_length: int = 50
    event_label_length: int = 100
    property_label_length: int = 50
    description_length: int = 1000
    url_value_length: int = 1024
    value_length: int = 256
    properties_per_completion: int = 50
    definitions_per_portal: int = 500
    properties_per_definition: int = 500
    options_per_property: int = 1000
    completions_per_month: int = 30_000_000
    batch_inputs: int = 500
    import_rows: int = 1_000_000

    def value_length_for(self, property_name: str) -> int:
        if property_name in URL_PROPERTIES:
            return self.url_value_length
        return self.value_length

    def as_public_dict(self) -> dict[str, object]:
        public: dict[str, object] = dict(asdict(self))
        public["urlProperties"] = sorted(URL_PROPERTIES)
        public["eventNamePattern"] = EVENT_NAME_RE.pattern.removesuffix(r"\Z")
        public["propertyNamePattern"] = PROPERTY_NAME_RE.pattern.removesuffix(r"\Z")
        return public


def event_name_problem(name: str, limits: Limits) -> str | None:
    """Why ``name`` is not a valid internal event name, or None."""
    if len(name) > limits.event_name_length:
        return f"must be at most {limits.event_name_length} characters"
    if not EVENT_NAME_RE.match(name):
        return ("must start with a lowercase letter and contain only a-z, 0-9, "
                "underscores and hyphens")
    if _FQN_PREFIX.match(name):
        return "must not start with pe<digits>_ (that is the fullyQualifiedName prefix)"
    if name in BUILT_IN_EVENTS:
        return f"{name} is the name of a built-in event"
    return None


def property_name_problem(name: str, limits: Limits) -> str | None:
    """Why ``name`` is not a valid internal property name, or None."""
    if len(name) > limits.property_name_length:
        return f"must be at most {limits.property_name_length} characters"
    if not PROPERTY_NAME_RE.match(name):
        return "must start with a lowercase letter and contain only a-z, 0-9 and underscores"
    return None


# Letters that Unicode does not decompose into a base letter and an accent.
_SPELLED = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
                          "ß": "ss", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "þ": "th",
                          "Þ": "TH", "ð": "d", "Ð": "D"})


# Characters of a non-ASCII name read per character of the name limit: room for accents,
# punctuation runs and leading symbols the cleaning drops.
_READ_PER_CHARACTER = 16


def name_from_label(label: str, limits: Limits) -> str:
    """Derive an internal name from a label, as HubSpot does when ``name`` is omitted."""
    return clean_property_name(label, limits) or "event"


def clean_property_name(raw: str, limits: Limits) -> str:
    """The one rule that makes a name of any text (a label, a name the JS path received, an
    import's column header): accented letters keep their base letter ("Møte booket" →
    ``mote_booket``), lowercase, other runs to ``_``, a leading letter, cut to the limit."""
    if not raw.isascii():
        # Only the start of a name makes it (a cut to the limit): decomposing all of a
        # client's megabyte name costs seconds and gigabytes (U+FDFA is 18 letters).
        raw = raw[:limits.property_name_length * _READ_PER_CHARACTER]
        decomposed = unicodedata.normalize("NFKD", raw.translate(_SPELLED))
        raw = "".join(c for c in decomposed if not unicodedata.combining(c))
    name = _NOT_PROPERTY_CHAR.sub("_", raw.lower()).strip("_")
    if name and not name[0].isalpha():
        name = "p_" + name
    return name[: limits.property_name_length].rstrip("_")


def case_duplicates(names: list[str]) -> list[list[str]]:
    """Groups of names that are equal after lowercasing (each group sorted)."""
    groups: dict[str, list[str]] = {}
    for name in sorted(names):
        groups.setdefault(name.lower(), []).append(name)
    return [group for group in groups.values() if len(group) > 1]


def fold_properties(props: dict[str, object], limits: Limits) -> tuple[dict[str, object], list[str]]:
    """SPEC section 3's duplicate rule for the JS path.

    Sort the names as sent, ascending; keep the last-seen value for each lowercased name;
    then keep the first ``properties_per_completion`` names, in that order (a name counts
    where it is first seen). Returns the kept properties (keyed by lowercased name, in that
    order) and the original names that were dropped.
    """
    folded: dict[str, object] = {}  # a key keeps the place where it was first seen
    source: dict[str, str] = {}
    dropped: list[str] = []
    for name in sorted(props):
        key = name.lower()
        if key in source:
            dropped.append(source[key])
        folded[key] = props[name]
        source[key] = name
    order = list(folded)
    dropped.extend(source[key] for key in order[limits.properties_per_completion:])
    return {key: folded[key] for key in order[: limits.properties_per_completion]}, dropped


def truncate_text(value: str, max_length: int) -> str:
    """Cut to ``max_length`` code points; Python strings never split a code point."""
    return value if len(value) <= max_length else value[:max_length]
