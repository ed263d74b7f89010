"""The tracker's wire format, read tolerantly: a bad field is dropped, never a failure.

One request body (``text/plain`` JSON, below 64 KiB)::

    {"a": portalId, "k": visitorToken, "w": 1 if navigator.webdriver,
     "h": [{"i": uuid, "n": "pe1_event" (absent for a page view), "t": epochMs,
            "u": pageUrl, "ti": title, "r": referrer, "l": language (the tracker leaves it
            to the Accept-Language header; kept for other senders),
            "sw": screenWidth, "sh": screenHeight, "p": {properties}, "e": email}]}
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson

from collector.errors import ClientError, FieldError
from collector.jsapi.normalize import safe_text
from collector.jsonbody import deeper_than

_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,100}\Z")
# Every ASCII digit as "0", every other byte as " ": a run of 19 digits is then found in C
# (a regex tries each digit of a uuid as a start: ten times slower).
_DIGITS = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
_DIGIT_RUN = b"0" * 19
# A number token of 19 digits or more (one inside a string matches at times: harmless).
_LONG_NUMBER = re.compile(rb"[:\[,]\s*-?\d{19}")
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


@dataclass(slots=True)
class Hit:
    id: str | None
    event: str | None
    occurred_at: int | None
    url: str
    title: str
    referrer: str
    language: str
    screen: tuple[int | None, int | None]
    properties: Any
    email: str | None
    raw: dict[str, Any]
    cleaned: bool = False  # NUL characters or unpaired surrogates were replaced
    pruned_below: int | None = None  # values nested deeper than this were dropped


@dataclass(slots=True)
class Envelope:
    portal_id: int
    utk: str | None
    webdriver: bool
    hits: list[Hit] = field(default_factory=list)


def parse_body(body: bytes) -> Any:
    """JSON from the body; only unreadable JSON is a (400) client error.

    orjson reads it (a third of json's time) unless it refuses it (not UTF-8, an unpaired
    surrogate, NaN, nesting past its limit) or may read it differently (integers past 64
    bits become floats): then json reads it, with bytes that are not UTF-8 replaced. The
    values are json's; only nesting reads further (orjson's limit is 1,024 levels, json's
    recursion may stop short of it): such a body is read and pruned, not refused."""
    if _DIGIT_RUN not in body.translate(_DIGITS) or not (
            _LONG_NUMBER.search(body) or body.lstrip()[:1] in b"-0123456789"):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(body.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        raise ClientError("The body is not JSON",
                          (FieldError("body", "must be a JSON object", "MALFORMED_JSON"),)) from None


def read_envelope(doc: Any, *, clean: bool = True, max_depth: int = 32) -> Envelope:
    """The envelope of a parsed body. ``clean``: strings may hold text no store can hold
    (NUL, unpaired surrogates); ``max_depth``: the nesting a hit's values may reach (the
    tracker's are flat; anything deeper is dropped, not kept to trouble the store)."""
    if not isinstance(doc, dict):
        raise ClientError("The body must be a JSON object",
                          (FieldError("body", "must be a JSON object", "WRONG_TYPE"),))
    portal = doc.get("a")
    if isinstance(portal, str) and portal.isascii() and portal.isdigit():
        portal = int(portal)
    if isinstance(portal, bool) or not isinstance(portal, int) or not 0 < portal < 2**63:
        raise ClientError("The portal id is missing",
                          (FieldError("a", "must be the portal id", "REQUIRED"),))
    token = doc.get("k")
    hits = doc.get("h")
    envelope = Envelope(portal, token if isinstance(token, str) and _TOKEN.match(token) else None,
                        bool(doc.get("w")))
    if isinstance(hits, list):
        deep = deeper_than(hits, max_depth)  # one pass over the containers of every hit
        envelope.hits = [_hit(item, clean, max_depth if deep else None)
                         for item in hits if isinstance(item, dict)]
    return envelope


def clean_strings(value: Any) -> tuple[Any, bool]:
    """``value`` with NUL characters removed and unpaired surrogates replaced by U+FFFD in
    every string (keys too): text no store can hold never fails a JS hit. Says if it changed."""
    if isinstance(value, str):
        cleaned = safe_text(value.replace("\x00", ""))
        return cleaned, cleaned != value
    if isinstance(value, list):
        items = [clean_strings(item) for item in value]
        return [v for v, _ in items], any(c for _, c in items)
    if isinstance(value, dict):
        pairs = [(clean_strings(k), clean_strings(v)) for k, v in value.items()]
        return ({k: v for (k, _), (v, _) in pairs},
                any(kc or vc for (_, kc), (_, vc) in pairs))
    return value, False


def prune(value: Any, depth: int) -> Any:
    """``value`` with every container nested more than ``depth`` levels down made null."""
    if not isinstance(value, list | dict):
        return value
    if depth == 0:
        return None
    if isinstance(value, list):
        return [prune(item, depth - 1) for item in value]
    return {key: prune(item, depth - 1) for key, item in value.items()}


def _hit(original: dict[str, Any], clean: bool, max_depth: int | None) -> Hit:
    """A hit; with ``max_depth`` (the body nests deeper than that somewhere), pruned to it."""
    if max_depth is None or not deeper_than(original, max_depth):
        max_depth = None  # nothing to prune
    item = original if max_depth is None else prune(original, max_depth)
    item, cleaned = clean_strings(item) if clean else (item, False)
    return Hit(
        id=_uuid(item.get("i")), event=_event_name(item),
        occurred_at=_int(item.get("t")), url=_text(item.get("u")), title=_text(item.get("ti")),
        referrer=_text(item.get("r")), language=_text(item.get("l")),
        screen=(_int(item.get("sw")), _int(item.get("sh"))), properties=item.get("p", {}),
        email=_text(item.get("e")) or None, raw=item, cleaned=cleaned,
        pruned_below=max_depth,
    )


def _event_name(item: dict[str, Any]) -> str | None:
    """None for a page view (no ``n``); else the custom event's name, or what was sent in
    its place written out as JSON (no event has such a name: it becomes a failed hit)."""
    if "n" not in item:
        return None
    name = item["n"]
    return name if isinstance(name, str) else json.dumps(name)[:200]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != value or abs(value) > 2**53:  # NaN cannot come from JSON, but stay total
        return None
    return int(value)


def _uuid(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    if _CANONICAL_UUID.match(value):  # what the tracker sends: already in stored form
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
