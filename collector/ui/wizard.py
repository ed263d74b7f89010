"""The create-event wizard's ways (seed 000): send via API, JavaScript code, import a
spreadsheet, event visualizer; and where each way goes after the properties step."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Way:
    key: str
    title: str
    text: str
    steps: tuple[str, ...]


WAYS = {way.key: way for way in (
    Way("javascript", "JavaScript code",
        "Track the event from your pages with a snippet that becomes part of your tracking code.",
        ("Way", "Details", "Properties", "Code")),
    Way("api", "Send via API",
        "Your server sends completions to the HTTP API (HubSpot-compatible), with a token.",
        ("Way", "Details", "Properties", "Send")),
    Way("import", "Import a spreadsheet",
        "Upload a .csv, .xlsx or .xls file of offline activity: attendance, purchases, calls.",
        ("Way", "Details", "Properties", "Import")),
    Way("visualizer", "Event visualizer",
        "Open your site, click an element or choose a page: no code to write.",
        ("Way", "Open your site")),
)}


def way_of(raw: str | None) -> str:
    """The wizard way named by a query value, or "" when it names none."""
    return raw if raw in WAYS else ""
