"""SQL for secrets, portals, tokens and event definitions, written once for every backend.

Like ``queries``: ``?`` placeholders, portable SQL, run on the writer's or a reader's
connection.
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from collector.errors import ClientError, Conflict, FieldError
from collector.model import TOKEN_ID_LENGTH, EventDefinition, PortalInfo, TokenInfo
from collector.properties import PropertyDef
from collector.storage.codec import definition_from_doc, definition_to_doc
from collector.storage.queries import Connection, now_ms


def secret(conn: Connection, name: str) -> bytes:
    key = f"secret:{name}"
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
                 (key, secrets.token_hex(32)))
    return bytes.fromhex(conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])


def insert_portal(conn: Connection, name: str, token_hash: str) -> int:
    portal_id: int = conn.execute("INSERT INTO portals (name, created_at) VALUES (?, ?) RETURNING id",
                                  (name, now_ms())).fetchone()[0]
    insert_token(conn, portal_id, token_hash, "default")
    return portal_id


def insert_first_portal(conn: Connection, name: str, token_hash: str) -> int | None:
    """Portal 1 of an empty database, once: of collectors starting together on it, the
    first to insert the ``first-portal`` marker creates it (the others wait on the marker's
    key until that commits, then find it taken) and the others create nothing."""
    if conn.execute("SELECT 1 FROM portals LIMIT 1").fetchone() is not None:
        return None
    won = conn.execute("INSERT INTO meta (key, value) VALUES ('first-portal', '') ON CONFLICT"
                       " DO NOTHING RETURNING key").fetchone()
    return insert_portal(conn, name, token_hash) if won is not None else None


def insert_token(conn: Connection, portal_id: int, token_hash: str, name: str) -> None:
    conn.execute("INSERT INTO tokens (token_hash, portal_id, name, created_at) VALUES (?, ?, ?, ?)",
                 (token_hash, portal_id, name, now_ms()))


def portal_for_token(conn: Connection, token_hash: str) -> int | None:
    row = conn.execute("SELECT portal_id FROM tokens WHERE token_hash = ? AND revoked_at IS NULL",
                       (token_hash,)).fetchone()
    return int(row[0]) if row else None


def portal_count(conn: Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM portals").fetchone()[0])


def list_portals(conn: Connection) -> list[PortalInfo]:
    rows = conn.execute("SELECT id, name, created_at FROM portals ORDER BY id").fetchall()
    return [PortalInfo(int(r[0]), r[1], int(r[2])) for r in rows]


def is_token_id(text: str) -> bool:
    return len(text) == TOKEN_ID_LENGTH and all(c in "0123456789abcdef" for c in text)


def list_tokens(conn: Connection, portal_id: int) -> list[TokenInfo]:
    rows = conn.execute("SELECT token_hash, name, created_at, revoked_at FROM tokens"
                        " WHERE portal_id = ? ORDER BY created_at, token_hash",
                        (portal_id,)).fetchall()
    return [TokenInfo(r[0][:TOKEN_ID_LENGTH], r[1], int(r[2]),
                      None if r[3] is None else int(r[3])) for r in rows]


def revoke_token(conn: Connection, portal_id: int, token_id: str) -> str:
    """Revoke by id: ``revoked``, ``unknown`` (no single active match: the id is a hash
    prefix) or ``last`` (the portal's only active token stays, or nobody could sign in).

    Touching the portal's row first serializes revocations of one portal (a row lock on
    PostgreSQL, the write lock on SQLite), so two at once cannot both pass the count."""
    conn.execute("UPDATE portals SET name = name WHERE id = ?", (portal_id,))
    rows = conn.execute("SELECT token_hash FROM tokens WHERE portal_id = ?"
                        f" AND substr(token_hash, 1, {TOKEN_ID_LENGTH}) = ?"
                        " AND revoked_at IS NULL", (portal_id, token_id)).fetchall()
    if len(rows) != 1:
        return "unknown"
    active = conn.execute("SELECT count(*) FROM tokens WHERE portal_id = ?"
                          " AND revoked_at IS NULL", (portal_id,)).fetchone()[0]
    if int(active) <= 1:
        return "last"
    conn.execute("UPDATE tokens SET revoked_at = ? WHERE portal_id = ? AND token_hash = ?",
                 (now_ms(), portal_id, rows[0][0]))
    return "revoked"


def load_definitions(conn: Connection, portal_id: int) -> list[EventDefinition]:
    rows = conn.execute("SELECT id, name, archived, body, version FROM event_definitions"
                        " WHERE portal_id = ? ORDER BY id", (portal_id,)).fetchall()
    return [definition_from_doc(portal_id, r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows]


def insert_definition(conn: Connection, d: EventDefinition, max_active: int) -> int:
    taken = conn.execute("SELECT archived FROM event_definitions WHERE portal_id = ? AND name = ?",
                         (d.portal_id, d.name)).fetchone()
    if taken:
        state = "an archived" if taken[0] else "an"
        # The name may have been derived from the label: say which name, and by what.
        why = ("an archived event (names are never reused)" if taken[0] else "another event")
        raise Conflict(f"{state.capitalize()} event definition named {d.name!r} exists",
                       (FieldError("name", f"{d.name!r} is already taken by {why}; choose"
                                   " another name", "CONFLICT"),))
    active = conn.execute("SELECT count(*) FROM event_definitions WHERE portal_id = ?"
                          " AND archived = 0", (d.portal_id,)).fetchone()[0]
    if active >= max_active:
        raise ClientError(f"A portal can have at most {max_active} event definitions",
                          (FieldError("name", f"limit of {max_active} reached", "LIMIT"),))
    new_id: int = conn.execute(
        "INSERT INTO event_definitions (portal_id, name, archived, body) VALUES (?, ?, 0, ?)"
        " RETURNING id", (d.portal_id, d.name, definition_to_doc(d))).fetchone()[0]
    return new_id


def save_definition(conn: Connection, d: EventDefinition) -> bool:
    """Store ``d`` if the row is still at ``d.version`` (and raise the version); False, with
    nothing written, when another writer saved the definition since ``d`` was read."""
    saved = conn.execute(
        "UPDATE event_definitions SET archived = ?, body = ?, version = version + 1"
        " WHERE portal_id = ? AND id = ? AND version = ?",
        (int(d.archived), definition_to_doc(d), d.portal_id, d.id, d.version))
    return bool(saved.rowcount == 1)


def add_properties(conn: Connection, read: EventDefinition, props: tuple[PropertyDef, ...],
                   max_properties: int) -> None:
    """Add ``props`` to the event ``read`` names, as stored now (another writer may have
    changed it since ``read``): a name taken meanwhile, or the per-event limit, refuses
    with nothing written; the version check makes a concurrent save refuse too."""
    row = conn.execute("SELECT id, name, archived, body, version FROM event_definitions"
                       " WHERE portal_id = ? AND id = ?", (read.portal_id, read.id)).fetchone()
    if row is None:
        raise Conflict(f"The event {read.name} is gone; nothing was imported")
    current = definition_from_doc(read.portal_id, row[0], row[1], bool(row[2]), row[3], row[4])
    names = {p.name.lower() for p in current.all_properties}
    if taken := [p.name for p in props if p.name.lower() in names]:
        raise Conflict(f"{current.name} got a property {taken[0]!r} while importing; nothing"
                       f" was imported: map the column to event.{taken[0]} and run it again",
                       (FieldError("mapping", f"{taken[0]!r} exists now", "CONFLICT"),))
    if len(current.custom_properties) + len(props) > max_properties:
        room = max_properties - len(current.custom_properties)
        raise ClientError(
            f"{current.name} has {len(current.custom_properties)} properties now and can take"
            f" {max(room, 0)} more (at most {max_properties}), not the {len(props)} of this"
            f" import ({', '.join(p.name for p in props)}); nothing was imported",
            (FieldError("mapping", f"at most {max(room, 0)} new properties", "LIMIT"),))
    changed = replace(current, custom_properties=(*current.custom_properties, *props),
                      updated_at=now_ms())
    if not save_definition(conn, changed):
        raise Conflict(f"The event {current.name} was changed while importing; nothing was"
                       " imported: run it again")


def check_importable(conn: Connection, portal_id: int, event_name: str) -> None:
    """The import's event, as stored at its commit, still takes completions: one archived
    (or deleted) while the file was checked refuses the import, as it refuses a send."""
    row = conn.execute("SELECT archived FROM event_definitions WHERE portal_id = ? AND name = ?",
                       (portal_id, event_name)).fetchone()
    if row is None or row[0]:
        raise Conflict(f"The event {event_name} was archived while importing; nothing was"
                       " imported: restore it and run the import again",
                       (FieldError("eventName", "archived", "ARCHIVED_EVENT"),))


def count_completions(conn: Connection, portal_id: int) -> int:
    return int(conn.execute("SELECT count(*) FROM completions WHERE portal_id = ?",
                            (portal_id,)).fetchone()[0])
