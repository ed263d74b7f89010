"""The storage interface every backend implements (SQLite and PostgreSQL).

Methods are coroutines: reads run on a backend's reader threads and writes go through the
group-commit writer, so the event loop never waits on disk. Every method takes the portal
id first and never touches another portal's rows.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

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


class Store(ABC):
    @abstractmethod
    async def open(self) -> None:
        """Connect, apply pending migrations and start the writer."""

    @abstractmethod
    async def close(self) -> None:
        """Finish queued writes and release every connection."""

    async def warm_up(self) -> None:  # noqa: B027 - most backends have nothing to start ahead
        """Start now what the first write would otherwise wait for. Server processes call
        it; a command or a test that writes little does not pay for it."""

    @abstractmethod
    async def ping(self) -> None:
        """Return once the database answers a trivial read; raise StoreUnavailable if not."""

    # Deployment-wide secrets (cursor signing) shared by every collector process.
    @abstractmethod
    async def secret(self, name: str) -> bytes: ...

    # Portals and tokens (tokens arrive already hashed).
    @abstractmethod
    async def create_portal(self, name: str, token_hash: str) -> int: ...

    @abstractmethod
    async def create_first_portal(self, name: str, token_hash: str) -> int | None:
        """Create a portal if the database has none yet (atomically: of collectors starting
        together on an empty database, one creates it); its id, or None."""

    @abstractmethod
    async def add_token(self, portal_id: int, token_hash: str, name: str) -> None: ...

    @abstractmethod
    async def portal_for_token(self, token_hash: str) -> int | None: ...

    @abstractmethod
    async def portal_count(self) -> int: ...

    @abstractmethod
    async def list_portals(self) -> list[PortalInfo]:
        """Every portal, by id (the administrator's portal picker)."""

    @abstractmethod
    async def list_tokens(self, portal_id: int) -> list[TokenInfo]:
        """The portal's tokens, active and revoked, oldest first."""

    @abstractmethod
    async def revoke_token(self, portal_id: int, token_id: str) -> str:
        """Revoke the portal's active token whose id (``TokenInfo.id``) is ``token_id``:
        ``revoked``, ``unknown`` (no such active token) or ``last`` (it is the portal's only
        active token, which is kept)."""

    # Event definitions.
    @abstractmethod
    async def load_definitions(self, portal_id: int) -> list[EventDefinition]:
        """Every definition of the portal, archived ones included."""

    @abstractmethod
    async def insert_definition(self, definition: EventDefinition, max_active: int) -> int:
        """Store a new definition and return its id; Conflict on a taken name."""

    @abstractmethod
    async def save_definition(self, definition: EventDefinition) -> bool:
        """Store a changed definition if nobody saved it since it was read (its ``version``);
        False, with nothing written, otherwise."""

    # CRM objects.
    @abstractmethod
    async def create_object(self, portal_id: int, object_type: str,
                            properties: dict[str, str]) -> CrmObject: ...

    @abstractmethod
    async def get_object(self, portal_id: int, object_type: str, object_id: int) -> CrmObject | None:
        ...

    @abstractmethod
    async def find_object(self, portal_id: int, object_type: str, prop: str,
                          value: str) -> CrmObject | None: ...

    # Completions.
    @abstractmethod
    async def append_completions(self, portal_id: int, completions: list[NewCompletion],
                                 monthly_quota: int) -> int:
        """Resolve objects and store completions durably; return how many were accepted.

        A uuid repeated for the same event is accepted again but stored once. All or nothing: a ClientError
        (unresolvable object, quota) stores none of them.
        """

    @abstractmethod
    async def query_completions(self, portal_id: int,
                                query: CompletionQuery) -> list[StoredCompletion]: ...

    @abstractmethod
    async def count_completions(self, portal_id: int) -> int: ...

    # JS tracking (SQL in collector.storage.tracking).
    @abstractmethod
    async def load_tracking_settings(self, portal_id: int) -> dict[str, Any] | None:
        """The portal's tracking settings ({} when never set); None when the portal is unknown."""

    @abstractmethod
    async def change_tracking_settings(
            self, portal_id: int,
            change: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        """Save ``change(current settings)`` (it may raise a ClientError: nothing saved) and
        return it; changes at the same moment apply one after the other."""

    @abstractmethod
    async def record_js_hits(self, portal_id: int, completions: list[NewCompletion],
                             failed: list[FailedHit], counters: dict[str, int],
                             monthly_quota: int) -> int:
        """Store a JS request's completions, failed hits and counter increments in one
        durable write; return how many completions were accepted."""

    @abstractmethod
    async def list_failed_events(self, portal_id: int, limit: int,
                                 before: int | None = None) -> list[dict[str, Any]]: ...

    @abstractmethod
    async def tracking_counters(self, portal_id: int) -> dict[str, int]: ...

    # Selector health (SQL in collector.storage.autotrack).
    @abstractmethod
    async def record_selector_misses(self, portal_id: int, event_names: list[str], url: str,
                                     now: int) -> None: ...

    @abstractmethod
    async def selector_misses(self, portal_id: int) -> dict[str, list[dict[str, Any]]]: ...

    @abstractmethod
    async def event_fires(self, portal_id: int,
                          event_names: list[str]) -> dict[str, tuple[int, int]]:
        """``{event name: (completions, last occurredAt)}`` for those that fired."""

    # Spreadsheet imports (SQL in collector.storage.imports): stage, then commit at once.
    @abstractmethod
    async def start_import(self, portal_id: int, job_id: str, body: dict[str, Any],
                           stale_after_ms: int) -> None:
        """Record a running import job; purge jobs that stopped heartbeating long ago."""

    @abstractmethod
    async def stage_import(self, portal_id: int, job_id: str, rows: list[tuple[Any, ...]],
                           contacts: dict[str, dict[str, str]], body: dict[str, Any]) -> None:
        """Stage rows ``(row_no, id, email, occurred_at, properties_json)`` and contact
        properties by email; nothing staged is visible outside the import."""

    @abstractmethod
    async def commit_import(self, portal_id: int, job_id: str, event_name: str,
                            received_at: int, monthly_quota: int, body: dict[str, Any],
                            new_event: tuple[EventDefinition, int] | None = None,
                            new_properties: tuple[EventDefinition, tuple[PropertyDef, ...], int]
                            | None = None) -> dict[str, int]:
        """Move everything staged into contacts and completions in one transaction; with
        ``new_event`` (the definition made from the file, the portal's definitions limit),
        that transaction creates the event too (a failed or cancelled import leaves none),
        and ``body["createdEvent"]`` gets its id. With ``new_properties`` (the event as the
        import read it, the properties to add, the per-event limit) it adds them to the
        event as it is then (``records.add_properties``)."""

    @abstractmethod
    async def end_import(self, portal_id: int, job_id: str, state: str,
                         body: dict[str, Any] | None) -> None:
        """Drop the staged rows and record the job's final state (failed, cancelled)."""

    @abstractmethod
    async def load_import(self, portal_id: int, job_id: str) -> dict[str, Any] | None: ...

    # Analytics (SQL in collector.storage.analytics and .contacts; see collector.analytics).
    @abstractmethod
    async def event_totals(self, portal_id: int, first_day: int,
                           last_day: int) -> list[EventTotals]:
        """Per event with any completion: counts in UTC days ``[first_day, last_day]``."""

    @abstractmethod
    async def event_days(self, portal_id: int, event_name: str, first_day: int,
                         last_day: int) -> list[EventDay]:
        """The event's daily rollup rows in ``[first_day, last_day]`` (days without none)."""

    @abstractmethod
    async def unique_records(self, portal_id: int, event_name: str, start_ms: int,
                             end_ms: int) -> int: ...

    @abstractmethod
    async def window_start(self, portal_id: int, scope: Scope) -> int | None:
        """occurredAt of the window's oldest completion if the period holds more than the
        window, else None."""

    @abstractmethod
    async def window_counts(self, portal_id: int, scope: Scope) -> WindowCounts: ...

    @abstractmethod
    async def breakdown(self, portal_id: int, scope: Scope, prop: str, top: int) -> Breakdown: ...

    @abstractmethod
    async def latest_completions(self, portal_id: int, scope: Scope, limit: int,
                                 before: tuple[int, int] | None = None) -> list[StoredCompletion]:
        """Newest first; ``before`` is an (occurredAt, seq) position to continue after."""

    @abstractmethod
    async def failed_counts(self, portal_id: int, since_ms: int,
                            until_ms: int) -> dict[str, int]:
        """Failed hits received in ``[since_ms, until_ms)`` by the raw event name they carried."""

    @abstractmethod
    async def find_contacts(self, portal_id: int, text: str | None,
                            limit: int) -> list[ContactSummary]:
        """Contacts whose email contains ``text`` (or with that id); without text, the
        recently active ones."""

    @abstractmethod
    async def contact(self, portal_id: int, contact_id: int) -> ContactSummary | None:
        """One contact with its activity and completions per event."""
