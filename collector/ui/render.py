"""The one way a UI page becomes HTML: ``render(request, template, context, status=200)``.

Templates live in ``collector/ui/templates`` and are rendered with autoescape on (every
template is ``.html``), so user data is always HTML-escaped; no template marks user data
``|safe``. ``render`` adds what the layout needs: the session's portal, the CSRF token for
``{{ csrf_field() }}``, the navigation and pending flash messages.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from collector.ui.session import session_of
from collector.ui.tracking_words import TRACKING_TYPES, rule_words

BASE = "/app"


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    href: str
    active: bool


_NAV = (("Events", "/events"), ("Contacts", "/contacts"), ("Import", "/import"),
        ("Settings", "/settings"))


@lru_cache(maxsize=32)
def static_url(name: str) -> str:
    """``/app/static/<name>?v=<content hash>``: cached for a year, new URL on every change."""
    data = resources.files("collector.ui").joinpath("static", name).read_bytes()
    return f"{BASE}/static/{name}?v={hashlib.sha256(data).hexdigest()[:12]}"


def format_ms(ms: int | None) -> str:
    """Epoch milliseconds as ``2025-01-31 12:00 UTC`` (empty for None)."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def format_iso(ms: int) -> str:
    """Epoch milliseconds as ISO 8601 UTC, for ``<time datetime="…">``."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Directional embeddings and overrides (closed by U+202C) and isolates (closed by U+2069).
_EMBEDDINGS = "\u202a\u202b\u202d\u202e"
_ISOLATES = "\u2066\u2067\u2068"


def contain_bidi(value: Any) -> Any:
    """Close the directional overrides a value opens, where it ends: a label with an
    unclosed right-to-left override would otherwise turn round the rest of the title or
    line it is shown in (a spoof). Extra closers are ignored by browsers, so each opener
    gets one without counting pairs. Every ``{{ … }}`` of the UI goes through this."""
    if type(value) is not str or value.isascii():
        return value
    embeddings = sum(map(value.count, _EMBEDDINGS))
    isolates = sum(map(value.count, _ISOLATES))
    if not (embeddings or isolates):
        return value
    # Isolates first: a PDF is ignored while an isolate is open, and a PDI also closes the
    # embeddings opened inside its isolate.
    return value + "\u2069" * isolates + "\u202c" * embeddings


def counted(count: int | None, noun: str) -> str:
    """``count`` with thousands separators and ``noun``, plural unless one: "1 row",
    "1,234 rows" (a missing count is none)."""
    count = count or 0
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("collector.ui", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, finalize=contain_bidi)
    env.globals["static"] = static_url
    env.filters["datetime"] = format_ms
    env.filters["iso"] = format_iso
    env.filters["rule_words"] = rule_words
    env.filters["counted"] = counted
    env.globals["tracking_types"] = TRACKING_TYPES
    return env


ENV = _env()


def nav_items(path: str) -> list[NavItem]:
    return [NavItem(label, BASE + href, path == BASE + href or path.startswith(BASE + href + "/"))
            for label, href in _NAV]


def render(request: Request, template: str, context: dict[str, Any] | None = None,
           status: int = 200) -> Response:
    session = session_of(request)
    csrf = session.csrf_token()
    field = Markup('<input type="hidden" name="csrf_token" value="{}">').format(escape(csrf))
    page = {
        "request": request, "session": session, "csrf_token": csrf,
        "csrf_field": lambda: field,
        "nav": nav_items(request.url.path) if session.portal_id is not None else [],
        "flashes": session.pop_flashes(), **(context or {}),
    }
    html = ENV.get_template(template).render(page)
    return HTMLResponse(html, status_code=status)


def redirect(path: str, flash: str | None = None, *, request: Request | None = None) -> Response:
    """A 303 to ``path`` (after a POST, the browser GETs it); ``flash`` shows there once."""
    if flash is not None:
        assert request is not None, "a flash message needs the request's session"
        session_of(request).flash(flash)
    return RedirectResponse(path, status_code=303)


def login_url(next_path: str) -> str:
    return f"{BASE}/login?next={quote(next_path, safe='/')}"
