"""Event definitions as stored JSON documents, and back."""

from __future__ import annotations

import json
from typing import Any

from collector.model import EventDefinition, MatchingRule
from collector.properties import Option, PropertyDef


def definition_to_doc(d: EventDefinition) -> str:
    doc: dict[str, Any] = {
        "label": d.label, "description": d.description, "primaryObject": d.primary_object,
        "trackingType": d.tracking_type, "includeDefaultProperties": d.include_default_properties,
        "createdAt": d.created_at, "updatedAt": d.updated_at, "archivedAt": d.archived_at,
        "tracking": d.tracking,
        "matchingRule": ([d.matching_rule.target_object_property, d.matching_rule.event_property]
                         if d.matching_rule else None),
        "properties": [
            {"name": p.name, "label": p.label, "type": p.type, "description": p.description,
             "options": [[o.label, o.value, o.display_order, o.description, o.hidden]
                         for o in p.options]}
            for p in d.custom_properties
        ],
    }
    return json.dumps(doc, separators=(",", ":"))


def definition_from_doc(portal_id: int, def_id: int, name: str, archived: bool,
                        body: str, version: int = 0) -> EventDefinition:
    doc = json.loads(body)
    rule = doc["matchingRule"]
    return EventDefinition(
        portal_id=portal_id, id=def_id, name=name, label=doc["label"],
        description=doc["description"], primary_object=doc["primaryObject"],
        tracking_type=doc["trackingType"],
        custom_properties=tuple(
            PropertyDef(p["name"], p["label"], p["type"], p["description"],
                        tuple(Option(*o) for o in p["options"]))
            for p in doc["properties"]
        ),
        include_default_properties=doc["includeDefaultProperties"],
        matching_rule=MatchingRule(rule[0], rule[1]) if rule else None,
        created_at=doc["createdAt"], updated_at=doc["updatedAt"], archived=archived,
        archived_at=doc["archivedAt"], tracking=doc["tracking"], version=version,
    )
