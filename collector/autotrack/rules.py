"""Clicked-element and visited-URL rules: validation, and the ``tracking`` document they are
stored as on an ``EventDefinition``.

A URL rule is ``{"operator": EQ|CONTAINS|STARTS_WITH|REGEX, "on": URL|BASE_URL|DOMAIN|PATH,
"value": text}`` (the seeds' workflow URL refinements). The browser applies it with
``visualizer/static/urlrule.js``; :func:`url_matches` is the same rule in Python.
A clicked-element definition stores ``{"selector", "capture": {"text", "href", "pageUrl"},
"scope": rule | None, "page": path it was made on}``; a visited-URL one ``{"rule",
"capture"}``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from collector.errors import FieldError, ValidationFailed
from collector.hostnames import ascii_host

OPERATORS = ("EQ", "CONTAINS", "STARTS_WITH", "REGEX")
TARGETS = ("URL", "BASE_URL", "DOMAIN", "PATH")
AUTO_TYPES = ("CLICKED_ELEMENT", "VISITED_URL")
CAPTURES = ("text", "href", "pageUrl")
MAX_SELECTOR = 1000
MAX_RULE_VALUE = 1000
RULE_FIELDS = {"operator", "on", "value"}
CREATE_FIELDS = {"label", "name", "description", "trackingType", "selector", "capture",
                 "scope", "page", "rule"}
PATCH_FIELDS = {"label", "description", "selector", "capture", "scope", "rule"}
ELEMENT_PROPERTY = {"name": "ff_element", "label": "Clicked element", "type": "string",
                    "description": "Compact description of the clicked element and its ancestors"}


def url_parts(url: str, on: str) -> tuple[str, ...]:
    """The texts a rule ``on`` this part of ``url`` is matched against: HubSpot's form of a
    base URL (no protocol or query: ``www.hubspot.com/search``) and of a domain (no
    ``www.``: ``hubspot.com``), and the full forms (``https://www.hubspot.com/search``,
    ``www.hubspot.com``), so rules written either way match."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if on == "DOMAIN":
        host = parts.hostname or ""
        return host.removeprefix("www."), host
    if on == "PATH":
        return (path,)
    if on == "BASE_URL":
        host = parts.netloc.rpartition("@")[2]
        return f"{host}{path}", f"{parts.scheme}://{host}{path}"
    return (url,)


def url_matches(rule: dict[str, str], url: str) -> bool:
    value, op = rule["value"], rule["operator"]
    for text in url_parts(url, rule["on"]):
        if op == "EQ":
            found = text == value
        elif op == "CONTAINS":
            found = value in text
        elif op == "STARTS_WITH":
            found = text.startswith(value)
        else:
            found = re.search(value, text) is not None
        if found:
            return True
    return False


def parse_rule(raw: Any, where: str, errors: list[FieldError]) -> dict[str, str] | None:
    if not isinstance(raw, dict):
        errors.append(FieldError(where, "must be {operator, on, value}", "WRONG_TYPE"))
        return None
    errors += [FieldError(f"{where}.{k}", "unknown field", "UNKNOWN_FIELD")
               for k in sorted(raw.keys() - RULE_FIELDS)]
    op, on, value = raw.get("operator"), raw.get("on", "URL"), raw.get("value")
    if op not in OPERATORS:
        errors.append(FieldError(f"{where}.operator", f"must be one of {', '.join(OPERATORS)}"))
    if on not in TARGETS:
        errors.append(FieldError(f"{where}.on", f"must be one of {', '.join(TARGETS)}"))
    if not isinstance(value, str) or not value or len(value) > MAX_RULE_VALUE:
        errors.append(FieldError(f"{where}.value",
                                 f"must be a string of 1 to {MAX_RULE_VALUE} characters"))
        return None
    if op == "REGEX" and (problem := _regex_problem(value)):
        errors.append(FieldError(f"{where}.value", problem, "INVALID_REGEX"))
    elif on in ("DOMAIN", "BASE_URL"):
        value = _as_browsers_write_hosts(value, on)
    return {"operator": str(op), "on": str(on), "value": value}


def _as_browsers_write_hosts(value: str, on: str) -> str:
    """A DOMAIN or BASE_URL rule value with its host written as browsers give it (lowercase,
    international names in punycode), so ``Shop.example`` and ``bücher.example`` can match;
    a path keeps its case. What is no host (a fragment a CONTAINS rule looks for, say) is
    left as it is."""
    scheme, sep, rest = value.partition("://")
    if not sep:
        scheme, rest = "", value
    host, slash, path = rest.partition("/")
    name, colon, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
    converted = ascii_host(name) if name else None
    if converted is None:
        return value
    return f"{scheme.lower()}{sep}{converted}{colon}{port}{slash}{path}"


# What Python's re accepts but a browser's RegExp (no flags) refuses or reads otherwise.
_PYTHON_ESCAPES = {"A": "\\A (use ^)", "Z": "\\Z (use $)", "z": "\\z (use $)", "a": "\\a",
                   "N": "\\N{…}", "U": "\\U"}
