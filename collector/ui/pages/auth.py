"""Sign-in (access token or administrator password), sign-out and the admin portal picker."""

from __future__ import annotations

import hmac
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from collector.api.common import services
from collector.auth import hash_token
from collector.numerals import decimal
from collector.ui.access import admin_page, admin_stamp, session_still_valid
from collector.ui.csrf import checked_form, closes_form
from collector.ui.forms import text
from collector.ui.render import BASE, redirect, render
from collector.ui.session import session_of, shorten
from collector.ui.throttle import SignInThrottle

DEFAULT_NEXT = BASE + "/events"


def safe_next(raw: str | None) -> str:
    """``raw`` when it is a path inside the UI, else the events list (no open redirects)."""
    if not raw or not raw.startswith(BASE + "/") or "\\" in raw or raw.startswith("//"):
        return DEFAULT_NEXT
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or any(ord(c) < 33 for c in raw):
        return DEFAULT_NEXT
    return raw


def _throttle(request: Request) -> SignInThrottle:
    found: SignInThrottle | None = getattr(request.app.state, "ui_throttle", None)
    if found is None:
        found = request.app.state.ui_throttle = SignInThrottle()
    return found


def _login_page(request: Request, next_path: str, errors: dict[str, str] | None = None,
                status: int = 200) -> Response:
    return render(request, "auth/login.html", {
        "next": next_path, "errors": errors or {},
        "admin_enabled": bool(services(request).settings.admin_password)}, status=status)


async def login(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    session = session_of(request)
    if session.signed_in and await session_still_valid(request, session):
        return redirect(next_path if session.portal_id is not None else BASE + "/portals")
    return _login_page(request, next_path)


@closes_form
async def login_submit(request: Request) -> Response:
    form = await checked_form(request)
    next_path = safe_next(text(form, "next"))
    client = request.client.host if request.client else "unknown"
    throttle = _throttle(request)
    if throttle.blocked(client):
        return _login_page(request, next_path, {"form": "Too many failed sign-ins from your"
                           " address; wait a minute and try again."}, status=429)
    if text(form, "method") == "admin":
        return await _admin_sign_in(request, text(form, "password"), next_path, client)
    return await _token_sign_in(request, text(form, "token").strip(), next_path, client)


async def _token_sign_in(request: Request, token: str, next_path: str, client: str) -> Response:
    svc = services(request)
    if not token:
        return _login_page(request, next_path, {"token": "Access token: enter your token"}, 400)
    digest = hash_token(token)
    portal_id = await svc.auth.portal_for_hash(digest)
    if portal_id is None:
        _throttle(request).failed(client)
        return _login_page(request, next_path, {"token": "Access token: this token is not valid"
                           " (mistyped, or revoked)"}, 400)
    names = {p.id: p.name for p in await svc.store.list_portals()}
    session_of(request).sign_in(portal_id=portal_id, portal_name=names.get(portal_id, ""),
                                token_hash=digest)
    return redirect(next_path)


async def _admin_sign_in(request: Request, password: str, next_path: str, client: str) -> Response:
    expected = services(request).settings.admin_password
    if not expected:
        return _login_page(request, next_path, {"form": "The administrator sign-in is not"
                           " enabled on this server."}, 400)
    if not hmac.compare_digest(password.encode("utf-8", "surrogatepass"),
                               expected.encode("utf-8", "surrogatepass")):
        _throttle(request).failed(client)
        return _login_page(request, next_path, {"password": "Administrator password: wrong"
                           " password"}, 400)
    key: bytes = request.app.state.ui_session_key
    session_of(request).sign_in(portal_id=None, admin_stamp=admin_stamp(key, expected))
    if next_path == DEFAULT_NEXT:
        return redirect(BASE + "/portals")
    return redirect(f"{BASE}/portals?next={quote(next_path, safe='/')}")


@closes_form
async def logout(request: Request) -> Response:
    await checked_form(request)
    session = session_of(request)
    session.sign_out()
    session.flash("You have signed out.")
    return redirect(BASE + "/login")


@admin_page
async def portals(request: Request) -> Response:
    return render(request, "auth/portals.html", {
        "portals": await services(request).store.list_portals(),
        "next": safe_next(request.query_params.get("next"))})


@admin_page
async def choose_portal(request: Request) -> Response:
    form = await request.form()
    raw = text(form, "portal_id").strip()
    chosen = {p.id: p for p in await services(request).store.list_portals()}.get(
        decimal(raw) or 0)  # no portal has id 0
    if chosen is None:
        return redirect(BASE + "/portals", "That portal does not exist.", request=request)
    session_of(request).choose_portal(chosen.id, chosen.name)
    return redirect(safe_next(text(form, "next")), f"Opened portal {shorten(chosen.name, 100)}.",
                    request=request)


async def home(request: Request) -> Response:
    return redirect(DEFAULT_NEXT)
