"""Visualizer tokens: signed, short-lived, bound to one portal and one site origin.

``ffv1.<payload>.<mac>``: the payload is base64url JSON ``{"p": portalId, "o": origin,
"e": expiresAtSeconds}``, the mac is HMAC-SHA256 over the payload with the deployment's
``visualizer`` secret (``Store.secret``), so any collector process can verify any token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from collector.hostnames import ascii_host

PREFIX = "ffv1"
DEFAULT_TTL = 3600
MAX_TTL = 8 * 3600
_HOST = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")
_IPV6 = re.compile(r"[0-9a-f:.]+")


@dataclass(frozen=True, slots=True)
class Grant:
    portal_id: int
    origin: str
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest())


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL as browsers send it in ``Origin``
    (lowercased, an international name in punycode, IPv6 in brackets); None for anything
    else, such as a host no browser could reach (``exa mple.com``)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        port = parts.port
        if host and ":" not in host:
            host = ascii_host(host)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if ":" in host:
        if not _IPV6.fullmatch(host):
            return None
        host = f"[{host}]"
    elif not _HOST.fullmatch(host):
        return None
    scheme = parts.scheme.lower()
    default = port == {"http": 80, "https": 443}[scheme]  # browsers leave it out
    return f"{scheme}://{host}" + (f":{port}" if port and not default else "")


def sign(secret: bytes, grant: Grant) -> str:
    body = json.dumps({"p": grant.portal_id, "o": grant.origin, "e": grant.expires_at},
                      separators=(",", ":")).encode("utf-8")
    payload = _b64(body)
    return f"{PREFIX}.{payload}.{_mac(secret, payload)}"


def verify(secret: bytes, token: str | None, now: int) -> Grant | None:
    """The grant of a genuine, unexpired token; None for anything else."""
    text = token or ""
    parts = text.split(".")
    if len(parts) != 3 or parts[0] != PREFIX or len(text) > 1000 or not text.isascii():
        return None
    if not hmac.compare_digest(_mac(secret, parts[1]), parts[2]):
        return None
    try:
        doc = json.loads(_unb64(parts[1]))
        grant = Grant(int(doc["p"]), str(doc["o"]), int(doc["e"]))
    except (ValueError, KeyError, TypeError):
        return None
    return grant if grant.expires_at > now else None
