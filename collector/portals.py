"""Portal bootstrap used by the CLI: create a portal with its first token."""

from __future__ import annotations

from dataclasses import dataclass

from collector.auth import hash_token, new_token
from collector.storage import Store


@dataclass(frozen=True, slots=True)
class NewPortal:
    portal_id: int
    token: str


async def create_portal(store: Store, name: str) -> NewPortal:
    """A new portal and its token; only the token's hash is stored, so show it once."""
    token = new_token()
    portal_id = await store.create_portal(name, hash_token(token))
    return NewPortal(portal_id, token)


async def ensure_first_portal(store: Store) -> NewPortal | None:
    """On an empty database, create portal 1 and return it; otherwise None (also when
    another collector starting at the same moment created it)."""
    if await store.portal_count():
        return None
    token = new_token()
    portal_id = await store.create_first_portal("Default portal", hash_token(token))
    return None if portal_id is None else NewPortal(portal_id, token)
