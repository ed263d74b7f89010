"""The UI session: a signed, expiring cookie (no server-side state).

The cookie is ``<base64url JSON>.<base64url HMAC-SHA256>`` keyed by the deployment's
``ui-session`` secret (``Store.secret``), so every collector process accepts every other's
cookies. It carries the signed-in portal, whether an administrator signed in, the hash of the
access token used (so revoking that token ends the session), the CSRF token and pending flash
messages. ``SessionMiddleware`` loads it before a UI route runs and writes it back (or clears
it) when the route changed it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from collector.services import Services

COOKIE = "footfall_session"
COOKIE_PATH = "/app"
LIFETIME_SECONDS = 12 * 3600
_SCOPE_KEY = "footfall.ui_session"
_MAX_FLASHES = 5
_MAX_DONE = 5
_MAX_NAME = 100  # the portal name shown in the nav; the cookie must stay under 4 KB
_MAX_COOKIE = 4000  # bytes of the cookie's value; browsers keep cookies up to 4096 in all


@dataclass
class Session:
    """What the cookie carries. ``portal_id`` None means nobody is signed in."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    portal_id: int | None = None
    portal_name: str = ""
    admin: bool = False
    token_hash: str | None = None
    admin_stamp: str = ""
    issued_at: int = field(default_factory=lambda: int(time.time()))
    flashes: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)  # once-only forms already carried out
    dirty: bool = False
    cleared: bool = False
    fresh: bool = True  # not read from a cookie: written out once a form needs its CSRF token

    @property
    def signed_in(self) -> bool:
        return self.admin or self.portal_id is not None

    def sign_in(self, *, portal_id: int | None, portal_name: str = "",
                token_hash: str | None = None, admin_stamp: str = "") -> None:
        """Start a fresh session (new CSRF token: nothing from before sign-in carries over).

        A token sign-in keeps the token's hash, an administrator's a stamp of the admin
        password: revoking the token or changing the password ends the session."""
        fresh = Session(portal_id=portal_id, portal_name=portal_name[:_MAX_NAME],
                        admin=bool(admin_stamp),
                        token_hash=token_hash, admin_stamp=admin_stamp, flashes=self.flashes,
                        fresh=False)
        self.__dict__.update(fresh.__dict__)
        self.dirty, self.cleared = True, False

    def choose_portal(self, portal_id: int, portal_name: str) -> None:
        self.portal_id, self.portal_name, self.dirty = portal_id, portal_name[:_MAX_NAME], True

    def sign_out(self) -> None:
        self.__dict__.update(Session().__dict__)
        self.cleared = True

    def csrf_token(self) -> str:
        """The token a form must send back; a new visitor's session is saved to carry it."""
        if self.fresh:
            self.dirty, self.fresh = True, False
        return self.form_token()

    def form_token(self) -> str:
        """The session's CSRF secret bound to the portal now open: a form rendered for one
        portal is refused after an administrator switched to another in another tab."""
        bound = hmac.new(self.csrf.encode(), f"portal:{self.portal_id}".encode(),
                         hashlib.sha256).digest()
        return _b64(bound[:24])

    def flash(self, message: str) -> None:
        self.flashes = [*self.flashes, message][-_MAX_FLASHES:]
        self.dirty = True

    def carry_out_once(self, form_id: str) -> bool:
        """False when the form ``form_id`` was carried out before in this session (sent
        again: a reload of the page its POST answered); else remember it and say True."""
        if not form_id or form_id in self.done:
            return False
        self.done = [*self.done, form_id][-_MAX_DONE:]
        self.dirty = True
        return True

    def pop_flashes(self) -> list[str]:
        found, self.flashes = self.flashes, []
        if found:
            self.dirty = True
        return found

    def to_json(self) -> dict[str, Any]:
        return {"c": self.csrf, "p": self.portal_id, "n": self.portal_name, "a": self.admin,
                "t": self.token_hash, "s": self.admin_stamp, "i": self.issued_at, "f": self.flashes,
                "d": self.done}

    @classmethod
    def from_json(cls, doc: Any, now: int) -> Session | None:
        """The session in a verified cookie, or None when it is malformed or expired."""
        if not isinstance(doc, dict):
            return None
        try:
            session = cls(csrf=str(doc["c"]), portal_id=_int_or_none(doc["p"]),
                          portal_name=str(doc["n"]), admin=doc["a"] is True,
                          token_hash=None if doc["t"] is None else str(doc["t"]),
                          admin_stamp=str(doc["s"]),
                          issued_at=int(doc["i"]), flashes=[str(f) for f in doc["f"]],
                          done=[str(d) for d in doc.get("d", [])][-_MAX_DONE:])
        except (KeyError, TypeError, ValueError):
            return None
        if not session.issued_at <= now < session.issued_at + LIFETIME_SECONDS:
            return None
        session.fresh = False
        return session


def _int_or_none(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("portal id must be an integer")
    return value


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(key: bytes, session: Session) -> str:
    payload = _b64(json.dumps(session.to_json(), separators=(",", ":")).encode("utf-8"))
    mac = _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())
    return f"{payload}.{mac}"


def decode(key: bytes, cookie: str | None, now: int) -> Session | None:
    """The session of a genuine, unexpired cookie; None for anything else."""
    payload, _, mac = (cookie or "").partition(".")
    if not payload or len(cookie or "") > _MAX_COOKIE:
        return None
    expected = _b64(hmac.new(key, payload.encode("ascii", "replace"), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, mac):
        return None
    try:
        doc = json.loads(_unb64(payload))
    except ValueError:
        return None
    return Session.from_json(doc, now)


def session_of(conn: HTTPConnection) -> Session:
    """The request's session (an empty one when nobody is signed in)."""
    found: Session = conn.scope[_SCOPE_KEY]
    return found


async def _key(scope: Scope) -> bytes:
    state = scope["app"].state
    found: bytes | None = getattr(state, "ui_session_key", None)
    if found is None:
        services: Services = state.services
        found = await services.store.secret("ui-session")
        state.ui_session_key = found
    return found


def shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[:length - 1] + "\u2026"


def _set_cookie(key: bytes, session: Session, secure: bool) -> str:
    cookie: SimpleCookie = SimpleCookie()
    if session.cleared and not session.dirty:
        cookie[COOKIE] = ""
        cookie[COOKIE]["max-age"] = 0
    else:
        value = encode(key, session)
        while len(value) > _MAX_COOKIE and session.flashes:  # browsers drop larger cookies
            session.flashes = session.flashes[1:]
            value = encode(key, session)
        cookie[COOKIE] = value
        cookie[COOKIE]["max-age"] = max(0, session.issued_at + LIFETIME_SECONDS - int(time.time()))
    morsel = cookie[COOKIE]
    morsel["path"] = COOKIE_PATH
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    if secure:
        morsel["secure"] = True
    return morsel.OutputString()


class SessionMiddleware:
    """Loads the session into the scope and writes the cookie back when it changed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = await _key(scope)
        conn = HTTPConnection(scope)
        session = decode(key, conn.cookies.get(COOKIE), int(time.time())) or Session()
        scope[_SCOPE_KEY] = session
        secure = conn.url.scheme == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and (session.dirty or session.cleared):
                header = _set_cookie(key, session, secure).encode("latin-1")
                message["headers"] = [*message.get("headers", []), (b"set-cookie", header)]
            await send(message)

        await self.app(scope, receive, send_with_cookie)
