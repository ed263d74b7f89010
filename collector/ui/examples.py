"""Ready-to-run examples of sending one event's completion over the HTTP API (curl, Python),
with the event's internal names and placeholder values of the right type."""

from __future__ import annotations

import json
from typing import Any

from collector.model import EventDefinition
from snippets.render import example_value


def send_body(definition: EventDefinition) -> dict[str, Any]:
    body: dict[str, Any] = {"eventName": definition.fully_qualified_name}
    if definition.primary_object == "CONTACT":
        body["email"] = "visitor@example.com"
    else:
        body["objectId"] = "12345"
    body["properties"] = {p.name: example_value(p) for p in definition.custom_properties}
    return body


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def curl_example(base_url: str, definition: EventDefinition) -> str:
    payload = json.dumps(send_body(definition), indent=2, ensure_ascii=False)
    return (f"curl -X POST {base_url}/events/v3/send \\\n"
            "  -H \"Authorization: Bearer $FOOTFALL_TOKEN\" \\\n"
            "  -H \"Content-Type: application/json\" \\\n"
            f"  -d {_shell_quote(payload)}")


def python_example(base_url: str, definition: EventDefinition) -> str:
    literal = send_body(definition)
    return ("import os\n\nimport httpx\n\n"
            f"response = httpx.post(\n    {base_url + '/events/v3/send'!r},\n"
            "    headers={\"Authorization\": f\"Bearer {os.environ['FOOTFALL_TOKEN']}\"},\n"
            f"    json={_python_literal(literal, 4)},\n)\n"
            "response.raise_for_status()  # 204: stored\n")


def _python_literal(value: Any, indent: int) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        pad = " " * (indent + 4)
        items = ",\n".join(f"{pad}{k!r}: {_python_literal(v, indent + 4)}" for k, v in value.items())
        return "{\n" + items + ",\n" + " " * indent + "}"
    return repr(value)
