"""One group transaction as a writer job sees it (``Tx``), the transaction verbs a backend
gives a writer (``Transactor``), and how far a failed group is taken apart to find the jobs
at fault (``Isolation``). Used by the group-commit writer thread and by the ingest writer's
child process, which imports this without asyncio."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

Conn = TypeVar("Conn")
log = logging.getLogger("footfall.writer")


class Transactor(Protocol[Conn]):
    """What a backend gives the writer: a connection and its transaction verbs."""

    def connect(self) -> Conn: ...
    def begin(self, conn: Conn) -> None: ...
    def commit(self, conn: Conn) -> None: ...
    def rollback(self, conn: Conn) -> None: ...
    def savepoint(self, conn: Conn) -> None: ...
    def release(self, conn: Conn) -> None: ...
    def rollback_savepoint(self, conn: Conn) -> None: ...
    def close(self, conn: Conn) -> None: ...
    def retryable(self, exc: Exception) -> bool:
        """Whether a failed transaction lost a race and may simply run again."""
    def transient(self, exc: Exception) -> bool:
        """Whether the store itself failed (locked, full, unreachable): a transaction of
        fewer jobs would fail the same way. Any other failure may be one job's own."""


class Tx(Generic[Conn]):
    """One group transaction as a job sees it."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self.state: dict[str, Any] = {}  # per-transaction buffers, shared by its jobs
        self._before: dict[str, Callable[[Tx[Conn]], None]] = {}
        self._after: list[Callable[[], None]] = []

    def before_commit(self, key: str, step: Callable[[Tx[Conn]], None]) -> None:
        """Run ``step`` once, after every job and before COMMIT (the first under ``key`` wins)."""
        self._before.setdefault(key, step)

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` on the writer thread once the transaction has committed. Hooks only
        publish what is committed (to caches of committed rows), so one that fails is
        logged and the outcome stands: nothing after a commit may undo or repeat it."""
        self._after.append(hook)

    def run_before_commit(self) -> None:
        for step in self._before.values():
            step(self)

    def run_after_commit(self) -> None:
        for hook in self._after:
            try:
                hook()
            except Exception:
                log.exception("an after-commit hook failed; the transaction stands")


@dataclass
class Isolation:
    """How many more times the search for the jobs at fault in a failed group may run a
    failed part as two halves: enough to single out a few among thousands, and a bound
    (at most ``2 * splits + 1`` transactions in all, besides the writer's reruns of one that
    lost a race) when every job fails (a store broken in a way it does not report as
    transient, or a bug common to all)."""

    splits: int

    @classmethod
    def for_group(cls, jobs: int) -> Isolation:
        return cls(4 * (jobs - 1).bit_length() + 4)

    def split(self) -> bool:
        """Whether a failed part may run as two halves (counted if so)."""
        if self.splits <= 0:
            return False
        self.splits -= 1
        return True


def failure_reason(exc: BaseException) -> str:
    """What a 503 and the log's warning say of a failed transaction: the error's type and
    the first line of its message, at most 200 characters of it (a database error's later
    lines can quote a row's values)."""
    first = (str(exc).splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}: {first}"
