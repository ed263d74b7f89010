"""Contacts merged away. An identify that ties an anonymous visitor to an existing contact
merges the visitor's contact into it; the merge is recorded (``contact_merges``) so that the
old id keeps resolving to the surviving contact, as on HubSpot, where the survivor lists the
ids merged into it in ``hs_merged_object_ids``."""

from __future__ import annotations

import dataclasses

from collector.model import CompletionQuery, CrmObject, StoredCompletion
from collector.storage import queries
from collector.storage.queries import Connection, Dialect, now_ms


def merge_contact(conn: Connection, portal_id: int, merged: int, into: int) -> bool:
    """Move contact ``merged``'s completions and visitor tokens to ``into``, record the merge
    and delete ``merged``'s row; False (nothing done) when ``merged`` is no longer an
    anonymous contact.

    The row is deleted rather than kept: a kept row would have to be left out of every read
    that finds or lists contacts (by id, by property, recently active, the id search) and
    would look live to the checks that decide where a send by ``objectId`` goes. Deleted,
    nothing can find it by mistake, and ``contact_merges`` is the one place that knows the
    old id. Merges of merges stay one step: whatever was merged into ``merged`` now points
    to ``into``. A concurrent merge of the same contact (another collector) keeps the first.

    The delete comes first: it locks the row, and on PostgreSQL it waits for a writer that
    is giving the contact an email (``Resolver._contact_for_email``) and then, re-reading
    the row, leaves it alone; the completions are moved only once the row is ours.
    """
    if conn.execute("DELETE FROM objects WHERE portal_id = ? AND object_type = 'CONTACT'"
                    " AND id = ? AND email IS NULL RETURNING id",
                    (portal_id, merged)).fetchone() is None:
        return False
    conn.execute("UPDATE completions SET object_id = ? WHERE portal_id = ?"
                 " AND object_type = 'CONTACT' AND object_id = ?", (into, portal_id, merged))
    conn.execute("UPDATE visitors SET contact_id = ? WHERE portal_id = ? AND contact_id = ?",
                 (into, portal_id, merged))
    conn.execute("UPDATE contact_merges SET into_id = ? WHERE portal_id = ? AND into_id = ?",
                 (into, portal_id, merged))
    conn.execute("INSERT INTO contact_merges (portal_id, merged_id, into_id, merged_at)"
                 " VALUES (?, ?, ?, ?) ON CONFLICT (portal_id, merged_id) DO NOTHING",
                 (portal_id, merged, into, now_ms()))
    return True


def survivor(conn: Connection, portal_id: int, contact_id: int) -> int | None:
    """The live contact ``contact_id`` was merged into, or None if it never was."""
    row = conn.execute("SELECT into_id FROM contact_merges WHERE portal_id = ?"
                       " AND merged_id = ?", (portal_id, contact_id)).fetchone()
    return int(row[0]) if row else None


def merged_ids(conn: Connection, portal_id: int, contact_id: int) -> list[int]:
    """The ids merged into the live contact ``contact_id``, in the order they were merged."""
    return [int(r[0]) for r in conn.execute(
        "SELECT merged_id FROM contact_merges WHERE portal_id = ? AND into_id = ?"
        " ORDER BY merged_at, merged_id", (portal_id, contact_id)).fetchall()]


def query_completions(conn: Connection, dialect: Dialect, portal_id: int,
                      query: CompletionQuery) -> list[StoredCompletion]:
    """The completions ``query`` finds, where a merged-away contact id reads as the contact
    it was merged into (as the CRM read and the timeline answer). The merge is looked up
    only when nothing is found: a merged-away id has no completions of its own (the merge
    moved them), and a live contact's id is never a merged one (ids are never given twice:
    PostgreSQL's identity column, SQLite's AUTOINCREMENT)."""
    found = queries.query_completions(conn, dialect, portal_id, query)
    if found or query.object_type != "CONTACT" or query.object_id is None:
        return found
    into = survivor(conn, portal_id, query.object_id)
    if into is None:
        return found
    return queries.query_completions(conn, dialect, portal_id,
                                     dataclasses.replace(query, object_id=into))


def get_object(conn: Connection, portal_id: int, object_type: str,
               object_id: int) -> CrmObject | None:
    """The record, where a merged-away contact id reads as the contact it was merged into
    (HubSpot's read by an old id answers with the surviving record and its own id)."""
    found = queries.get_object(conn, portal_id, object_type, object_id)
    if found is None and object_type == "CONTACT":
        into = survivor(conn, portal_id, object_id)
        found = queries.get_object(conn, portal_id, object_type, into) if into else None
    return with_merged_ids(conn, found)


def with_merged_ids(conn: Connection, found: CrmObject | None) -> CrmObject | None:
    """A contact with ``hs_merged_object_ids`` (HubSpot's format: ids joined by ';') when
    others were merged into it."""
    if found is None or found.object_type != "CONTACT":
        return found
    ids = merged_ids(conn, found.portal_id, found.id)
    if not ids:
        return found
    return dataclasses.replace(found, properties={
        **found.properties, "hs_merged_object_ids": ";".join(map(str, ids))})
