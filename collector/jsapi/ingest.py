"""Turn one tracker request into completions, failed hits and counter increments.

Order of the gates: foreign origin (dropped, counted), Do Not Track when the portal asks
for it, bots (counted, left out of completions and counts), then each hit on its own: a
page view or a defined, active contact event becomes a completion with its adjustments;
anything else is kept in the failed-events store with the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from collector.completions import resolve_event_name
from collector.emails import normalize_email, valid_email
from collector.enrich.page import origin_host, page_properties
from collector.enrich.useragent import Agent
from collector.ids import new_uuid7
from collector.jsapi.hits import Envelope, Hit
from collector.jsapi.normalize import (
    Adjustments,
    Lookup,
    adjust,
    enrichment_values,
    normalize_properties,
    standard_text_limits,
)
from collector.jsapi.portal_settings import TrackingSettings
from collector.limits import Limits
from collector.model import PAGE_VIEW, EventDefinition, FailedHit, NewCompletion
from collector.properties import STANDARD_PROPERTIES, PropertyDef

MAX_AGE_MS = 7 * 86_400_000  # older client timestamps (a very late retry) get the receive time


@dataclass(slots=True)  # not frozen: a frozen init costs a microsecond per hit
class Request:
    """What the collect endpoint knows about the HTTP request besides its body."""

    origin: str | None
    agent: Agent
    client_ip: str
    do_not_track: bool
    language: str  # from Accept-Language, for hits that carry none (the tracker sends none)
    now: int
    visitor_secret: bytes
    allow_headless: bool
    future_skew_ms: int


@dataclass(slots=True)
class Outcome:
    completions: list[NewCompletion] = field(default_factory=list)
    failed: list[FailedHit] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)

    def count(self, name: str, amount: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + amount


def unknown_events(envelope: Envelope, definitions: Mapping[str, EventDefinition]) -> bool:
    """True when a hit names an event this definitions map lacks (a stale cache, maybe)."""
    for hit in envelope.hits:
        if hit.event is not None:
            name = resolve_event_name(hit.event, envelope.portal_id)
            if name is not None and name not in definitions:
                return True
    return False


def build(envelope: Envelope, req: Request, tracking: TrackingSettings,
          definitions: Mapping[str, EventDefinition], limits: Limits) -> Outcome:
    outcome = Outcome()
    hits = envelope.hits[: limits.batch_inputs]
    outcome.count("hits_over_batch_limit", len(envelope.hits) - len(hits))
    if not hits:
        return outcome
    if not tracking.allows(origin_host(req.origin, hits[0].url)):
        outcome.count("foreign_origin_hits", len(hits))
    elif tracking.respect_dnt and req.do_not_track:
        outcome.count("do_not_track_hits", len(hits))
    elif req.agent.is_bot(webdriver=envelope.webdriver, allow_headless=req.allow_headless):
        outcome.count("bot_hits", len(hits))
    else:
        utk = visitor_token(envelope, req, tracking)
        for hit in hits:
            _add_hit(outcome, hit, utk, envelope.utk is None, req, tracking, definitions, limits,
                     envelope.portal_id)
    return outcome


def visitor_token(envelope: Envelope, req: Request, tracking: TrackingSettings) -> str:
    """The tracker's cookie token; without one (cookieless mode, cookies blocked) a daily
    rotating hash of the visitor's address and browser that cannot be traced back."""
    if envelope.utk and not tracking.cookieless:
        return envelope.utk
    day = req.now // 86_400_000
    material = f"{day}|{envelope.portal_id}|{req.client_ip}|{req.agent.properties.get('hs_user_agent')}"
    return "anon-" + hashlib.blake2b(material.encode("utf-8", "replace"), digest_size=16,
                                     key=req.visitor_secret[:64]).hexdigest()


