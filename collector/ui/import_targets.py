"""What a spreadsheet column can be mapped to, grouped for the mapping screen's selects, and
each column's row on that screen (its target, and the new property's name and type)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from collector.importer.mapping import NEW_PROPERTY, is_new_property
from collector.importer.newprops import split_target
from collector.model import EventDefinition

CONTACT_PROPERTIES = (("firstname", "First name"), ("lastname", "Last name"),
                      ("lifecyclestage", "Lifecycle stage"), ("phone", "Phone"),
                      ("company", "Company"), ("jobtitle", "Job title"), ("city", "City"),
                      ("country", "Country"))


@dataclass(frozen=True, slots=True)
class TargetGroup:
    label: str
    options: tuple[tuple[str, str], ...]  # (target, text)


@dataclass(frozen=True, slots=True)
class Column:
    index: int
    header: str
    target: str  # the select's value: every new-property target selects NEW_PROPERTY
    samples: list[str]
    new_name: str  # the new property's name and type fields
    new_type: str


def target_groups(definition: EventDefinition, creating: bool = False) -> list[TargetGroup]:
    custom = tuple((f"event.{p.name}", f"{p.label} ({p.name})")
                   for p in definition.custom_properties)
    standard = tuple((f"event.{p.name}", f"{p.label} ({p.name})")
                     for p in definition.all_properties if p.standard)
    # A new event gets a property for every column anyway: nothing to create one with.
    new = () if creating else ((NEW_PROPERTY, "Create event property"),)
    return [
        TargetGroup("Import", (("ignore", "Do not import"), ("email", "Email (identifies the contact)"),
                               ("occurred_at", "Occurred at (date of the event)"),
                               ("uuid", "Completion id (uuid)"))),
        TargetGroup("Contact property", tuple((f"contact.{n}", t) for n, t in CONTACT_PROPERTIES)),
        TargetGroup(f"Event property of {definition.label}", custom),
        TargetGroup("Standard event property", standard),
        TargetGroup("New event property", new),
    ]


def columns(headers: Sequence[str], mapping: dict[str, str], samples: Sequence[list[str]],
            suggested: Sequence[tuple[str, str]]) -> list[Column]:
    """Each column's row: a new-property target fills the name and type fields with what
    it gives, the rest with what ``new-event-property`` would make of the column."""
    rows = []
    for index, header in enumerate(headers):
        target = mapping.get(header, "ignore")
        name, kind = suggested[index] if suggested else ("", "string")
        if is_new_property(target):
            given_name, given_kind = split_target(target)
            target, name, kind = NEW_PROPERTY, given_name or name, given_kind or kind
        rows.append(Column(index, header, target, samples[index], name, kind))
    return rows


def posted_target(selected: str, name: str, kind: str) -> str:
    """A column's target as the form posts it: "Create event property" takes the name and
    type fields (a full ``new-event-property:…`` target, as the job page posts, stays)."""
    if selected.strip() != NEW_PROPERTY:
        return selected
    return f"{NEW_PROPERTY}:{name.strip()}:{kind.strip()}"
