"""Standard page properties of a JS hit: URL, title, referrer, language, screen, UTM, source.

A site's hits repeat a few page URLs, referrers and origins many times over, so what is
derived from each of them is cached (LRU, only for strings of up to ``CACHED_LENGTH``
characters, so the caches stay small whatever a client sends).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Generic, NamedTuple, TypeVar
from urllib.parse import parse_qsl, urlsplit

from collector.enrich.touchpoint import campaign_source, referral_source, same_site

CACHED_LENGTH = 2048
T = TypeVar("T")
DEBUG_PARAMETER = "footfall_debug"  # the tracker's debug switch in a page URL
_UTM = ("utm_campaign", "utm_content", "utm_medium", "utm_source", "utm_term")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*\Z")
_REFUSED = re.compile(r"q\s*=\s*0(?:\.0{0,3})?\s*\Z", re.IGNORECASE)  # q=0: "not acceptable"

# What a page URL gives a hit: its host, its hs_utm_* properties, its campaign touchpoint.
PageUrl = tuple[str, tuple[tuple[str, str], ...], str | None]


class _Cached(Generic[T]):
    """``fn`` behind an LRU cache for arguments of up to ``CACHED_LENGTH`` characters."""

    def __init__(self, fn: Callable[[str], T]) -> None:
        self.fn, self.cached = fn, lru_cache(maxsize=4096)(fn)

    def __call__(self, text: str) -> T:
        return self.cached(text) if len(text) <= CACHED_LENGTH else self.fn(text)


def _parse_host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _parse_page_url(url: str) -> PageUrl:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        query = dict(parse_qsl(parts.query, keep_blank_values=False))
    except ValueError:
        host, query = "", {}
    utm = tuple((f"hs_{key}", query[key]) for key in _UTM if query.get(key))
    return host, utm, campaign_source(query)


def without_debug_parameter(url: str) -> str:
    """``url`` without its ``footfall_debug`` parameters (debug mode's switch, whatever its
    value), in the query and in the fragment (the tracker turns debug mode on from either:
    ``#footfall_debug=1``, ``#/route?footfall_debug=1``), everything else kept as it was,
    so that a page opened in debug mode counts as the same page. Only a URL naming it is
    taken apart."""
    if DEBUG_PARAMETER not in url:
        return url
    base, hash_, fragment = url.partition("#")
    path, question, query = base.partition("?")
    if question:
        query = _without_switch(query)
        base = path + ("?" + query if query else "")
    if hash_:
        route, question, params = fragment.partition("?")
        fragment = (route + ("?" + kept if (kept := _without_switch(params)) else "")
                    if question else _without_switch(fragment))
        hash_ = "#" if fragment else ""
    return base + hash_ + fragment


def _without_switch(params: str) -> str:
    return "&".join(part for part in params.split("&")
                    if part.partition("=")[0] != DEBUG_PARAMETER)


def _first_language(header: str) -> str:
    """The first language tag the header accepts (browsers list theirs in order of
    preference); "*", malformed entries and those with q=0 are passed over."""
    for entry in header.split(",")[:20]:
        tag, _, params = entry.partition(";")
        tag = tag.strip()
        if _LANGUAGE_TAG.match(tag) and not _REFUSED.match(params.strip()):
            return tag
    return ""


_host = _Cached(_parse_host)
_page_url = _Cached(_parse_page_url)
_language = _Cached(_first_language)


def preferred_language(accept_language: str) -> str:
    """The browser's first language from its ``Accept-Language`` header (the tracker's
    ``navigator.language``), or "" when the header names none."""
    return _language(accept_language)


class Page(NamedTuple):
    """What a hit's page context gives it: raw (not yet truncated) ``hs_*`` values, and
    whether it comes from another page of the same site without campaign parameters of
    its own (its touchpoint source is then its visit's, see ``collector.storage.sessions``:
    HubSpot attributes a session to how it began)."""

    properties: dict[str, object]
    inner: bool


def page_properties(url: str, title: str, referrer: str, language: str,
                    screen: tuple[int | None, int | None]) -> Page:
    """The ``hs_*`` values taken from the hit's page context, and whether it is an inner page."""
    url, referrer = without_debug_parameter(url), without_debug_parameter(referrer)
    props: dict[str, object] = {}
    for name, value in (("hs_page_url", url), ("hs_page_title", title),
                        ("hs_referrer", referrer), ("hs_language", language)):
        if value:
            props[name] = value
    if screen[0]:
        props["hs_screen_width"] = screen[0]
    if screen[1]:
        props["hs_screen_height"] = screen[1]
    host, utm, campaign = _page_url(url)
    props.update(utm)
    inner = False
    if url and campaign:
        props["hs_touchpoint_source"] = campaign
    elif url:
        referrer_host = _host(referrer)
        inner = same_site(referrer_host, host)  # referral_source's answer too: direct
        props["hs_touchpoint_source"] = ("DIRECT_TRAFFIC" if inner
                                         else referral_source(referrer_host, host))
    return Page(props, inner)


def origin_host(origin: str | None, page_url: str) -> str:
    """The host a hit came from: the Origin header, else the page URL the tracker sent."""
    if origin and origin != "null":
        return _host(origin)
    return _page_url(page_url)[0]
