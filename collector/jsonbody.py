"""Strict reading of JSON request bodies.

Bodies over the byte cap are refused from ``Content-Length`` before anything is read (or as
soon as a chunked body passes the cap). JSON must be UTF-8 and well formed, with no
duplicate keys, no NaN/Infinity, no non-finite numbers, no nesting deeper than the cap, and
no NUL characters or lone surrogates in any string. A body whose ``Content-Type`` names
another charset is read in it (``CHARSETS``) or refused. Every problem is a ``ClientError``.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.requests import Request

from collector.errors import (
    ClientError,
    FieldError,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)

JSON_TYPES = ("application/json",)
BEACON_TYPES = ("application/json", "text/plain")
# The charsets a body may be labelled with besides UTF-8, and Python's codec for each. JSON is
# UTF-8, but some HTTP clients label ASCII bodies ISO-8859-1; a label is never ignored: the
# bytes C3 A9 sent as ISO-8859-1 are "Ã©", and were stored as "é".
CHARSETS = {"utf-8": None, "utf8": None, "us-ascii": "ascii", "ascii": "ascii",
            "iso-8859-1": "latin-1", "iso_8859-1": "latin-1", "latin1": "latin-1",
            "latin-1": "latin-1", "windows-1252": "cp1252", "cp1252": "cp1252",
            "utf-16": "utf-16", "utf-16le": "utf-16-le", "utf-16be": "utf-16-be"}


class _DuplicateKey(ValueError):
    pass


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large")
    return value


_decoder = json.JSONDecoder(
    object_pairs_hook=_object_without_duplicates,
    parse_constant=_reject_constant,
    parse_float=_finite_float,
)


async def read_body(headers: Mapping[str, str], chunks: AsyncIterator[bytes], max_bytes: int,
                    media_types: tuple[str, ...]) -> bytes:
    """The raw body of a request with ``headers``, arriving as ``chunks``, after the
    content-type and size checks."""
    content_type = headers.get("content-type", "")
    media_type, _, parameters = content_type.partition(";")
    if media_type.strip().lower() not in media_types:
        shown = content_type or "none"
        raise UnsupportedMediaType(
            f"Content-Type must be {' or '.join(media_types)} (got {shown})",
            (FieldError("header.Content-Type", f"unsupported media type {shown}", "UNSUPPORTED"),),
        )
    encoding = headers.get("content-encoding")  # almost always absent
    if encoding is not None and encoding.strip().lower() not in ("identity", ""):
        shown = encoding[:100]
        raise UnsupportedMediaType(
            f"Content-Encoding {shown} is not supported: send the body uncompressed",
            (FieldError("header.Content-Encoding", f"unsupported encoding {shown}",
                        "UNSUPPORTED"),),
        )
    codec = _codec(parameters, content_type) if parameters else None
    declared = headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes)
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise too_large(max_bytes)
        parts.append(chunk)
    body = b"".join(parts)
    return body if codec is None else _as_utf8(body, codec)


def _codec(parameters: str, content_type: str) -> str | None:
    """The codec of the ``charset`` parameter (None: UTF-8 or none named); 415 for a
    charset not in ``CHARSETS``."""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() != "charset":
            continue
        charset = value.strip().strip('"').lower()
        if charset not in CHARSETS:
            shown = content_type[:100]
            raise UnsupportedMediaType(
                f"Content-Type {shown}: charset {charset[:40]!r} is not supported; send UTF-8",
                (FieldError("header.Content-Type", f"unsupported charset {charset[:40]!r}",
                            "UNSUPPORTED"),))
        return CHARSETS[charset]
    return None


def _as_utf8(body: bytes, codec: str) -> bytes:
    """``body`` read in the charset it is labelled with, as UTF-8."""
    try:
        return body.decode(codec).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise _body_error(f"Request body is not valid {codec} (byte {exc.start}), the charset"
                          " its Content-Type names", "ENCODING") from None


def too_large(max_bytes: int) -> PayloadTooLarge:
    """The 413 for a body over ``max_bytes`` (JSON bodies here, forms in ``bodylimit``)."""
    return PayloadTooLarge(
        f"Request body is larger than {max_bytes} bytes",
        (FieldError("body", f"must be at most {max_bytes} bytes", "TOO_LARGE"),),
    )


def parse_json(body: bytes, max_depth: int) -> Any:
    """Decode ``body`` strictly; see the module docstring for what is refused."""
    if not body.strip():
        raise _body_error("Request body is empty", "EMPTY")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _body_error(f"Request body is not valid UTF-8 (byte {exc.start})", "ENCODING") from None
    try:
        value = _decoder.decode(text.removeprefix("\ufeff"))
    except _DuplicateKey as exc:
        raise _body_error(f"Duplicate key {str(exc)!r} in a JSON object", "DUPLICATE_KEY") from None
    except RecursionError:
        raise _body_error(f"JSON is nested deeper than {max_depth} levels", "TOO_DEEP") from None
    except ValueError as exc:
        raise _body_error(f"Malformed JSON: {exc}", "MALFORMED_JSON") from None
    too_deep = body.count(b"{") + body.count(b"[") > max_depth and deeper_than(value, max_depth)
    if too_deep or b"\\u" in body or b"\x00" in body:
        problems = list(_walk_problems(value, max_depth))
        if problems:
            raise ValidationFailed(problems)
    return value


def deeper_than(value: Any, limit: int) -> bool:
    """Whether the parsed JSON ``value`` nests containers more than ``limit`` levels deep.

    One level at a time, so a batch of 500 shallow objects costs one pass over its
    containers; a value nested past ``limit`` is found after ``limit`` levels."""
    level = [value] if type(value) is dict or type(value) is list else []
    for _ in range(limit):
        below = []
        for container in level:
            for item in container.values() if type(container) is dict else container:
                if type(item) is dict or type(item) is list:
                    below.append(item)
        if not below:
            return False
        level = below
    return bool(level)


def _body_error(message: str, code: str) -> ClientError:
    return ClientError(message, (FieldError("body", message, code),))


def _walk_problems(root: Any, max_depth: int) -> Any:
    """Yield FieldErrors for nesting past ``max_depth``, NUL characters and lone surrogates."""
    stack: list[tuple[Any, str, int]] = [(root, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict):
            if depth > max_depth:
                yield FieldError(path or "body", f"nested deeper than {max_depth} levels", "TOO_DEEP")
                continue
            for key, item in value.items():
                yield from _string_problems(key, f"{path}.{key}".lstrip(".") + " (key)")
                stack.append((item, f"{path}.{key}".lstrip("."), depth + 1))
        elif isinstance(value, list):
            if depth > max_depth:
                yield FieldError(path or "body", f"nested deeper than {max_depth} levels", "TOO_DEEP")
                continue
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str):
            yield from _string_problems(value, path or "body")


def _string_problems(text: str, path: str) -> Any:
    if "\x00" in text:
        yield FieldError(path, "must not contain NUL characters", "NUL_CHARACTER")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            yield FieldError(path, "must not contain unpaired surrogate characters", "LONE_SURROGATE")


async def read_json(request: Request, max_bytes: int, max_depth: int,
                    media_types: tuple[str, ...] = JSON_TYPES) -> Any:
    body = await read_body(request.headers, request.stream(), max_bytes, media_types)
    return parse_json(body, max_depth)
