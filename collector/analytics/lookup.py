"""Which event an analytics request means: a definition of the portal, or page views."""

from __future__ import annotations

from collections.abc import Mapping

from collector.completions import resolve_event_name
from collector.errors import FieldError, NotFound
from collector.model import PAGE_VIEW, EventDefinition

PAGE_VIEW_LABEL = "Page views"


def event_named(definitions: Mapping[str, EventDefinition], portal_id: int,
                raw: str) -> tuple[str, EventDefinition | None]:
    """``(internal name, definition)`` for an internal or fully qualified name; page views
    (the tracker's built-in event) have no definition. NotFound for anything else,
    another portal's events included."""
    name = resolve_event_name(raw, portal_id)
    if name is not None and name in definitions:
        return name, definitions[name]
    if name == PAGE_VIEW:
        return name, None
    raise NotFound(f"No event named {raw[:100]!r} in this portal",
                   (FieldError("eventName", "no such event", "NOT_FOUND"),))


def label_of(name: str, definition: EventDefinition | None) -> str:
    return definition.label if definition is not None else PAGE_VIEW_LABEL
