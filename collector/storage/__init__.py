"""Storage: one small interface (``Store``), SQLite and PostgreSQL backends, a group-commit writer.

Nothing outside this package sees SQL or a database driver. ``open_store`` picks the
backend from the database setting. ``Store`` is imported on first use: the ingest writer's
child process imports storage modules without the interface's (and asyncio's) cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collector.storage.base import Store


def is_postgres_url(database: str) -> bool:
    return database.startswith(("postgresql://", "postgres://"))


def open_store(database: str, *, busy_timeout_ms: int = 5000, commit_batch: int = 5000,
               answer_timeout: float = 60.0) -> Store:
    """The store for ``database``: a SQLite file path, or a ``postgresql://`` URL
    (``answer_timeout``: seconds a call waits for PostgreSQL to answer)."""
    if is_postgres_url(database):
        from collector.storage.postgres import PostgresStore

        return PostgresStore(database, commit_batch=commit_batch, answer_timeout=answer_timeout)
    from collector.storage.sqlite import SQLiteStore

    return SQLiteStore(database, busy_timeout_ms=busy_timeout_ms, commit_batch=commit_batch)


def __getattr__(name: str) -> Any:
    if name == "Store":
        from collector.storage.base import Store

        return Store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Store", "is_postgres_url", "open_store"]
