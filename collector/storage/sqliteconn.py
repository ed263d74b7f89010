"""The SQLite connection settings and transaction steps, shared by the server's writer and
readers and by the ingest writer's child process (which imports only this, to start fast)."""

from __future__ import annotations

import sqlite3

from collector.storage import queries

DIALECT = queries.Dialect(json_text=lambda column, key: f"json_extract({column}, '$.{key}')")


class SQLiteTransactor:
    def __init__(self, path: str, busy_timeout_ms: int) -> None:
        self.path, self.busy_timeout_ms = path, busy_timeout_ms

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")  # an acknowledged commit survives power loss
        # Random uuids scatter index writes; a larger page cache helps. The ingest writer's
        # log is copied back by its background checkpointer (storage.checkpoint); this
        # threshold is the bound under sustained full load, and the other writers' own.
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA wal_autocheckpoint = 10000")
        return conn

    def begin(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")

    def commit(self, conn: sqlite3.Connection) -> None:
        conn.execute("COMMIT")

    def rollback(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            conn.execute("ROLLBACK")

    def savepoint(self, conn: sqlite3.Connection) -> None:
        conn.execute("SAVEPOINT job")

    def release(self, conn: sqlite3.Connection) -> None:
        conn.execute("RELEASE job")

    def rollback_savepoint(self, conn: sqlite3.Connection) -> None:
        conn.execute("ROLLBACK TO job")
        conn.execute("RELEASE job")

    def close(self, conn: sqlite3.Connection) -> None:
        conn.close()

    def retryable(self, exc: Exception) -> bool:
        return False  # one writer at a time: a lock is waited for (busy_timeout), not lost

    def transient(self, exc: Exception) -> bool:
        return isinstance(exc, sqlite3.OperationalError | sqlite3.InterfaceError)
