"""Opaque, tamper-proof paging cursors: a position signed with the deployment's secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json


class CursorCodec:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:16]

    def encode(self, portal_id: int, occurred_at: int, seq: int, descending: bool) -> str:
        payload = json.dumps([1, portal_id, occurred_at, seq, descending]).encode()
        return _b64(payload) + "." + _b64(self._sign(payload))

    def decode(self, token: str, portal_id: int, descending: bool) -> tuple[int, int]:
        """The (occurredAt, seq) position; ValueError with a reason if the cursor is bad."""
        try:
            body, _, signature = token.partition(".")
            payload = _unb64(body)
            valid = hmac.compare_digest(self._sign(payload), _unb64(signature))
        except ValueError:
            raise ValueError("is not a cursor returned by this API") from None
        if not valid:
            raise ValueError("is not a cursor returned by this API (signature mismatch)")
        version, owner, occurred_at, seq, was_descending = json.loads(payload)
        if version != 1 or owner != portal_id:
            raise ValueError("is not a cursor returned by this API for this portal")
        if was_descending != descending:
            raise ValueError("was issued for the other sort order")
        return int(occurred_at), int(seq)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if not text or len(text) > 400:
        raise ValueError("bad length")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("bad base64") from exc
