"""Storage: one small interface (``Store``), SQLite and PostgreSQL backends, a group-commit writer.

Nothing outside this package sees SQL or a database driver. ``open_store`` picks the
backend from the database setting.
"""

from __future__ import annotations

from collector.storage.base import Store


def is_postgres_url(database: str) -> bool:
    return database.startswith(("postgresql://", "postgres://"))


def open_store(database: str, *, busy_timeout_ms: int = 5000, commit_batch: int = 5000) -> Store:
    """The store for ``database``: a SQLite file path, or a ``postgresql://`` URL."""
    if is_postgres_url(database):
        from collector.storage.postgres import PostgresStore

        return PostgresStore(database, commit_batch=commit_batch)
    from collector.storage.sqlite import SQLiteStore

    return SQLiteStore(database, busy_timeout_ms=busy_timeout_ms, commit_batch=commit_batch)


__all__ = ["Store", "is_postgres_url", "open_store"]
