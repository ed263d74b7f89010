"""Which column feeds what: proposals from the headers, owner overrides, and the checked plan.

A target is written as ``email``, ``occurred_at``, ``uuid``, ``ignore``,
``contact.<property>`` (``firstname``, ``lastname`` and ``lifecyclestage`` may be written
bare), ``event.<property>`` (a property of the chosen event may be written bare) or
``new-event-property[:<name>[:<type>]]`` (a property the import adds to the event: see
``newprops``; never proposed, so a typo in ``event.<name>`` stays an error).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from collector.errors import ClientError
from collector.limits import Limits, clean_property_name, property_name_problem
from collector.model import EventDefinition
from collector.properties import PropertyDef

# Headers as HubSpot's import reads them in English, Norwegian and German (HubSpot asks for
# the headers' language; these cover the three at once), compared by ``header_key``.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": ("email", "emailaddress", "mail", "e_mail", "contactemail", "epost", "epostadresse",
              "emailadresse", "mailadresse"),
    "contact.firstname": ("firstname", "first", "givenname", "forename", "fornavn", "vorname"),
    "contact.lastname": ("lastname", "last", "surname", "familyname", "etternavn", "nachname"),
    "contact.lifecyclestage": ("lifecyclestage", "lifecycle", "stage", "livssyklusfase",
                               "lebenszyklusphase"),
    "occurred_at": ("occurredat", "occurred", "timestamp", "date", "datetime", "time", "when",
                    "eventdate", "eventtime", "dato", "datum", "tidspunkt", "tidsstempel",
                    "zeitstempel", "zeitpunkt"),
    "uuid": ("uuid", "eventid", "completionid", "eventuuid", "hendelsesid", "ereignisid"),
    "contact.phone": ("phone", "phonenumber", "telephone", "mobile", "telefon", "telefonnummer",
                      "mobil"),
    "contact.company": ("company", "companyname", "organisation", "organization", "firma",
                        "selskap", "bedrift", "unternehmen"),
    "contact.jobtitle": ("jobtitle", "title", "position", "stillingstittel", "berufsbezeichnung"),
    "contact.city": ("city", "town", "by", "stadt", "ort"),
    "contact.country": ("country", "land"),
}
_BY_KEY = {key: target for target, keys in _SYNONYMS.items() for key in keys}
# Headers that name a target only when no other column does: a "Day" column often holds the
# weekday or the day of the month beside the date itself.
_FALLBACKS = {"day": "occurred_at", "dag": "occurred_at"}
_CONTACT_SHORTHAND = ("firstname", "lastname", "lifecyclestage")
_SINGLE = ("email", "occurred_at", "uuid")
_OWN_NAMES = frozenset({"email", "occurredat", "uuid"})  # header_key of each _SINGLE target
NEW_PROPERTY = "new-event-property"
# The targets as the CLI's --map help and the OpenAPI document describe them.
TARGETS_HELP = ("email, occurred_at, uuid, ignore, contact.<prop>, event.<prop> (a property"
                f" the event has) or {NEW_PROPERTY}[:<name>[:<type>]] (an existing event only:"
                " the import's commit adds the property to the event; named from the header"
                " and labelled with it, typed from the first rows as string, number, bool or"
                " datetime, unless a name and type (date too) are given)")
LIFECYCLE_STAGES = frozenset({"subscriber", "lead", "marketingqualifiedlead",
                              "salesqualifiedlead", "opportunity", "customer", "evangelist",
                              "other"})


class BadMapping(ClientError):
    """The column mapping cannot be used; the message says which column and why, and
    ``column`` is that column's header when the problem is one column's (the UI shows the
    message beside it)."""

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.column = column


def is_new_property(target: str) -> bool:
    """Whether ``target`` asks for a new event property (``new-event-property[:…]``)."""
    head = target.strip().lower()
    return head == NEW_PROPERTY or head.startswith(NEW_PROPERTY + ":")


def header_key(header: str) -> str:
    """Case, spaces, hyphens and underscores do not matter when matching headers."""
    return re.sub(r"[\s_\-.]+", "", header.strip().lower())


def propose(headers: Sequence[str], definition: EventDefinition | None,
            limits: Limits) -> dict[str, str]:
    """A target for every header, from the event's properties and common synonyms."""
    event_props = {header_key(p.name): p.name for p in (definition.all_properties
                                                       if definition else ())}
    proposal: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        key = header_key(header)
        target = _BY_KEY.get(key)
        # A header naming one of the event's properties maps to it, even when it is also a
        # synonym (a "Zeitpunkt" property of the event); only email, occurred_at and uuid
        # written out stay what they say.
        if key in event_props and key not in _OWN_NAMES:
            target = f"event.{event_props[key]}"
        if target is None or target in taken:
            cleaned = clean_property_name(header, limits)
            target = f"event.{cleaned}" if cleaned and cleaned in event_props.values() else "ignore"
        taken.add(target)
        proposal[header] = target
    for header in headers:
        fallback = _FALLBACKS.get(header_key(header))
        if proposal[header] == "ignore" and fallback is not None and fallback not in taken:
            taken.add(fallback)
            proposal[header] = fallback
    return proposal


