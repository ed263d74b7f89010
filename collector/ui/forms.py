"""Reading submitted forms and turning validation errors into per-field messages.

Pages validate by calling the same domain functions as the JSON API; those raise
``ValidationFailed`` with ``FieldError.where`` paths (``label``, ``options[2].value``).
``field_errors`` maps them onto the form's field names with the field's label in the
message, so the form re-renders with the message next to the field it names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.datastructures import FormData, UploadFile

from collector.errors import FieldError

FieldErrors = dict[str, str]


def text(form: FormData, key: str, default: str = "") -> str:
    """A text field's value; files, missing fields and oversized junk read as ``default``."""
    value = form.get(key, default)
    return value if isinstance(value, str) else default


def texts(form: FormData, key: str) -> list[str]:
    """Every value of a repeated field (``option_label`` rows, …), in order."""
    return [v if isinstance(v, str) else "" for v in form.getlist(key)]


def upload(form: FormData, key: str) -> UploadFile | None:
    value = form.get(key)
    return value if isinstance(value, UploadFile) and value.filename else None


def field_errors(errors: tuple[FieldError, ...] | list[FieldError], labels: Mapping[str, str],
                 to_field: Callable[[str], str] | None = None) -> FieldErrors:
    """``{form field: "<Label> <message>"}`` for domain FieldErrors (first error per field).

    ``to_field`` maps an error path to the form's field name (default: the path itself);
    paths without a label keep their path as the label so nothing is silently dropped.
    """
    found: FieldErrors = {}
    for error in errors:
        name = to_field(error.where) if to_field else error.where
        if name in found:
            continue
        label = labels.get(name, error.where or "Form")
        found[name] = f"{label}: {error.message}"
    return found
