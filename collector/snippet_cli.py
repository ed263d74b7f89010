"""What ``footfall snippet`` prints, as a plain function the CLI forwards to."""

from __future__ import annotations

import click

from collector.completions import resolve_event_name
from collector.storage import Store
from snippets import render


async def snippet_text(store: Store, portal_id: int, event_name: str) -> str:
    name = resolve_event_name(event_name, portal_id)
    definitions = {d.name: d for d in await store.load_definitions(portal_id)}
    definition = definitions.get(name) if name is not None else None
    if definition is None and not any(p.id == portal_id for p in await store.list_portals()):
        raise click.ClickException(f"There is no portal {portal_id} in this database.")
    if definition is None:
        known = ", ".join(sorted(d.fully_qualified_name for d in definitions.values())) or "none"
        raise click.ClickException(
            f"Portal {portal_id} has no event {event_name!r} (its events: {known}).")
    text = render.event_snippet(definition)
    saved = definition.tracking.get("code")
    if saved:
        text += "\n// Saved code for this event (part of the tracking script):\n" + saved + "\n"
    return text
