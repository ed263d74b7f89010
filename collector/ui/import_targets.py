"""What a spreadsheet column can be mapped to, grouped for the mapping screen's selects."""

from __future__ import annotations

from dataclasses import dataclass

from collector.model import EventDefinition

CONTACT_PROPERTIES = (("firstname", "First name"), ("lastname", "Last name"),
                      ("lifecyclestage", "Lifecycle stage"), ("phone", "Phone"),
                      ("company", "Company"), ("jobtitle", "Job title"), ("city", "City"),
                      ("country", "Country"))


@dataclass(frozen=True, slots=True)
class TargetGroup:
    label: str
    options: tuple[tuple[str, str], ...]  # (target, text)


def target_groups(definition: EventDefinition) -> list[TargetGroup]:
    custom = tuple((f"event.{p.name}", f"{p.label} ({p.name})")
                   for p in definition.custom_properties)
    standard = tuple((f"event.{p.name}", f"{p.label} ({p.name})")
                     for p in definition.all_properties if p.standard)
    return [
        TargetGroup("Import", (("ignore", "Do not import"), ("email", "Email (identifies the contact)"),
                               ("occurred_at", "Occurred at (date of the event)"),
                               ("uuid", "Completion id (uuid)"))),
        TargetGroup("Contact property", tuple((f"contact.{n}", t) for n, t in CONTACT_PROPERTIES)),
        TargetGroup(f"Event property of {definition.label}", custom),
        TargetGroup("Standard event property", standard),
    ]
