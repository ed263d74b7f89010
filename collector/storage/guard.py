"""Text that no backend may store: NUL characters and lone surrogates.

The HTTP API already refuses them when it reads JSON; this is the last line inside the
store, so that every path (CLI, imports, the JS endpoint, later features) behaves the same
on every backend. Without it SQLite would store a NUL but PostgreSQL refuses one, and a lone
surrogate cannot be encoded as UTF-8 at all. A filter value with such text can never match
a stored value, so queries answer "nothing" for it instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from itertools import chain

from collector.errors import FieldError, ValidationFailed
from collector.model import CompletionQuery, NewCompletion


def problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None."""
    if text.isascii():
        return "must not contain NUL characters" if "\x00" in text else None
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain unpaired surrogate characters"
    return None


def check(fields: Iterable[tuple[str, str | None]]) -> None:
    """Raise ValidationFailed naming every ``(where, text)`` that cannot be stored."""
    errors = [FieldError(where, reason, "UNSTORABLE_TEXT") for where, text in fields
              if text is not None and (reason := problem(text)) is not None]
    if errors:
        raise ValidationFailed(errors)


def mapping_fields(where: str, values: Mapping[str, object]) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for key, value in values.items():
        found.append((f"{where}{key} (key)", key))
        if isinstance(value, str):
            found.append((f"{where}{key}", value))
    return found


def check_completions(completions: list[NewCompletion]) -> None:
    # Fast path for the ingest hot loop: one C-level scan of everything joined together.
    texts = chain.from_iterable(
        chain(c.properties, c.properties.values(), (c.event_name, c.email or "", c.utk or "",
                                                     c.match[1] if c.match else ""))
        for c in completions)
    if problem("".join(texts)) is None:
        return
    fields: list[tuple[str, str | None]] = []
    for c in completions:
        fields += [(f"{c.where}eventName", c.event_name), (f"{c.where}email", c.email),
                   (f"{c.where}utk", c.utk)]
        fields += mapping_fields(f"{c.where}properties.", c.properties)
        if c.match is not None:
            fields.append((f"{c.where}properties.{c.match[0]}", c.match[1]))
    check(fields)


def storable(query: CompletionQuery) -> CompletionQuery | None:
    """``query`` without filter values holding text no store holds (they match nothing);
    None when a filter is left that nothing can match."""
    if query.event_name is not None and problem(query.event_name) is not None:
        return None
    if any(problem(value) is not None for _, value in query.object_properties):
        return None
    ids = tuple(i for i in query.completion_ids if problem(i) is None)
    properties = tuple((name, value) for name, value in query.properties
                       if problem(value) is None)
    if (query.completion_ids and not ids) or (
            {name for name, _ in query.properties} != {name for name, _ in properties}):
        return None
    return replace(query, completion_ids=ids, properties=properties)
