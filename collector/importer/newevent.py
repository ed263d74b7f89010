"""Create the import's event from the file itself: one property per data column.

Seed 000 lets an owner import a spreadsheet into a new event. The columns that feed the
contact (email, names, lifecycle stage, …), the occurred-at time and the uuid keep their
proposed targets; every other column becomes a custom property of the new event, named as
the JS path cleans names (``Order Total`` → ``order_total``), labelled with its header, and
typed from the first rows: ``bool`` when every sampled value is true/false, ``number`` when
every one is numeric, ``datetime`` when every one is a spreadsheet date or a timestamp the
property type itself accepts (ISO 8601 or epoch milliseconds: the occurred-at column's date
format does not apply to properties), ``string`` otherwise (never an enumeration: a value the sample missed
would then reject its row). The result is a definition body for ``parse_new_definition``,
so every naming and limit rule of the definitions API applies to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from itertools import islice
from typing import Any

from collector.importer.mapping import (
    NEW_PROPERTY,
    BadMapping,
    apply_overrides,
    is_new_property,
    override_column,
    propose,
    split_override,
)
from collector.importer.table import CellError, Table
from collector.limits import Limits, clean_property_name, name_from_label, property_name_problem
from collector.timeparse import parse_timestamp_ms

SAMPLE_ROWS = 1000
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")


def propose_definition(table: Table, label: str, overrides: Sequence[str], limits: Limits,
                       sample_rows: int = SAMPLE_ROWS) -> dict[str, Any]:
    """The body of a new contact event with a property for each column left for the event."""
    label = label.strip()
    if not label:
        raise BadMapping("Give the new event a label, e.g. 'Webinar attended'")
    columns = _event_columns(table.headers, overrides, limits)
    if len(columns) > limits.properties_per_completion:
        raise BadMapping(f"The file has {len(columns)} columns for event properties; at most"
                         f" {limits.properties_per_completion} (map some to ignore)")
    samples = sample_columns(table, [index for index, _, _ in columns], sample_rows)
    properties = [{"name": name, "label": property_label(header, name, limits),
                   "type": infer_type(values)}
                  for (_, header, name), values in zip(columns, samples, strict=True)]
    return {"label": label[:limits.event_label_length], "name": name_from_label(label, limits),
            "primaryObject": "CONTACT", "propertyDefinitions": properties}


def _event_columns(headers: Sequence[str], overrides: Sequence[str],
                   limits: Limits) -> list[tuple[int, str, str]]:
    """(column index, header, property name) of every column that feeds the new event."""
    proposal = apply_overrides(propose(headers, None, limits), overrides)
    explicit = {override_column(headers, split_override(item)[0]) for item in overrides}
    columns: list[tuple[int, str, str]] = []
    taken: dict[str, str] = {}
    for index, header in enumerate(headers):
        target = proposal[header]
        if is_new_property(target):
            raise BadMapping(f"Column {header!r}: {NEW_PROPERTY} is for importing into an"
                             " existing event; a new event gets a property for every column"
                             f" anyway (rename it with --map '{header}=event.<name>')", header)
        if target.startswith("event."):
            name = target.removeprefix("event.")
        elif target == "ignore" and header not in explicit:
            name = clean_property_name(header, limits)
        else:
            continue
        if not name or name.startswith("hs_") or property_name_problem(name, limits):
            raise BadMapping(f"Column {header!r} gives no usable property name ({name!r});"
                             f" map it with --map '{header}=event.<name>' or to ignore")
        if name in taken:
            raise BadMapping(f"Columns {taken[name]!r} and {header!r} both become property"
                             f" {name!r}; map one of them to another name or to ignore")
        taken[name] = header
        columns.append((index, header, name))
    return columns


def sample_columns(table: Table, indexes: Sequence[int],
                   sample_rows: int = SAMPLE_ROWS) -> list[list[object]]:
    """The non-empty values of each column in ``indexes`` among the first rows (error cells
    left out), the sample ``infer_type`` reads."""
    samples: list[list[object]] = [[] for _ in indexes]
    for _, cells in islice(table.open_rows(), sample_rows):
        for slot, index in enumerate(indexes):
            value = cells[index] if index < len(cells) else None
            if value is not None and not isinstance(value, CellError) and str(value).strip():
                samples[slot].append(value)
    return samples


def property_label(header: str, name: str, limits: Limits) -> str:
    """A property made from a column is labelled with its header (cut to the limit)."""
    return header.strip()[:limits.property_label_length] or name


def infer_type(values: Sequence[object]) -> str:
    """The narrowest property type every sampled value fits (``string`` when none is known)."""
    if not values:
        return "string"
    if all(isinstance(v, bool) or str(v).strip().lower() in ("true", "false") for v in values):
        return "bool"
    if all(_is_number(v) for v in values):
        return "number"
    if all(isinstance(v, datetime | date) or (isinstance(v, str) and _is_timestamp(v))
           for v in values):
        return "datetime"
    return "string"


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and _NUMBER.match(value.strip()) is not None


def _is_timestamp(value: str) -> bool:
    try:
        parse_timestamp_ms(value)
    except ValueError:
        return False
    return True
