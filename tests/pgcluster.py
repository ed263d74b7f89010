"""A throwaway PostgreSQL cluster for the test session, from the machine's ``postgresql`` package.

``initdb`` and ``pg_ctl`` run as the ``postgres`` user (when we are root) on a free port, with
the data directory and the unix socket in a temporary directory that is removed afterwards.
fsync stays on: the suite tests durability, not a RAM disk. Tests get a fresh database each,
copied from a template database that is migrated once.
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from collector.storage.postgres import PostgresStore


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is missing: run scripts/system-packages.sh as root "
                           "(it installs Debian's postgresql package)")
    return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Cluster:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="footfall-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        self._numbers = itertools.count(1)
        self.template = "footfall_template"
        self._spare: list[str] = []  # used databases, emptied again on reuse
        self._emptying: str | None = None  # the statements that empty a used database

    def _run(self, *args: str) -> None:
        command = [*(["runuser", "-u", "postgres", "--"] if self.as_postgres else []), *args]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed ({result.returncode}):\n"
                               f"{result.stdout}{result.stderr}\n{tail}")

    def start(self) -> Cluster:
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        conf = {"port": str(self.port), "listen_addresses": "127.0.0.1",
                "unix_socket_directories": str(self.root), "fsync": "on",
                "max_connections": "300", "shared_buffers": "256MB"}
        with (self.data / "postgresql.auto.conf").open("a") as auto:
            auto.write("".join(f"{key} = '{value}'\n" for key, value in conf.items()))
        self.pg_ctl("start")
        self._create_template()
        return self

    def pg_ctl(self, action: str, *extra: str) -> None:
        self._run(_bin("pg_ctl"), action, "-D", str(self.data), "-w", "-t", "60", "-m", "fast",
                  "-l", str(self.root / "server.log"), *extra)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@/{dbname}?host={self.root}&port={self.port}"

    def tcp_url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def admin(self, sql: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def _create_template(self) -> None:
        self.admin(f"CREATE DATABASE {self.template}")

        async def migrate() -> None:
            store = PostgresStore(self.url(self.template))
            await store.open()
            await store.close()

        asyncio.run(migrate())

    def new_database(self) -> str:
        """A fresh, migrated, empty database; returns its URL."""
        name = f"t_{next(self._numbers)}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {self.template}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = conninfo_to_dict(url)["dbname"]
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def clean_database(self) -> str:
        """A migrated database with every table empty and every id sequence restarted.

        Copying the template for each test costs a checkpoint, and TRUNCATE creates new
        files for every table and index (about 190 ms here); a used database emptied with
        DELETE (foreign-key triggers off, as superuser) gives the same starting state in
        about 20 ms. Autovacuum clears the deleted rows as it would in production.
        """
        if not self._spare:
            return self.new_database()
        url = self._spare.pop()
        with psycopg.connect(url, autocommit=True) as conn:
            if self._emptying is None:
                tables = [row[0] for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename <> 'schema_migrations'")]
                sequences = [row[0] for row in conn.execute(
                    "SELECT seqrelid::regclass::text FROM pg_sequence")]
                self._emptying = "".join([
                    "SET session_replication_role = replica;",
                    *(f"DELETE FROM {table};" for table in tables),
                    "RESET session_replication_role;",
                    *(f"ALTER SEQUENCE {sequence} RESTART;" for sequence in sequences)])
            conn.execute(self._emptying)
        return url

    def reuse(self, url: str) -> None:
        """Give a test's database back for ``clean_database`` (closing its connections)."""
        name = conninfo_to_dict(url)["dbname"]
        self.admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                   f" WHERE datname = '{name}' AND pid <> pg_backend_pid()")
        self._spare.append(url)

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.pg_ctl("stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