def apply_overrides(proposal: dict[str, str], overrides: Sequence[str]) -> dict[str, str]:
    """Apply ``column=target`` overrides: the column is the header itself when one is equal
    (so ``E-mail`` and ``email`` stay two columns, and a header may hold ``=``: targets never
    do, so the item splits at its last ``=``), else the one equal ignoring case and spaces."""
    mapping = dict(proposal)
    for item in overrides:
        column, target = split_override(item)
        header = override_column(proposal, column)
        if "=" not in item or not target.strip():
            raise BadMapping(f"--map {item!r}: write it as column=target, e.g. 'E-mail=email'")
        if header is None:
            raise BadMapping(f"--map {item!r}: there is no column {column!r} (columns: "
                             f"{', '.join(proposal)})")
        mapping[header] = target.strip()
    return mapping


def split_override(item: str) -> tuple[str, str]:
    """``(column, target)`` of a ``column=target`` override: split at its last ``=`` (a
    header may hold one, a target never does)."""
    column, _, target = item.rpartition("=")
    return column, target


def override_column(headers: Sequence[str] | dict[str, str], column: str) -> str | None:
    """The header an override's ``column`` names (see ``apply_overrides``), or None."""
    if column in headers:
        return column
    return next((h for h in headers if header_key(h) == header_key(column)), None)


@dataclass(slots=True)
class Plan:
    """The checked mapping as column indexes."""

    email: int
    occurred_at: int | None = None
    uuid: int | None = None
    contact: list[tuple[int, str]] = field(default_factory=list)
    event: list[tuple[int, PropertyDef]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def build_plan(headers: Sequence[str], mapping: dict[str, str], definition: EventDefinition,
               limits: Limits) -> Plan:
    found: dict[str, int] = {}
    plan = Plan(email=-1)
    for index, header in enumerate(headers):
        target = _normalize(mapping.get(header, "ignore"), definition)
        if target == "ignore":
            plan.ignored.append(header)
            continue
        if target in found:
            raise BadMapping(f"Columns {headers[found[target]]!r} and {header!r} are both mapped"
                             f" to {target}: map one of them to ignore", header)
        found[target] = index
        _place(plan, index, header, target, definition, limits)
    if plan.email < 0:
        raise BadMapping("No column is mapped to email: events import for contacts only,"
                         " identified by email (e.g. --map 'E-mail=email')")
    if len(plan.event) > limits.properties_per_completion:
        raise BadMapping(f"{len(plan.event)} columns are mapped to event properties; at most"
                         f" {limits.properties_per_completion} per completion")
    return plan


def _normalize(target: str, definition: EventDefinition) -> str:
    text = target.strip()
    lowered = text.lower()
    if lowered in ("occurredat", "occurred_at", "occurred-at"):
        return "occurred_at"
    if lowered in ("email", "uuid", "ignore"):
        return lowered
    if lowered in _CONTACT_SHORTHAND:
        return f"contact.{lowered}"
    if "." not in text and definition.property_named(text) is not None:
        return f"event.{text}"
    return text


def _place(plan: Plan, index: int, header: str, target: str, definition: EventDefinition,
           limits: Limits) -> None:
    kind, _, name = target.partition(".")
    if target == "email":
        plan.email = index
    elif target == "occurred_at":
        plan.occurred_at = index
    elif target == "uuid":
        plan.uuid = index
    elif kind == "contact" and name.startswith("hs_"):
        raise BadMapping(f"Column {header!r}: contact properties starting with hs_ are kept by"
                         f" Footfall itself ({target!r}); map the column to another name",
                         header)
    elif kind == "contact" and not property_name_problem(name, limits) and name != "email":
        plan.contact.append((index, name))
    elif kind == "event" and (prop := definition.property_named(name)) is not None:
        plan.event.append((index, prop))
    elif kind == "event":
        raise BadMapping(f"Column {header!r}: {definition.name} has no property {name!r};"
                         f" map it with {NEW_PROPERTY}:{name} to create it with the import,"
                         " or map the column to a contact property", header)
    else:
        raise BadMapping(f"Column {header!r}: unknown target {target!r} (use email, occurred_at,"
                         " uuid, ignore, contact.<property>, event.<property> or"
                         f" {NEW_PROPERTY}[:<name>[:<type>]])", header)
