"""How the UI names an event's tracking type and what an autotracked event matches, in the
words of the visualizer's forms: one place for the events list and the event pages."""

from __future__ import annotations

from typing import Any

TRACKING_TYPES = {"MANUAL": "Code or API", "CLICKED_ELEMENT": "Clicked element",
                  "VISITED_URL": "Visited URL", "PAGE_VIEW": "Page view (built in)"}
_OPERATORS = {"EQ": "is", "CONTAINS": "contains", "STARTS_WITH": "starts with",
              "REGEX": "matches regex"}
_PARTS = {"PATH": "path", "URL": "full URL", "BASE_URL": "base URL", "DOMAIN": "domain"}


def rule_words(rule: dict[str, Any]) -> str:
    """A URL rule as the visualizer's visit form writes it: ``path contains /shop``."""
    part, operator = str(rule.get("on", "URL")), str(rule.get("operator", ""))
    return f"{_PARTS.get(part, part)} {_OPERATORS.get(operator, operator)} {rule.get('value', '')}"
