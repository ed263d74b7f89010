"""New properties of an existing event, created while mapping an import (seed 000: a column
is mapped "to an existing property or to a new property").

Explicit only: a column becomes a new property when its target says so, never because
``event.<name>`` names a property the event lacks (a typo stays an error)::

    new-event-property                   named from the header as a label is
                                         (``Order Total`` → ``order_total``)
    new-event-property:<name>            named so (the definitions API's name rules)
    new-event-property:<name>:<type>     typed so: string, number, bool, datetime or date
    new-event-property::<type>           named from the header, typed so

Without a type, the property is typed from the first rows as ``newevent`` types a new
event's columns; an enumeration needs options, so it is defined first, then mapped. Every
property is labelled with its header and built by the definitions API's ``parse_property``.
A name the event already has (standard ones included) is refused with ``event.<name>`` as
the way to map to it. The properties join the definition in the import's own commit
(``Store.commit_import``): a dry run, a failed or a cancelled import leaves the event as it
was.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from collector.definitions import parse_property
from collector.errors import ValidationFailed
from collector.importer.mapping import NEW_PROPERTY, BadMapping, Plan, build_plan, is_new_property
from collector.importer.newevent import SAMPLE_ROWS, infer_type, property_label, sample_columns
from collector.importer.table import Table
from collector.limits import Limits, clean_property_name
from collector.model import EventDefinition
from collector.properties import PROPERTY_TYPES, PropertyDef

TYPES = tuple(t for t in PROPERTY_TYPES if t != "enumeration")  # no options to give here
SYNTAX = f"{NEW_PROPERTY}[:<name>[:<type>]]"


@dataclass(frozen=True, slots=True)
class Resolved:
    """The mapping with its new properties made: what to plan with and what to report."""

    definition: EventDefinition  # the event with the new properties added
    created: tuple[PropertyDef, ...]  # in column order
    mapping: dict[str, str]  # a new property's column → ``event.<name>``
    shown: dict[str, str]  # a new property's column → ``new-event-property:<name>:<type>``

    def created_json(self) -> list[dict[str, str]]:
        return [{"name": p.name, "label": p.label, "type": p.type} for p in self.created]


def split_target(target: str) -> tuple[str, str]:
    """``(name, type)`` as a new-property target writes them (``""`` where it does not)."""
    rest = target.strip()[len(NEW_PROPERTY):].removeprefix(":")
    name, _, kind = rest.partition(":")
    return name.strip(), kind.strip().lower()


def plan_mapping(table: Table, mapping: dict[str, str], definition: EventDefinition,
                 limits: Limits, sample_rows: int = SAMPLE_ROWS) -> tuple[Resolved, Plan]:
    """The new properties the mapping asks for, and the checked plan that feeds them."""
    resolved = add_properties(table, mapping, definition, limits, sample_rows)
    return resolved, build_plan(table.headers, resolved.mapping, resolved.definition, limits)


def add_properties(table: Table, mapping: dict[str, str], definition: EventDefinition,
                   limits: Limits, sample_rows: int = SAMPLE_ROWS) -> Resolved:
    wanted = [(index, header, *_parse(header, mapping[header]))
              for index, header in enumerate(table.headers)
              if is_new_property(mapping.get(header, "ignore"))]
    if not wanted:
        return Resolved(definition, (), mapping, mapping)
    untyped = [index for index, _, _, kind in wanted if not kind]
    samples = dict(zip(untyped, sample_columns(table, untyped, sample_rows), strict=True))
    created: list[PropertyDef] = []
    planned, shown = dict(mapping), dict(mapping)
    by_name: dict[str, str] = {}
    for index, header, name, kind in wanted:
        prop = _new_property(header, name, kind or infer_type(samples[index]), definition,
                             limits)
        if prop.name in by_name:
            raise BadMapping(f"Columns {by_name[prop.name]!r} and {header!r} would both create"
                             f" property {prop.name!r}: name one of them otherwise"
                             f" ({NEW_PROPERTY}:<name>) or map it to ignore", header)
        by_name[prop.name] = header
        created.append(prop)
        planned[header] = f"event.{prop.name}"
        shown[header] = f"{NEW_PROPERTY}:{prop.name}:{prop.type}"
    total = len(definition.custom_properties) + len(created)
    if total > limits.properties_per_definition:
        raise BadMapping(f"{definition.name} has {len(definition.custom_properties)} properties;"
                         f" {len(created)} new ones would pass the limit of"
                         f" {limits.properties_per_definition} per event", wanted[-1][1])
    extended = replace(definition, custom_properties=(*definition.custom_properties, *created))
    return Resolved(extended, tuple(created), planned, shown)


def _parse(header: str, target: str) -> tuple[str, str]:
    if target.strip().count(":") > 2:
        raise BadMapping(f"Column {header!r}: write a new property as {SYNTAX}, e.g."
                         f" '{NEW_PROPERTY}:order_total:number' (got {target!r})", header)
    name, kind = split_target(target)
    if kind == "enumeration":
        raise BadMapping(f"Column {header!r}: an enumeration needs its options: add the"
                         " property to the event's definition first, then map the column to"
                         " event.<name>", header)
    if kind and kind not in TYPES:
        raise BadMapping(f"Column {header!r}: unknown property type {kind!r} (use"
                         f" {', '.join(TYPES)}, or leave it out to type it from the rows)",
                         header)
    return name, kind


def _new_property(header: str, name: str, kind: str, definition: EventDefinition,
                  limits: Limits) -> PropertyDef:
    name = name or clean_property_name(header, limits)
    if not name:
        raise BadMapping(f"Column {header!r} gives no usable property name: map it to"
                         f" {NEW_PROPERTY}:<name>", header)
    taken = next((p for p in definition.all_properties if p.name.lower() == name.lower()), None)
    if taken is not None:
        raise BadMapping(f"Column {header!r}: {definition.name} already has a property"
                         f" {taken.name!r}; map the column to event.{taken.name} instead",
                         header)
    try:
        prop = parse_property({"name": name, "label": property_label(header, name, limits),
                               "type": kind}, limits)
    except ValidationFailed as exc:
        problems = "; ".join(f"{e.where}: {e.message}" for e in exc.errors)
        raise BadMapping(f"Column {header!r}: cannot create property {name!r} ({problems})",
                         header) from None
    assert prop is not None  # parse_property raises when it cannot build one
    return prop


def suggestions(table: Table, limits: Limits,
                sample_rows: int = SAMPLE_ROWS) -> list[tuple[str, str]]:
    """``(name, type)`` that ``new-event-property`` would give each column (UI defaults)."""
    indexes = list(range(len(table.headers)))
    samples = sample_columns(table, indexes, sample_rows)
    return [(clean_property_name(header, limits), infer_type(values))
            for header, values in zip(table.headers, samples, strict=True)]

