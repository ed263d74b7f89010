"""Which contact (or other object) each completion belongs to, decided inside the writer's
transaction: by object id, by a unique property, by email or by the visitor's token (utk),
creating anonymous contacts and tying a utk to the contact an ``identify`` names (which
merges the visitor's anonymous contact into it, see ``merges``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from collector.emails import normalize_email
from collector.errors import FieldError
from collector.model import NewCompletion
from collector.storage.merges import merge_contact, survivor
from collector.storage.queries import (
    OBJECT_ID,
    OBJECT_TYPE,
    Connection,
    Dialect,
    insert_object,
    now_ms,
    object_match,
)


@dataclass
class IdentityCache:
    """Writer-thread cache of rows that are committed and never deleted. An anonymous
    contact (no email) is never cached: the next identify, here or in another collector,
    may merge it away (only anonymous contacts are merged)."""

    emails: dict[tuple[int, str], int] = field(default_factory=dict)
    objects: set[tuple[int, str, int]] = field(default_factory=set)

    def clear_if_large(self, limit: int = 500_000) -> None:
        if len(self.emails) > limit or len(self.objects) > limit:
            self.emails.clear()
            self.objects.clear()


class Resolver:
    """Finds (or creates) the object of each completion inside the writer's transaction."""

    def __init__(self, conn: Connection, dialect: Dialect, cache: IdentityCache,
                 portal_id: int, buffered: dict[tuple[int, str], list[tuple[Any, ...]]],
                 before_merge: Callable[[], None] | None = None) -> None:
        self.conn, self.dialect, self.cache, self.portal_id = conn, dialect, cache, portal_id
        self.buffered = buffered  # this transaction's rows, inserted at the flush
        # Run before an identify moves an anonymous visitor's completions to a contact
        # (what was decided by contact so far stays decided: ``sessions``).
        self.before_merge = before_merge
        self.new_emails: dict[tuple[int, str], int] = {}
        self.seen_objects: set[tuple[int, str, int]] = set()
        self.anonymous: set[tuple[int, str, int]] = set()  # live in this request, not cached
        # merged-away contact -> the contact it went into (this request's merges, and those
        # of the objectIds it names)
        self.moved: dict[int, int] = {}
        # (object type, target property, value, event property) -> the object found, or
        # the email of the contact an earlier completion of this request makes: what a
        # later check of the same match takes without a query
        self.matched: dict[tuple[str, str, str, str], int] = {}
        self.promised: dict[tuple[str, str, str, str], str] = {}
        # What each completion's check decided (by ``id``), which ``resolve`` follows: a
        # completion checked before a promise was made, or before another collector
        # committed the object (PostgreSQL reads each statement's committed rows), keeps
        # its own identifiers, as the earlier completions counting on its email expect
        self._found: dict[int, int] = {}
        self._promised_to: dict[int, str] = {}
        self._earlier_emails: set[str] = set()  # by completions[:_scanned]
        self._scanned = 0

    def publish(self) -> None:
        """After commit: what this transaction created or confirmed is safe to cache."""
        self.cache.clear_if_large()
        self.cache.emails.update(self.new_emails)
        self.cache.objects.update(self.seen_objects)

    def check(self, completions: list[NewCompletion]) -> list[FieldError]:
        """Reads only: is the object each completion names there? Taken in order, as if
        sent one by one: a match may name the contact an earlier one creates by its email."""
        # (one sent by email or utk alone is not looked at: the hot path)
        return [error for i, c in enumerate(completions)
                if (c.match is not None or c.object_id is not None)
                and (error := self._check(c, completions, i)) is not None]

    def _check(self, c: NewCompletion, completions: list[NewCompletion],
               i: int) -> FieldError | None:
        """A customMatchingId's match decides; the identifiers sent stand in when nothing
        matches."""
        if c.match is not None:
            target, value, event_property = c.match
            key = (c.object_type, *c.match)
            email = self.promised.get(key)
            if email is not None:
                self._promised_to[id(c)] = email
                return None
            found = self.matched.get(key) or self._match(c.object_type, target, value)
            if found is not None:
                self.matched[key] = self._found[id(c)] = found
                return None
            if (email := self._made_earlier(c.object_type, target, value, completions, i)):
                self.promised[key] = self._promised_to[id(c)] = email
                return None
            if c.object_id is None and c.email is None and c.utk is None:
                return FieldError(f"{c.where}properties.{event_property}",
                                  f"no {c.object_type.lower()} has {target} = {value!r}",
                                  "NOT_FOUND")
        if c.object_id is not None and not self._exists(c.object_type, c.object_id):
            return FieldError(f"{c.where}objectId", f"no {c.object_type.lower()} with id"
                              f" {c.object_id}", "NOT_FOUND")
        return None

    def _exists(self, object_type: str, object_id: int) -> bool:
        """Is the object there, or (a contact) merged into one that is? The merge table is
        read only for an id that is not a live object."""
        key = (self.portal_id, object_type, object_id)
        if key in self.cache.objects or key in self.seen_objects or key in self.anonymous:
            return True
        # A contact is held like the one a utk names (``_visitor``): a merge deleting it
        # waits for this transaction, or this read for the merge (and then finds the merge)
        keep = self.dialect.keep_rows if object_type == "CONTACT" else ""
        row = self.conn.execute(
            f"SELECT email FROM objects WHERE portal_id = ? AND object_type = ? AND id = ?{keep}",
            (self.portal_id, object_type, object_id)).fetchone()
        if row is not None:
            if object_type == "CONTACT" and row[0] is None:
                self.anonymous.add(key)
            else:
                self.seen_objects.add(key)
            return True
        if object_type != "CONTACT":
            return False
        into = survivor(self.conn, self.portal_id, object_id)
        if into is not None:
            self.moved[object_id] = into
        return into is not None

    def _made_earlier(self, object_type: str, target: str, value: str,
                      completions: list[NewCompletion], i: int) -> str | None:
        """The email ``value`` names when one of ``completions[:i]`` is stored by that email
        (``resolve``'s order: a match, then objectId, then email), so that its contact is
        there, made or found, once ``completions[i]`` is resolved. Only a send by email makes
        a contact a match can find (one by utk has no properties). Each completion is looked
        at once, however many matches miss."""
        if object_type != "CONTACT" or target != "email":
            return None
        for earlier in completions[self._scanned:i]:
            if (earlier.email is not None and earlier.object_id is None
                    and not self._decided_by_match(earlier)):
                self._earlier_emails.add(earlier.email)
        self._scanned = i
        email = normalize_email(value)
        return email if email in self._earlier_emails else None

    def _decided_by_match(self, c: NewCompletion) -> bool:
        """Is ``c`` (checked already) stored on the object its match names?"""
        return id(c) in self._found or id(c) in self._promised_to

    def resolve(self, c: NewCompletion) -> int:
        """The object id, creating the contact (and tying the utk) where needed."""
        if c.match is not None:
            if (found := self._found.get(id(c))) is not None:
                return found
            if (email := self._promised_to.get(id(c))) is not None:
                # the earlier completion has made it by now (finding it is all this does)
                return self._contact_for_email(email, None)
        if c.object_id is not None:
            return self._surviving(c.object_id) if c.object_type == "CONTACT" else c.object_id
        if c.email is not None:
            contact = self._contact_for_email(c.email, c.utk)
            if c.utk is not None:
                self._tie(c.utk, contact)
            return contact
        assert c.utk is not None, "validation guarantees an identifier"
        return self._contact_for_utk(c.utk)

    def _surviving(self, contact: int) -> int:
        while contact in self.moved:
            contact = self.moved[contact]
        return contact

    def _match(self, object_type: str, prop: str, value: str) -> int | None:
        where, value = object_match(self.dialect, object_type, prop, value)
        row = self.conn.execute(
            f"SELECT id FROM objects WHERE portal_id = ? AND object_type = ? AND {where}"
            " ORDER BY id LIMIT 1", (self.portal_id, object_type, value)).fetchone()
        return row[0] if row else None

    def _email_contact(self, email: str) -> int | None:
        key = (self.portal_id, email)
        cached = self.cache.emails.get(key) or self.new_emails.get(key)
        if cached:
            return cached
        row = self.conn.execute("SELECT id FROM objects WHERE portal_id = ? AND email = ?",
                                (self.portal_id, email)).fetchone()
        if row:
            self.new_emails[key] = row[0]
        return row[0] if row else None

    def _contact_for_email(self, email: str, utk: str | None) -> int:
        found = self._email_contact(email)
        if found is not None:
            return found
        anonymous = self._visitor(utk) if utk else None
        # The visitor identifies for the first time: the anonymous contact becomes theirs,
        # unless another collector gave it an email meanwhile (then it is someone else's).
        if anonymous is not None and self.conn.execute(
                "UPDATE objects SET email = ?, properties = ?, updated_at = ? WHERE portal_id = ?"
                " AND id = ? AND email IS NULL RETURNING id",
                (email, json.dumps({"email": email}), now_ms(), self.portal_id,
                 anonymous)).fetchone() is not None:
            contact = anonymous
        else:
            contact = self._insert_email_contact(email)
        self.new_emails[(self.portal_id, email)] = contact
        self.seen_objects.add((self.portal_id, "CONTACT", contact))
        return contact

    def _insert_email_contact(self, email: str) -> int:
        """Race-free: another collector may create the same contact at the same moment."""
        now = now_ms()
        row = self.conn.execute(
            "INSERT INTO objects (portal_id, object_type, email, properties, created_at, updated_at)"
            " VALUES (?, 'CONTACT', ?, ?, ?, ?) ON CONFLICT (portal_id, email)"
            " WHERE email IS NOT NULL DO NOTHING RETURNING id",
            (self.portal_id, email, json.dumps({"email": email}), now, now)).fetchone()
        if row is None:  # the other collector's contact committed first
            row = self.conn.execute("SELECT id FROM objects WHERE portal_id = ? AND email = ?",
                                    (self.portal_id, email)).fetchone()
        contact: int = row[0]
        return contact

    def _contact_for_utk(self, utk: str) -> int:
        contact = self._visitor(utk)
        if contact is not None:
            return contact
        made = insert_object(self.conn, self.portal_id, "CONTACT", {}).id
        if self.conn.execute("INSERT INTO visitors (portal_id, utk, contact_id) VALUES (?, ?, ?)"
                             " ON CONFLICT (portal_id, utk) DO NOTHING RETURNING contact_id",
                             (self.portal_id, utk, made)).fetchone() is not None:
            return made
        # The utk has a contact after all: another collector tied it first, or (PostgreSQL)
        # the contact it named was merged away while ``_visitor`` waited for the merge to
        # commit, and the row names the survivor now. The contact just made stays empty: it
        # goes (no one else has seen it), and the row is read again by a new statement,
        # which sees what the other writers committed. A row names an anonymous contact
        # only as first inserted; once that contact is merged away it names contacts with
        # an email, which are never merged or deleted: the second read finds its contact.
        self.conn.execute("DELETE FROM objects WHERE portal_id = ? AND id = ?",
                          (self.portal_id, made))
        for _ in range(2):
            if (contact := self._visitor(utk)) is not None:
                return contact
        raise RuntimeError(f"visitor {utk!r}: its contact keeps being merged away")

    def _visitor(self, utk: str, lock: str = "") -> int | None:
        """The contact the utk names. On PostgreSQL the contact's row is held (``keep_rows``)
        until this transaction commits: a merge deleting it (another writer's identify)
        waits, and then moves the completions stored on it here; one that deleted it first
        makes this read wait for its commit and then skip the row, so that the utk reads as
        unknown (``_contact_for_utk`` reads it again)."""
        if not self.dialect.keep_rows:  # SQLite: one write transaction at a time
            row = self.conn.execute(
                "SELECT contact_id FROM visitors WHERE portal_id = ? AND utk = ?",
                (self.portal_id, utk)).fetchone()
        else:  # the contact's row alone: locking the visitor's too would buy nothing and
            # write to its page (visitors' rows are never deleted, their key never changes)
            row = self.conn.execute(
                "SELECT v.contact_id FROM visitors v JOIN objects o ON o.portal_id = v.portal_id"
                f" AND o.id = v.contact_id WHERE v.portal_id = ? AND v.utk = ?"
                f"{lock or self.dialect.keep_rows} OF o", (self.portal_id, utk)).fetchone()
        return row[0] if row else None

    def _is_anonymous(self, contact: int) -> bool:
        row = self.conn.execute("SELECT email FROM objects WHERE portal_id = ? AND id = ?",
                                (self.portal_id, contact)).fetchone()
        return row is not None and row[0] is None

    def _tie(self, utk: str, contact: int) -> None:
        """Identify: the utk belongs to ``contact`` from now on; its anonymous past moves too.

        The rows are locked FOR NO KEY UPDATE, not merely kept (``keep_rows``): two writers
        identifying the same visitor would each hold a share lock on the anonymous contact,
        and each merge's DELETE would wait for the other (a deadlock). Taken this way the
        second waits here, then finds the contact gone and the utk tied to the survivor.
        Hits by utk (``keep_rows``) do not wait for this lock."""
        current = self._visitor(utk, self.dialect.lock_rows)
        if current == contact:
            return
        if current is None:
            self.conn.execute("INSERT INTO visitors (portal_id, utk, contact_id) VALUES (?, ?, ?)"
                              " ON CONFLICT (portal_id, utk) DO UPDATE SET contact_id ="
                              " excluded.contact_id", (self.portal_id, utk, contact))
            return
        if self._is_anonymous(current):
            if self.before_merge is not None:
                self.before_merge()
            if merge_contact(self.conn, self.portal_id, current, contact):
                self._move_buffered(current, contact)
                self.moved[current] = contact
                self.anonymous.discard((self.portal_id, "CONTACT", current))
                return
        # A shared device (or a contact another writer gave an email since it was read as
        # anonymous): earlier completions stay with the earlier contact.
        self.conn.execute("UPDATE visitors SET contact_id = ? WHERE portal_id = ? AND utk = ?",
                          (contact, self.portal_id, utk))

    def _move_buffered(self, old: int, new: int) -> None:
        """The anonymous past not inserted yet (earlier in this group) moves too."""
        for (portal_id, _), rows in self.buffered.items():
            if portal_id == self.portal_id:
                rows[:] = [(*row[:OBJECT_ID], new, *row[OBJECT_ID + 1:])
                           if row[OBJECT_ID] == old and row[OBJECT_TYPE] == "CONTACT" else row
                           for row in rows]
