"""The property editor's form: fields ↔ the JSON body the definition rules validate.

Enumeration options are repeated ``option_label``/``option_value`` fields, in display order.
The form works without JavaScript: the buttons ``add_option``, ``remove:<i>``, ``up:<i>``
and ``down:<i>`` (``name="action"``) change the rows and re-render the form unsaved;
``save`` submits. ``ui.js`` does the same row changes in the page without a round trip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from collector.errors import ClientError, ValidationFailed
from collector.properties import PropertyDef
from collector.ui.forms import FieldErrors, text, texts

# Every type of collector.properties.PROPERTY_TYPES can be created (a test keeps them equal).
TYPE_CHOICES = (("string", "Text (string)"), ("number", "Number"), ("bool", "Yes/no (bool)"),
                ("date", "Date (day, no time)"), ("datetime", "Date and time (timestamp)"),
                ("enumeration", "Enumeration (options)"))
ALL_TYPE_LABELS = dict(TYPE_CHOICES)
_FIELDS = {"label": "prop_label", "name": "prop_name", "type": "prop_type",
           "description": "prop_description"}
_LABELS = {"prop_label": "Property label", "prop_name": "Internal name", "prop_type": "Type",
           "prop_description": "Description", "options": "Options"}
_OPTION_PATH = re.compile(r"options\[(\d+)\](?:\.(\w+))?")
_ACTION = re.compile(r"(remove|up|down):(\d{1,4})\Z")


@dataclass
class PropertyForm:
    """What the owner typed, to re-render after an option-row change or an error."""

    label: str = ""
    name: str = ""
    type: str = "string"
    description: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, prop: PropertyDef) -> PropertyForm:
        return cls(prop.label, prop.name, prop.type, prop.description,
                   [(o.label, o.value) for o in prop.options])

    @classmethod
    def read(cls, form: FormData) -> PropertyForm:
        labels, values = texts(form, "option_label"), texts(form, "option_value")
        rows = list(zip(labels, values, strict=False))
        return cls(text(form, "prop_label"), text(form, "prop_name").strip(),
                   text(form, "prop_type", "string"), text(form, "prop_description"), rows)

    def apply(self, action: str) -> bool:
        """Apply an option-row action; False when ``action`` is not one (i.e. save)."""
        if action == "add_option":
            self.options.append(("", ""))
            return True
        found = _ACTION.match(action)
        if not found:
            return False
        verb, index = found.group(1), int(found.group(2))
        if index >= len(self.options):
            return True
        if verb == "remove":
            del self.options[index]
        else:
            other = index - 1 if verb == "up" else index + 1
            if 0 <= other < len(self.options):
                self.options[index], self.options[other] = self.options[other], self.options[index]
        return True

    def rows(self) -> list[tuple[str, str]]:
        """The option rows to show: at least one (empty) row to type into."""
        return self.options or [("", "")]

    def filled_options(self) -> list[dict[str, str]]:
        return [{"label": label.strip(), "value": value.strip()}
                for label, value in self.options if label.strip() or value.strip()]

    def create_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"label": self.label, "type": self.type,
                                "description": self.description}
        if self.name:
            body["name"] = self.name
        if self.type == "enumeration":
            body["options"] = self.filled_options()
        return body

    def patch_body(self, prop: PropertyDef) -> dict[str, Any]:
        body: dict[str, Any] = {"label": self.label, "description": self.description}
        if prop.type == "enumeration":
            # The editor shows no option description or hidden flag (set through the API):
            # an option kept by its value keeps them, as a PATCH replaces the whole list.
            kept = {o.value: o for o in prop.options}
            body["options"] = [
                {**row, "description": kept[row["value"]].description,
                 "hidden": kept[row["value"]].hidden} if row["value"] in kept else row
                for row in self.filled_options()]
        return body


def _where(path: str) -> tuple[str, str]:
    """A FieldError path → (form field, label naming it for the owner)."""
    found = _OPTION_PATH.match(path)
    if found:
        part = {"label": " label", "value": " value"}.get(found.group(2) or "", "")
        return "options", f"Option {int(found.group(1)) + 1}{part}"
    name = _FIELDS.get(path, "options" if path.startswith("options") else "prop_label")
    return name, _LABELS[name]


def property_errors(exc: ClientError) -> FieldErrors:
    """Messages per form field, each naming the field; option rows are named by number."""
    found: FieldErrors = {}
    for error in exc.errors or ():
        name, label = _where(error.where)
        message = f"{label}: {error.message}"
        found[name] = f"{found[name]}; {message}" if name in found else message
    if not found:
        found["prop_label"] = exc.message
    elif not isinstance(exc, ValidationFailed) and "prop_name" in found:
        found["prop_name"] = f"Internal name: {exc.message}"
    return found
