"""Host names as browsers put them in ``Origin`` and ``Host``: international names in
punycode, by UTS #46 without transitional mapping (``straße`` stays ``xn--strae-oqa``, as
current browsers write it; Python's own ``idna`` codec, IDNA 2003, would make it ``strasse``)."""

from __future__ import annotations

import idna


def ascii_host(name: str) -> str | None:
    """``name`` (lowercased) as browsers send it; None if it is no valid international
    name. ASCII names are returned as they are, for the callers' own rules."""
    if name.isascii():
        return name.lower()
    try:
        return idna.encode(name, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError:
        return None
