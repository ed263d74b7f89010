"""Portal tokens: generated once, stored only as SHA-256 hashes, looked up with a short cache."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from collector.errors import Unauthorized
from collector.storage import Store

TOKEN_PREFIX = "ffpat-"  # noqa: S105 - a prefix, not a secret


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Authenticator:
    """Maps ``Authorization: Bearer <token>`` to a portal id.

    Tokens are high-entropy, so looking a token up by its hash leaks nothing; the cached
    hash is still compared with ``hmac.compare_digest``. Hits are cached for ``ttl`` seconds
    (a revoked token stops working in other processes within that time).
    """

    def __init__(self, store: Store, ttl: float = 2.0) -> None:
        self._store = store
        self._ttl = ttl
        self._cache: dict[str, tuple[str, int, float]] = {}

    async def portal_for(self, authorization: str | None) -> int:
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("Authentication required: send 'Authorization: Bearer <token>'")
        portal_id = await self.portal_for_hash(hash_token(token))
        if portal_id is None:
            raise Unauthorized("The access token is not valid")
        return portal_id

    async def portal_for_hash(self, digest: str) -> int | None:
        """The portal of an active token's hash (the UI session keeps the hash), or None."""
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[2] > now and hmac.compare_digest(cached[0], digest):
            return cached[1]
        portal_id = await self._store.portal_for_token(digest)
        if portal_id is None:
            self._cache.pop(digest, None)
            return None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (digest, portal_id, now + self._ttl)
        return portal_id

    def forget(self) -> None:
        self._cache.clear()
