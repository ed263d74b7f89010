"""Per-portal tracking settings (allowed domains, privacy mode) and their short-lived cache."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import Any

from collector.errors import FieldError, ValidationFailed
from collector.hostnames import ascii_host
from collector.storage import Store

_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"(?=.{{1,253}}\Z){_LABEL}(\.{_LABEL})*\Z")
_FIELDS = {"allowedDomains": "allowed_domains", "cookieless": "cookieless",
           "respectDoNotTrack": "respect_dnt", "hashRouting": "hash_routing",
           "consent": "consent"}
CONSENT_MODES = ("none", "api", "required")
MAX_DOMAINS = 100


@dataclass(frozen=True, slots=True)
class TrackingSettings:
    """``allowed_domains`` empty means every origin is allowed; a domain also allows its
    subdomains. ``cookieless``: no visitor cookie, no identify (SPEC 12.9). ``consent``
    (SPEC 12.9's consent-based identity, ignored when cookieless): "none", tracking as
    usual; "api", HubSpot's consent API answered on the page (``snippets/static/consent.js``)
    and a visitor who declines goes cookieless; "required", cookieless until the visitor
    consents. In both modes a hit without a visitor token carries no identity."""

    allowed_domains: tuple[str, ...] = ()
    cookieless: bool = False
    respect_dnt: bool = False
    hash_routing: bool = False
    consent: str = "none"

    @property
    def consent_mode(self) -> str:
        """The consent mode in effect: "none" in cookieless mode (no identity at all)."""
        return "none" if self.cookieless else self.consent

    def allows(self, host: str) -> bool:
        if not self.allowed_domains:
            return True
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    def to_json(self) -> dict[str, Any]:
        return {"allowedDomains": list(self.allowed_domains), "cookieless": self.cookieless,
                "respectDoNotTrack": self.respect_dnt, "hashRouting": self.hash_routing,
                "consent": self.consent}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> TrackingSettings:
        consent = doc.get("consent")
        return cls(tuple(doc.get("allowedDomains", ())), bool(doc.get("cookieless")),
                   bool(doc.get("respectDoNotTrack")), bool(doc.get("hashRouting")),
                   consent if consent in CONSENT_MODES else "none")


def apply_patch(current: TrackingSettings, body: Any) -> TrackingSettings:
    """The settings after a PATCH body; every invalid field is reported at once."""
    if not isinstance(body, dict):
        raise ValidationFailed([FieldError("body", "must be a JSON object", "WRONG_TYPE")])
    errors = [FieldError(key, f"unknown field (allowed: {', '.join(sorted(_FIELDS))})",
                         "UNKNOWN_FIELD") for key in sorted(body.keys() - _FIELDS.keys())]
    doc = current.to_json()
    for key in ("cookieless", "respectDoNotTrack", "hashRouting"):
        if key in body and not isinstance(body[key], bool):
            errors.append(FieldError(key, "must be true or false", "WRONG_TYPE"))
    if "consent" in body and body["consent"] not in CONSENT_MODES:
        errors.append(FieldError("consent", f"must be one of {', '.join(CONSENT_MODES)}",
                                 "INVALID"))
    if "allowedDomains" in body:
        body = {**body, "allowedDomains": _domains(body["allowedDomains"], errors)}
    if errors:
        raise ValidationFailed(errors)
    doc.update({k: v for k, v in body.items() if k in _FIELDS})
    return TrackingSettings.from_json(doc)


def _domains(raw: Any, errors: list[FieldError]) -> list[str]:
    if not isinstance(raw, list) or len(raw) > MAX_DOMAINS:
        errors.append(FieldError("allowedDomains", f"must be a list of at most {MAX_DOMAINS}"
                                 " domain names", "WRONG_TYPE"))
        return []
    domains: list[str] = []
    for index, item in enumerate(raw):
        name = item.strip().lower().removeprefix("www.") if isinstance(item, str) else ""
        text = ascii_host(name) or ""  # bücher.de: xn--bcher-kva.de
        if not _DOMAIN.match(text):
            errors.append(FieldError(f"allowedDomains[{index}]",
                                     "must be a domain name such as example.com, without"
                                     " https://, port or path", "INVALID"))
        elif text not in domains:
            domains.append(text)
    return domains


async def load_settings(store: Store, portal_id: int) -> TrackingSettings:
    return TrackingSettings.from_json(await store.load_tracking_settings(portal_id) or {})


async def change_settings(store: Store, cache: TrackingCache, portal_id: int,
                          body: Any) -> TrackingSettings:
    """Apply a PATCH body (``apply_patch``'s rules), save it and drop the cached copy; the
    one path both the JSON API and the management UI change tracking settings through."""

    def change(current: dict[str, Any]) -> dict[str, Any]:  # on the store's writer
        return apply_patch(TrackingSettings.from_json(current), body).to_json()

    updated = await store.change_tracking_settings(portal_id, change)
    cache.invalidate(portal_id)
    return TrackingSettings.from_json(updated)


class TrackingCache:
    """Tracking settings by portal for ``ttl`` seconds; None marks an unknown portal.

    When an entry runs out, the requests arriving meanwhile wait for one read of it (per
    portal), not for one read each.
    """

    def __init__(self, store: Store, ttl: float = 2.0) -> None:
        self._store, self._ttl = store, ttl
        self._entries: dict[int, tuple[float, TrackingSettings | None]] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def get(self, portal_id: int) -> TrackingSettings | None:
        if not 0 < portal_id < 2**63:  # no portal (and no integer the stores hold)
            return None
        entry = self._entries.get(portal_id)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        if len(self._locks) > 100_000:  # held locks are kept by their holders
            self._locks.clear()
        lock = self._locks.get(portal_id)
        if lock is None:
            lock = self._locks[portal_id] = asyncio.Lock()
        async with lock:
            entry = self._entries.get(portal_id)
            if entry is not None and entry[0] > time.monotonic():  # read while this waited
                return entry[1]
            doc = await self._store.load_tracking_settings(portal_id)
            found = None if doc is None else TrackingSettings.from_json(doc)
            if len(self._entries) > 100_000:
                self._entries.clear()
            self._entries[portal_id] = (time.monotonic() + self._ttl, found)
            return found

    def invalidate(self, portal_id: int) -> None:
        self._entries.pop(portal_id, None)
