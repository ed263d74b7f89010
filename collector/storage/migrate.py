"""Versioned schema migrations, one folder of numbered ``.sql`` files per backend.

``migrations/<backend>/0001_init.sql``, ``0002_….sql``, … are applied in order, each once;
the versions applied are recorded in ``schema_migrations``. A file holds statements separated
by ``;`` at the end of a line. Released files are never edited: a change is a new file, in
both backends' folders.
"""

from __future__ import annotations

from importlib import resources

SCHEMA_MIGRATIONS = ("CREATE TABLE IF NOT EXISTS schema_migrations"
                     " (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)")


def migrations(backend: str) -> list[tuple[int, list[str]]]:
    """``(version, statements)`` for ``backend`` (``sqlite`` or ``postgresql``), oldest first."""
    folder = resources.files("collector.storage").joinpath("migrations", backend)
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, statements(entry.read_text("utf-8"))))
    return sorted(found)


def statements(script: str) -> list[str]:
    """Split a migration script into statements (comments stay attached; empty ones go)."""
    parts = (part.strip() for part in script.split(";\n"))
    return [part for part in parts if _has_code(part)]


def _has_code(part: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in part.splitlines())