def _add_hit(outcome: Outcome, hit: Hit, utk: str, anonymous: bool, req: Request,
             tracking: TrackingSettings, definitions: Mapping[str, EventDefinition],
             limits: Limits, portal_id: int) -> None:
    keep_page_url = True
    if hit.event is None:
        event_name, lookup = PAGE_VIEW, _standard
    else:
        found = _definition(hit.event, portal_id, definitions)
        if isinstance(found, str):
            # Kept for the owner to read: without an email where the hit may not identify.
            raw = (hit.raw if _no_identity(tracking, anonymous) is None
                   else {k: v for k, v in hit.raw.items() if k != "e"})
            outcome.failed.append(FailedHit(hit.id or new_uuid7(), hit.event[:200], found,
                                            req.now, raw))
            outcome.count("failed_hits")
            return
        event_name, lookup = found.name, found.property_named
        # A visualizer definition whose owner chose not to capture the page URL.
        keep_page_url = found.tracking.get("capture", {}).get("pageUrl") is not False
    completion = _completion(hit, event_name, lookup, utk, anonymous, req, tracking, limits)
    if not keep_page_url:
        completion.properties.pop("hs_page_url", None)
    outcome.completions.append(completion)


def _standard(name: str) -> PropertyDef | None:
    return STANDARD_PROPERTIES.get(name)


def _definition(raw: str, portal_id: int,
                definitions: Mapping[str, EventDefinition]) -> EventDefinition | str:
    name = resolve_event_name(raw, portal_id)
    definition = definitions.get(name) if name is not None else None
    if definition is None:
        return f"unknown event (use the fullyQualifiedName, pe{portal_id}_<name>)"
    if definition.archived:
        return "the event is archived"
    if definition.primary_object != "CONTACT":
        return (f"the event's object is {definition.primary_object}; the JS API records"
                " contact events only (send it with the HTTP API)")
    return definition


def _completion(hit: Hit, event_name: str, lookup: Lookup, utk: str, anonymous: bool,
                req: Request, tracking: TrackingSettings, limits: Limits) -> NewCompletion:
    """``anonymous``: the hit came without the tracker's visitor token."""
    adjustments: Adjustments = []
    if hit.cleaned:
        adjust(adjustments, "body", "CLEANED",
               "NUL characters were removed and unpaired surrogates replaced by U+FFFD")
    if hit.pruned_below is not None:
        adjust(adjustments, "body", "DROPPED",
               f"values nested more than {hit.pruned_below} levels deep were dropped")
    page = page_properties(hit.url, hit.title, hit.referrer, hit.language or req.language,
                           hit.screen)
    enriched = {**req.agent.properties, **page.properties}
    props = enrichment_values(enriched, lookup, limits, adjustments,
                              standard_text_limits(limits) if lookup is _standard else None)
    sent = normalize_properties(hit.properties, lookup, limits, adjustments)
    props.update(sent)
    visit_source = (page.inner and "hs_touchpoint_source" in props
                    and "hs_touchpoint_source" not in sent)
    if "hs_page_content_type" in props and lookup("hs_asset_type") is not None:
        props["hs_asset_type"] = props["hs_page_content_type"]
    return NewCompletion(
        id=hit.id or new_uuid7(), event_name=event_name, object_type="CONTACT",
        occurred_at=_occurred_at(hit, req, adjustments), received_at=req.now, properties=props,
        source="JS", email=_email(hit, tracking, adjustments, anonymous), utk=utk,
        adjustments=adjustments or None, visit_source=visit_source,
    )


def _occurred_at(hit: Hit, req: Request, adjustments: Adjustments) -> int:
    sent = hit.occurred_at
    if sent is None:
        return req.now
    if not req.now - MAX_AGE_MS <= sent <= req.now + req.future_skew_ms:
        adjust(adjustments, "occurredAt", "REPLACED",
               "the browser's clock was off; the receive time is used")
        return req.now
    return sent


def _email(hit: Hit, tracking: TrackingSettings, adjustments: Adjustments,
           anonymous: bool) -> str | None:
    if hit.email is None:
        return None
    refused = _no_identity(tracking, anonymous)
    if refused is not None:
        adjust(adjustments, "email", "DROPPED", refused)
        return None
    email = normalize_email(hit.email)  # the rule of send, the CRM API and imports
    if not valid_email(email):
        adjust(adjustments, "email", "DROPPED", "not an email address")
        return None
    return email


def _no_identity(tracking: TrackingSettings, anonymous: bool) -> str | None:
    """Why a hit may not identify a contact, or None when it may. In a consent mode the
    consent module keeps the visitor cookie, and so the token, from a visitor who has not
    consented: a hit without one identifies nobody."""
    if tracking.cookieless:
        return "the portal is in cookieless mode (no identity)"
    if anonymous and tracking.consent_mode != "none":
        return "no visitor token: the visitor has not consented to identity (consent mode)"
    return None
