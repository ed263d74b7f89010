"""Plain records passed between the API, the domain rules and the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from collector.properties import STANDARD_PROPERTIES, PropertyDef

OBJECT_TYPE_IDS = {"CONTACT": "0-1", "COMPANY": "0-2", "DEAL": "0-3", "TICKET": "0-5"}
_PLURALS = {"CONTACT": "CONTACTS", "COMPANY": "COMPANIES", "DEAL": "DEALS", "TICKET": "TICKETS"}


PAGE_VIEW = "e_visited_page"  # HubSpot's name for the built-in page-view event
BUILT_IN_EVENTS = frozenset({PAGE_VIEW})  # internal names no custom event may take
TRACKING_TYPES = ("MANUAL", "CLICKED_ELEMENT", "VISITED_URL")
SOURCES = ("JS", "HTTP", "IMPORT")


def normalize_object_type(raw: str) -> str | None:
    """``contact``, ``contacts``, ``CONTACT`` and ``0-1`` all mean CONTACT."""
    text = raw.strip().upper()
    for name, type_id in OBJECT_TYPE_IDS.items():
        if text in (name, _PLURALS[name], type_id):
            return name
    return None


@dataclass(frozen=True, slots=True)
class MatchingRule:
    """Resolve the object of a completion by matching an event property to an object property."""

    target_object_property: str
    event_property: str

    def to_json(self) -> dict[str, object]:
        return {"primaryObjectRule": {"targetObjectPropertyName": self.target_object_property,
                                      "eventPropertyName": self.event_property}}


@dataclass(frozen=True, slots=True)
class EventDefinition:
    portal_id: int
    id: int
    name: str
    label: str
    description: str
    primary_object: str
    tracking_type: str
    custom_properties: tuple[PropertyDef, ...]
    include_default_properties: bool
    matching_rule: MatchingRule | None
    created_at: int
    updated_at: int
    archived: bool = False
    archived_at: int | None = None
    tracking: dict[str, Any] = field(default_factory=dict)
    version: int = 0  # the stored row's version when read (see storage.records.save_definition)
    # name -> property, standard ones included when they apply (derived; validation's hot path)
    _by_name: dict[str, PropertyDef] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        standard = STANDARD_PROPERTIES if self.include_default_properties else {}
        object.__setattr__(self, "_by_name", {**standard, **{p.name: p for p in self.custom_properties}})

    @property
    def fully_qualified_name(self) -> str:
        return f"pe{self.portal_id}_{self.name}"

    def property_named(self, name: str) -> PropertyDef | None:
        return self._by_name.get(name)

    @property
    def all_properties(self) -> tuple[PropertyDef, ...]:
        standard = tuple(STANDARD_PROPERTIES.values()) if self.include_default_properties else ()
        return self.custom_properties + standard


@dataclass(slots=True)
class NewCompletion:
    """A validated completion whose object is not resolved yet (the writer resolves it)."""

    id: str  # "" when sent without a uuid: the writer gives it a time-ordered one
    event_name: str
    object_type: str
    occurred_at: int
    received_at: int
    properties: dict[str, str]
    source: str
    where: str = ""
    object_id: int | None = None
    email: str | None = None
    utk: str | None = None
    # (object property, value, event property) for a customMatchingId rule
    match: tuple[str, str, str] | None = None
    adjustments: list[dict[str, object]] | None = None
    # A JS hit from another page of the same site: its hs_touchpoint_source (DIRECT_TRAFFIC
    # as sent) becomes the visit's, found by the writer (``collector.storage.sessions``).
    visit_source: bool = False


@dataclass(frozen=True, slots=True)
class StoredCompletion:
    seq: int
    id: str
    portal_id: int
    event_name: str
    object_type: str
    object_id: int
    occurred_at: int
    received_at: int
    source: str
    properties: dict[str, str]
    adjustments: list[dict[str, object]] | None


@dataclass(frozen=True, slots=True)
class CompletionQuery:
    """Filters of a completions read. ``object_properties`` all hold (AND); ``properties``
    pairs of one name are alternatives (OR), of different names all hold; ``completion_ids``
    are alternatives; ``after`` is an (occurredAt, seq) position in the chosen order."""

    limit: int = 100
    descending: bool = True
    event_name: str | None = None
    object_type: str | None = None
    object_id: int | None = None
    object_properties: tuple[tuple[str, str], ...] = ()
    properties: tuple[tuple[str, str], ...] = ()
    occurred_after: int | None = None
    occurred_before: int | None = None
    completion_ids: tuple[str, ...] = ()
    after: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class CrmObject:
    portal_id: int
    object_type: str
    id: int
    properties: dict[str, str]
    created_at: int
    updated_at: int


@dataclass(frozen=True, slots=True)
class FailedHit:
    """A JS hit that could not become a completion (unknown or archived event, …)."""

    id: str
    event_name: str
    reason: str
    received_at: int
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PortalInfo:
    id: int
    name: str
    created_at: int


TOKEN_ID_LENGTH = 16  # hex characters of the token's SHA-256 hash that name it


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A portal access token as owners see it: never the token, only a hash-derived id."""

    id: str
    name: str
    created_at: int
    revoked_at: int | None
