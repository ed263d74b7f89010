"""``/app/settings``: access tokens (create — shown once —, list, revoke), allowed domains,
privacy mode, and the tracking code to paste into the site."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response

from collector.api.common import services
from collector.api.tracking import script_url
from collector.auth import hash_token, new_token
from collector.errors import FieldError, NotFound, ValidationFailed
from collector.jsapi.portal_settings import (
    MAX_DOMAINS,
    TrackingSettings,
    change_settings,
    load_settings,
)
from collector.jsapi.state import tracking_state
from collector.model import TOKEN_ID_LENGTH
from collector.ui.access import Viewer, portal_page
from collector.ui.forms import FieldErrors, field_errors, text
from collector.ui.render import BASE, redirect, render
from collector.ui.session import session_of
from snippets import render as snippets

TOKEN_NAME_LENGTH = 100
# Hits the collector acknowledged but kept out, by counter (GET /footfall/v1/tracking/counters).
DROPPED = {"foreign_origin_hits": "From sites not on the allowed domains",
           "do_not_track_hits": "From browsers that ask not to be tracked (Do Not Track, GPC)",
           "bot_hits": "From bots and automated browsers",
           "hits_over_batch_limit": "Over the limit of hits in one request"}
PATH = BASE + "/settings"
_LABELS = {"token_name": "Token name", "allowed_domains": "Allowed domains",
           "privacy": "Privacy mode"}


async def _page(request: Request, viewer: Viewer, *, errors: FieldErrors | None = None,
                form: dict[str, str] | None = None, new_token_text: str = "",
                status: int = 200) -> Response:
    svc = services(request)
    tracking = await load_settings(svc.store, viewer.portal_id)
    tokens = await svc.store.list_tokens(viewer.portal_id)
    counters = await svc.store.tracking_counters(viewer.portal_id)
    src = script_url(request, viewer.portal_id)
    values = {"token_name": "", "allowed_domains": "\n".join(tracking.allowed_domains),
              "privacy": _privacy(tracking),
              "consent_api": "on" if tracking.consent == "api" else "",
              "respect_dnt": "on" if tracking.respect_dnt else "",
              "hash_routing": "on" if tracking.hash_routing else "", **(form or {})}
    return render(request, "settings/index.html", {
        "tokens": tokens, "active_tokens": sum(t.revoked_at is None for t in tokens),
        "tracking": tracking, "tracking_code": snippets.tracking_tag(src), "script_url": src,
        "values": values, "errors": errors or {}, "new_token": new_token_text,
        "new_token_id": hash_token(new_token_text)[:TOKEN_ID_LENGTH] if new_token_text else "",
        "max_domains": MAX_DOMAINS, "portal_id": viewer.portal_id,
        "dropped": [(label, counters[key]) for key, label in DROPPED.items() if counters.get(key)],
        "token_form_id": secrets.token_urlsafe(12)}, status=status)


@portal_page
async def settings_page(request: Request, viewer: Viewer) -> Response:
    return await _page(request, viewer)


@portal_page
async def create_token(request: Request, viewer: Viewer) -> Response:
    form = await request.form()
    name = text(form, "token_name").strip()
    problem = ("enter a name that says where the token is used" if not name else
               f"must be at most {TOKEN_NAME_LENGTH} characters"
               if len(name) > TOKEN_NAME_LENGTH else None)
    if problem is None and not session_of(request).carry_out_once(text(form, "form_id")):
        # The page that showed a new token, reloaded: its form comes again. One token.
        return redirect(PATH, "That form was sent again (a reload?): no second token was"
                        " created. A token is shown only once; create another if you need it.",
                        request=request)
    if problem is None:
        token = new_token()
        try:
            await services(request).store.add_token(viewer.portal_id, hash_token(token), name)
        except ValidationFailed as exc:
            problem = exc.errors[0].message if exc.errors else exc.message
        else:
            # Rendered, not redirected: the token exists only in this response.
            return await _page(request, viewer, new_token_text=token)
    return await _page(request, viewer, errors={"token_name": f"Token name: {problem}"},
                       form={"token_name": name}, status=400)


@portal_page
async def revoke_token(request: Request, viewer: Viewer) -> Response:
    token_id = request.path_params["token_id"]
    svc = services(request)
    tokens = await svc.store.list_tokens(viewer.portal_id)
    found = next((t for t in tokens if t.id == token_id and t.revoked_at is None), None)
    if found is None:
        raise NotFound("This portal has no active token with that id.")
    outcome = await svc.store.revoke_token(viewer.portal_id, token_id)
    if outcome == "last":
        return redirect(PATH, "This is the portal's only active token: create another one"
                        " before revoking it.", request=request)
    if outcome != "revoked":
        raise NotFound("This portal has no active token with that id.")
    svc.auth.forget()  # this process stops accepting it at once (others within seconds)
    return redirect(PATH, f"Token \u201c{found.name}\u201d was revoked; API calls and"
                    " sessions using it stop working.", request=request)


def _domain_errors(errors: tuple[FieldError, ...], lines: list[str]) -> FieldErrors:
    """``allowedDomains[3]`` → a message naming the field and the offending line."""
    messages: list[str] = []
    for error in errors:
        index = error.where.removeprefix("allowedDomains[").removesuffix("]")
        if index.isdigit() and int(index) < len(lines):
            line = lines[int(index)]
            shown = line if len(line) <= 80 else line[:80] + "\u2026"
            messages.append(f"\u201c{shown}\u201d {error.message}")
        else:
            messages.append(error.message)
    return {"allowed_domains": "Allowed domains: " + "; ".join(messages)} if messages else {}


_PRIVACY_MODES = ("cookies", "consent", "cookieless")


def _privacy(tracking: TrackingSettings) -> str:
    """The privacy mode radio's value: cookies, cookies after consent, or cookieless."""
    if tracking.cookieless:
        return "cookieless"
    return "consent" if tracking.consent == "required" else "cookies"


@portal_page
async def save_tracking(request: Request, viewer: Viewer) -> Response:
    form = await request.form()
    raw_domains = text(form, "allowed_domains")
    lines = [line.strip() for line in raw_domains.replace(",", "\n").splitlines() if line.strip()]
    privacy = text(form, "privacy")
    respect_dnt = text(form, "respect_dnt") == "on"
    consent_api = text(form, "consent_api") == "on"
    hash_routing = text(form, "hash_routing") == "on"
    values = {"allowed_domains": raw_domains, "privacy": privacy,
              "consent_api": "on" if consent_api else "", "respect_dnt": "on" if respect_dnt else "",
              "hash_routing": "on" if hash_routing else ""}
    if privacy not in _PRIVACY_MODES:
        return await _page(request, viewer, errors={"privacy": "Privacy mode: choose cookies,"
                           " cookies after consent or cookieless"}, form=values, status=400)
    consent = ("required" if privacy == "consent"
               else "api" if privacy == "cookies" and consent_api else "none")
    body = {"allowedDomains": lines, "cookieless": privacy == "cookieless",
            "respectDoNotTrack": respect_dnt, "hashRouting": hash_routing, "consent": consent}
    try:
        await change_settings(services(request).store, tracking_state(request).cache,
                              viewer.portal_id, body)
    except ValidationFailed as exc:
        errors = _domain_errors(exc.errors, lines) or field_errors(exc.errors, _LABELS)
        return await _page(request, viewer, errors=errors, form=values, status=400)
    return redirect(PATH, "Tracking settings saved.", request=request)
