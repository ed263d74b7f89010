"""The one email rule of every path that takes an address (send, the CRM API, imports and
every lookup): what counts as one, and the form records keep and lookups compare."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\Z")


def normalize_email(text: str) -> str:
    """One address whatever its case; spaces around it are not part of it."""
    return text.strip().lower()


def valid_email(text: str) -> bool:
    """Whether ``text`` (normalized) is an address: one ``@``, no spaces, 254 at most."""
    return len(text) <= 254 and _EMAIL.match(text) is not None
