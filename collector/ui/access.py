"""Who is looking at a UI page: the signed-in portal, checked on every request.

``portal_page`` wraps every page that shows a portal's data: it resolves the session to a
``Viewer`` (or redirects to sign-in), checks CSRF on unsafe methods, and hands the page the
portal id to scope every read and write to. A token session ends as soon as its token is
revoked; an administrator session when the admin password changes or is unset.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from collector.api.common import services
from collector.ui.csrf import SAFE_METHODS, checked_form, closes_form
from collector.ui.errors import Forbidden
from collector.ui.render import BASE, login_url, redirect
from collector.ui.session import Session, session_of


@dataclass(frozen=True, slots=True)
class Viewer:
    portal_id: int
    portal_name: str
    admin: bool


PageEndpoint = Callable[[Request, Viewer], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def admin_stamp(key: bytes, password: str) -> str:
    """Identifies the admin password inside sessions without revealing it."""
    return hmac.new(key, b"admin:" + password.encode("utf-8", "surrogatepass"),
                    hashlib.sha256).hexdigest()[:32]


async def session_still_valid(request: Request, session: Session) -> bool:
    """False (and the session is ended) when its token was revoked or the password changed."""
    svc = services(request)
    if session.admin:
        password = svc.settings.admin_password
        key: bytes = request.app.state.ui_session_key
        valid = bool(password) and hmac.compare_digest(session.admin_stamp,
                                                       admin_stamp(key, password))
    elif session.token_hash is not None and session.portal_id is not None:
        valid = await svc.auth.portal_for_hash(session.token_hash) == session.portal_id
    else:
        valid = False
    if not valid and session.signed_in:
        session.sign_out()
        session.flash("Your session has ended (its access token was revoked or the"
                      " administrator password changed). Please sign in again.")
    return valid


def _next_path(request: Request) -> str:
    """Where sign-in leads back to: the page asked for or, for a form sent once the session
    had ended, the page of this UI the form was on (its same-origin Referer)."""
    if request.method in SAFE_METHODS:
        query = f"?{request.url.query}" if request.url.query else ""
        return request.url.path + query
    page = urlsplit(request.headers.get("referer", ""))
    if ((page.scheme, page.netloc) == (request.url.scheme, request.url.netloc)
            and page.path.startswith(BASE + "/") and page.path != BASE + "/login"):
        return page.path + (f"?{page.query}" if page.query else "")
    return BASE + "/events"


def portal_page(endpoint: PageEndpoint) -> Endpoint:
    """Run ``endpoint`` for the signed-in portal; sign-in or portal choice first otherwise."""

    @wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        session = session_of(request)
        if not await session_still_valid(request, session):
            return redirect(login_url(_next_path(request)))
        if session.portal_id is None:  # an administrator who has not chosen a portal yet
            return redirect(BASE + "/portals")
        try:
            if request.method not in SAFE_METHODS:
                await checked_form(request)
            return await endpoint(request, Viewer(session.portal_id, session.portal_name,
                                                  session.admin))
        finally:
            await request.close()  # uploaded files of the form are closed and deleted

    return wrapper


def admin_page(endpoint: Endpoint) -> Endpoint:
    """Run ``endpoint`` for a signed-in administrator (whether or not a portal is chosen)."""

    @wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        session = session_of(request)
        if not await session_still_valid(request, session):
            return redirect(login_url(_next_path(request)))
        if not session.admin:
            raise Forbidden("Only an administrator can choose between portals.")
        if request.method not in SAFE_METHODS:
            await checked_form(request)
        return await endpoint(request)

    return closes_form(wrapper)
