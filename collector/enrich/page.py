"""Standard page properties of a JS hit: URL, title, referrer, language, screen, UTM, source."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from collector.enrich.touchpoint import classify

_UTM = ("utm_campaign", "utm_content", "utm_medium", "utm_source", "utm_term")


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _query(url: str) -> dict[str, str]:
    try:
        return dict(parse_qsl(urlsplit(url).query, keep_blank_values=False))
    except ValueError:
        return {}


def page_properties(url: str, title: str, referrer: str, language: str,
                    screen: tuple[int | None, int | None]) -> dict[str, object]:
    """Raw (not yet truncated) ``hs_*`` values taken from the hit's page context."""
    props: dict[str, object] = {}
    for name, value in (("hs_page_url", url), ("hs_page_title", title),
                        ("hs_referrer", referrer), ("hs_language", language)):
        if value:
            props[name] = value
    if screen[0]:
        props["hs_screen_width"] = screen[0]
    if screen[1]:
        props["hs_screen_height"] = screen[1]
    query = _query(url)
    for key in _UTM:
        if query.get(key):
            props[f"hs_{key}"] = query[key]
    if url:
        props["hs_touchpoint_source"] = classify(_host(referrer), _host(url), query)
    return props


def origin_host(origin: str | None, page_url: str) -> str:
    """The host a hit came from: the Origin header, else the page URL the tracker sent."""
    if origin and origin != "null":
        return _host(origin)
    return _host(page_url)