_GROUPS = {":", "=", "!"}  # (?: (?= (?! mean the same in both
_COUNTED = re.compile(r"\{\d+(,\d*)?\}\Z")  # a {n} or {n,m} quantifier, ending there


def _regex_problem(value: str) -> str | None:
    """Why a REGEX rule's value cannot be used, or None. Browsers apply it (``new
    RegExp(value)``), so it must compile, and mean the same, in both dialects."""
    if problem := _dialect_problem(value):
        return (f"{problem}: browsers (JavaScript) read it differently or not at all; use"
                " plain groups (?:…), lookahead, ^ and $ and explicit cases ([Tt]est)")
    try:
        re.compile(value)
    except (re.error, OverflowError, RecursionError) as exc:  # a{99999999999}, ((((…
        return f"not a valid regular expression: {exc}"
    return None


def _dialect_problem(value: str) -> str | None:
    """The first construct of ``value`` that JavaScript reads otherwise (or refuses):
    inline flags and other ``(?…)`` groups besides ``(?:``, ``(?=`` and ``(?!`` (named
    groups and lookbehind are spelled differently), Python-only escapes, possessive
    quantifiers, ``{,n}``, a class opening with ``]``. A scan that skips escaped
    characters and the insides of character classes."""
    in_class, i = False, 0
    while i < len(value):
        char = value[i]
        if char == "\\":
            escaped = value[i + 1:i + 2]
            if not in_class and escaped in _PYTHON_ESCAPES:
                return _PYTHON_ESCAPES[escaped]
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            if value[i + 1:i + 2] == "]" or value[i + 1:i + 3] == "^]":
                return f"{value[i:i + 3]!r} (a ] first in a class)"  # JS: an empty class
            in_class = True
        elif char == "{" and value[i + 1:i + 2] == ",":
            return "the quantifier '{,'"  # JS: the text {,
        elif char == "(" and value[i + 1:i + 2] == "?" and value[i + 2:i + 3] not in _GROUPS:
            return f"the group {value[i:i + 4]!r}"
        elif char in "*+?}" and value[i + 1:i + 2] == "+" and (
                char != "}" or _COUNTED.search(value, 0, i + 1)):  # x}+ is x, }, + in both
            return f"the possessive quantifier {value[i:i + 2]!r}"
        i += 1
    return None


def parse_capture(raw: Any, errors: list[FieldError]) -> dict[str, bool]:
    if raw is None:
        return {"text": True, "href": True, "pageUrl": True}
    if not isinstance(raw, dict) or not all(isinstance(v, bool) for v in raw.values()):
        errors.append(FieldError("capture", "must map text/href/pageUrl to true or false",
                                 "WRONG_TYPE"))
        return {}
    errors += [FieldError(f"capture.{k}", "unknown field", "UNKNOWN_FIELD")
               for k in sorted(raw.keys() - set(CAPTURES))]
    return {k: bool(raw.get(k, True)) for k in CAPTURES}


def parse_selector(raw: Any, errors: list[FieldError]) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_SELECTOR:
        errors.append(FieldError("selector", f"must be a CSS selector of 1 to {MAX_SELECTOR}"
                                 " characters", "INVALID"))
        return ""
    if "{" in raw or "}" in raw:  # a selector list, never a style block
        errors.append(FieldError("selector", "must not contain braces", "INVALID"))
    return raw.strip()


def parse_tracking(body: dict[str, Any], kind: str, current: dict[str, Any],
                   errors: list[FieldError]) -> dict[str, Any]:
    """The ``tracking`` document after applying ``body`` to ``current`` (empty when new)."""
    doc = dict(current)
    if "capture" in body or not current:
        doc["capture"] = parse_capture(body.get("capture"), errors)
    if kind == "CLICKED_ELEMENT":
        if "selector" in body or not current:
            doc["selector"] = parse_selector(body.get("selector"), errors)
        if "scope" in body:
            scope = body["scope"]
            doc["scope"] = None if scope is None else parse_rule(scope, "scope", errors)
        doc.setdefault("scope", None)
        page = body.get("page", doc.get("page", "/"))
        doc["page"] = page[:1000] if isinstance(page, str) and page.startswith("/") else "/"
    elif "rule" in body or not current:
        doc["rule"] = parse_rule(body.get("rule"), "rule", errors)
    for key in sorted(body.keys() & ({"selector", "scope", "page"} if kind == "VISITED_URL"
                                     else {"rule"})):
        errors.append(FieldError(key, f"not used by {kind} definitions", "UNKNOWN_FIELD"))
    return doc


def check_fields(body: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationFailed([FieldError("body", "must be a JSON object", "WRONG_TYPE")])
    errors = [FieldError(k, f"unknown field (allowed: {', '.join(sorted(allowed))})",
                         "UNKNOWN_FIELD") for k in sorted(body.keys() - allowed)]
    if errors:
        raise ValidationFailed(errors)
    return body
