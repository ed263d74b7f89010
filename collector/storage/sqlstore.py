"""The ``Store`` methods shared by the SQL backends, in terms of two verbs a backend supplies.

A backend gives ``_read(fn)`` (run ``fn(conn)`` on a reader thread's connection) and
``_submit(job, weight, savepoint)`` (run ``job(tx)`` inside the group-commit writer's
transaction), plus its
``Dialect``. Everything else — which SQL runs where, which text may be stored — is here,
once, so the backends cannot drift apart.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from collector.analytics.model import (
    Breakdown,
    ContactSummary,
    EventDay,
    EventTotals,
    Scope,
    WindowCounts,
)
from collector.model import (
    CompletionQuery,
    CrmObject,
    EventDefinition,
    FailedHit,
    NewCompletion,
    PortalInfo,
    StoredCompletion,
    TokenInfo,
)
from collector.properties import PropertyDef
from collector.storage import (
    analytics,
    autotrack,
    contacts,
    guard,
    imports,
    merges,
    queries,
    records,
    tracking,
)
from collector.storage.base import Store
from collector.storage.identity import IdentityCache
from collector.storage.ingest_sql import store_completions
from collector.storage.tx import Tx

T = TypeVar("T")


class SqlStore(Store):
    dialect: queries.Dialect

    def __init__(self) -> None:
        self._cache = IdentityCache()

    @abstractmethod
    async def _read(self, fn: Callable[[Any], T], *, ping: bool = False) -> T:
        """Run ``fn(conn)`` on a reader thread's connection; ``ping``: on the one thread kept
        for health checks, so busy readers (long analytics queries) never fail /healthz."""

    @abstractmethod
    async def _submit(self, job: Callable[[Tx[Any]], T], weight: int, savepoint: bool) -> T:
        """Run ``job(tx)`` in the group-commit writer; its result once committed."""

    async def _write(self, fn: Callable[[Any], T]) -> T:
        """Run ``fn(conn)`` in the writer, inside its own savepoint."""
        return await self._submit(lambda tx: fn(tx.conn), 1, True)

    # -- secrets, portals, tokens ---------------------------------------------------------

    async def secret(self, name: str) -> bytes:
        return await self._write(lambda conn: records.secret(conn, name))

    async def create_portal(self, name: str, token_hash: str) -> int:
        guard.check([("name", name)])
        return await self._write(lambda conn: records.insert_portal(conn, name, token_hash))

    async def create_first_portal(self, name: str, token_hash: str) -> int | None:
        guard.check([("name", name)])
        return await self._write(lambda conn: records.insert_first_portal(conn, name, token_hash))

    async def add_token(self, portal_id: int, token_hash: str, name: str) -> None:
        guard.check([("name", name)])
        await self._write(lambda conn: records.insert_token(conn, portal_id, token_hash, name))

    async def portal_for_token(self, token_hash: str) -> int | None:
        if guard.problem(token_hash):
            return None
        return await self._read(lambda conn: records.portal_for_token(conn, token_hash))

    async def portal_count(self) -> int:
        return await self._read(records.portal_count)

    async def list_portals(self) -> list[PortalInfo]:
        return await self._read(records.list_portals)

    async def list_tokens(self, portal_id: int) -> list[TokenInfo]:
        return await self._read(lambda conn: records.list_tokens(conn, portal_id))

    async def revoke_token(self, portal_id: int, token_id: str) -> str:
        if not records.is_token_id(token_id):
            return "unknown"
        return await self._write(lambda conn: records.revoke_token(conn, portal_id, token_id))

    # -- definitions ----------------------------------------------------------------------

    async def load_definitions(self, portal_id: int) -> list[EventDefinition]:
        return await self._read(lambda conn: records.load_definitions(conn, portal_id))

    async def insert_definition(self, definition: EventDefinition, max_active: int) -> int:
        _check_definition(definition)
        return await self._write(lambda conn: records.insert_definition(conn, definition, max_active))

    async def save_definition(self, definition: EventDefinition) -> bool:
        _check_definition(definition)
        return await self._write(lambda conn: records.save_definition(conn, definition))

    # -- objects --------------------------------------------------------------------------

    async def create_object(self, portal_id: int, object_type: str,
                            properties: dict[str, str]) -> CrmObject:
        guard.check(guard.mapping_fields("properties.", properties))
        return await self._write(
            lambda conn: queries.insert_object(conn, portal_id, object_type, properties))

    async def get_object(self, portal_id: int, object_type: str, object_id: int) -> CrmObject | None:
        return await self._read(
            lambda conn: merges.get_object(conn, portal_id, object_type, object_id))

    async def find_object(self, portal_id: int, object_type: str, prop: str,
                          value: str) -> CrmObject | None:
        if guard.problem(value):
            return None
        return await self._read(lambda conn: merges.with_merged_ids(conn, queries.find_object(
            conn, self.dialect, portal_id, object_type, prop, value)))

    # -- completions ----------------------------------------------------------------------

    async def append_completions(self, portal_id: int, completions: list[NewCompletion],
                                 monthly_quota: int) -> int:
        if not completions:
            return 0
        guard.check_completions(completions)
        return await self._ingest("completions", portal_id, (completions, monthly_quota),
                                  len(completions))

    async def _ingest(self, kind: str, portal_id: int, args: tuple[Any, ...], weight: int) -> int:
        """Run an ingest job (``store_completions`` or ``record_hits``) in a group commit.

        No savepoint: both raise only before they write or buffer anything.
        """
        run = store_completions if kind == "completions" else tracking.record_hits
        return await self._submit(
            lambda tx: run(tx, self.dialect, self._cache, portal_id, *args), weight, False)

    async def query_completions(self, portal_id: int,
                                query: CompletionQuery) -> list[StoredCompletion]:
        storable = guard.storable(query)
        if storable is None:
            return []
        return await self._read(
            lambda conn: merges.query_completions(conn, self.dialect, portal_id, storable))

    async def ping(self) -> None:
        # A table's page, not a constant: SQLite answers SELECT 1 without the file.
        await self._read(lambda conn: conn.execute("SELECT 1 FROM meta LIMIT 1").fetchone(),
                         ping=True)

    async def count_completions(self, portal_id: int) -> int:
        return await self._read(lambda conn: records.count_completions(conn, portal_id))

    # -- JS tracking ----------------------------------------------------------------------

    async def load_tracking_settings(self, portal_id: int) -> dict[str, Any] | None:
        return await self._read(lambda conn: tracking.load_settings(conn, portal_id))

    async def change_tracking_settings(
            self, portal_id: int,
            change: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        return await self._write(
            lambda conn: tracking.change_settings(conn, self.dialect, portal_id, change))

    async def record_js_hits(self, portal_id: int, completions: list[NewCompletion],
                             failed: list[FailedHit], counters: dict[str, int],
                             monthly_quota: int) -> int:
        guard.check_completions(completions)
        return await self._ingest("hits", portal_id, (completions, failed, counters, monthly_quota),
                                  max(1, len(completions)))

    async def list_failed_events(self, portal_id: int, limit: int,
                                 before: int | None = None) -> list[dict[str, Any]]:
        return await self._read(lambda conn: tracking.list_failed(conn, portal_id, limit, before))

    async def tracking_counters(self, portal_id: int) -> dict[str, int]:
        return await self._read(lambda conn: tracking.load_counters(conn, portal_id))


    # -- selector health ------------------------------------------------------------------

    async def record_selector_misses(self, portal_id: int, event_names: list[str], url: str,
                                     now: int) -> None:
        guard.check([("url", url), *(("eventName", n) for n in event_names)])
        await self._write(
            lambda conn: autotrack.record_misses(conn, portal_id, event_names, url, now))

    async def selector_misses(self, portal_id: int) -> dict[str, list[dict[str, Any]]]:
        return await self._read(lambda conn: autotrack.load_misses(conn, portal_id))

    async def event_fires(self, portal_id: int,
                          event_names: list[str]) -> dict[str, tuple[int, int]]:
        return await self._read(lambda conn: autotrack.load_fires(conn, portal_id, event_names))

    # -- spreadsheet imports --------------------------------------------------------------

    async def start_import(self, portal_id: int, job_id: str, body: dict[str, Any],
                           stale_after_ms: int) -> None:
        stale_before = queries.now_ms() - stale_after_ms
        await self._write(lambda conn: imports.start(conn, portal_id, job_id, body, stale_before))

    async def stage_import(self, portal_id: int, job_id: str, rows: list[tuple[Any, ...]],
                           contacts: dict[str, dict[str, str]], body: dict[str, Any]) -> None:
        if guard.problem("".join([r[2] for r in rows])) is not None:  # one scan when all is well
            guard.check([(f"row {r[0]}.email", str(r[2])) for r in rows])
        await self._submit(lambda tx: imports.stage(tx.conn, portal_id, job_id, rows, contacts,
                                                    body), max(1, len(rows)), False)

    async def commit_import(self, portal_id: int, job_id: str, event_name: str,
                            received_at: int, monthly_quota: int, body: dict[str, Any],
                            new_event: tuple[EventDefinition, int] | None = None,
                            new_properties: tuple[EventDefinition, tuple[PropertyDef, ...], int]
                            | None = None) -> dict[str, int]:
        if new_event is not None:
            _check_definition(new_event[0])
        if new_properties is not None:
            _check_definition(replace(new_properties[0], custom_properties=new_properties[1]))

        def commit(conn: Any) -> dict[str, int]:
            if new_event is not None:
                new_id = records.insert_definition(conn, *new_event)
                body["createdEvent"] = {**body["createdEvent"], "id": str(new_id)}
            if new_properties is not None:
                records.add_properties(conn, *new_properties)
            if new_event is None:
                records.check_importable(conn, portal_id, event_name)
            return imports.commit(conn, portal_id, job_id, event_name, received_at,
                                  monthly_quota, body)

        return await self._write(commit)

    async def end_import(self, portal_id: int, job_id: str, state: str,
                         body: dict[str, Any] | None) -> None:
        await self._write(lambda conn: imports.finish(conn, portal_id, job_id, state, body))

    async def load_import(self, portal_id: int, job_id: str) -> dict[str, Any] | None:
        return await self._read(lambda conn: imports.load(conn, portal_id, job_id))

    # -- analytics ------------------------------------------------------------------------

    async def event_totals(self, portal_id: int, first_day: int,
                           last_day: int) -> list[EventTotals]:
        return await self._read(
            lambda conn: analytics.event_totals(conn, portal_id, first_day, last_day))

    async def event_days(self, portal_id: int, event_name: str, first_day: int,
                         last_day: int) -> list[EventDay]:
        return await self._read(
            lambda conn: analytics.event_days(conn, portal_id, event_name, first_day, last_day))

    async def unique_records(self, portal_id: int, event_name: str, start_ms: int,
                             end_ms: int) -> int:
        return await self._read(lambda conn: analytics.unique_records(
            conn, portal_id, event_name, start_ms, end_ms))

    async def window_start(self, portal_id: int, scope: Scope) -> int | None:
        return await self._read(lambda conn: analytics.window_start(conn, portal_id, scope))

    async def window_counts(self, portal_id: int, scope: Scope) -> WindowCounts:
        if _unmatchable(scope):
            return WindowCounts({}, 0)
        return await self._read(
            lambda conn: analytics.window_counts(conn, self.dialect, portal_id, scope))

    async def breakdown(self, portal_id: int, scope: Scope, prop: str, top: int) -> Breakdown:
        if _unmatchable(scope):
            return Breakdown(prop, (), 0, 0)
        return await self._read(
            lambda conn: analytics.breakdown(conn, self.dialect, portal_id, scope, prop, top))

    async def latest_completions(self, portal_id: int, scope: Scope, limit: int,
                                 before: tuple[int, int] | None = None) -> list[StoredCompletion]:
        if _unmatchable(scope):
            return []
        return await self._read(lambda conn: analytics.latest(
            conn, self.dialect, portal_id, scope, limit, before))

    async def failed_counts(self, portal_id: int, since_ms: int,
                            until_ms: int) -> dict[str, int]:
        return await self._read(
            lambda conn: analytics.failed_counts(conn, portal_id, since_ms, until_ms))

    async def find_contacts(self, portal_id: int, text: str | None,
                            limit: int) -> list[ContactSummary]:
        if not text or not text.strip():
            return await self._read(lambda conn: contacts.recent(conn, portal_id, limit))
        if guard.problem(text):
            return []
        return await self._read(
            lambda conn: contacts.search(conn, self.dialect, portal_id, text, limit))

    async def contact(self, portal_id: int, contact_id: int) -> ContactSummary | None:
        return await self._read(lambda conn: contacts.one(conn, portal_id, contact_id))


def _unmatchable(scope: Scope) -> bool:
    """A filter value with text no backend stores matches nothing (see ``guard``)."""
    return any(guard.problem(value) for _, value in scope.filters)


def _check_definition(d: EventDefinition) -> None:
    fields: list[tuple[str, str | None]] = [("label", d.label), ("description", d.description)]
    for p in d.custom_properties:
        fields += [(f"properties.{p.name}.label", p.label),
                   (f"properties.{p.name}.description", p.description)]
        for o in p.options:
            fields += [(f"properties.{p.name}.options.label", o.label),
                       (f"properties.{p.name}.options.value", o.value)]
    guard.check(fields)
