"""The first minutes of a new user: serve, define, send, read back, find the UI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
from click.testing import CliRunner
from starlette.testclient import TestClient

from collector.cli import main
from tests.conftest import Api
from tests.pgcluster import free_port


def test_define_send_and_read_back(api: Api) -> None:
    api.define("signed_up", {"name": "plan", "label": "Plan", "type": "string"})
    response = api.send(eventName=api.fqn("signed_up"), email="ann@example.com",
                        properties={"plan": "pro"})
    assert response.status_code == 204, response.text
    results = api.events(objectType="contact")["results"]
    assert [r["properties"] for r in results] == [{"plan": "pro"}]
    assert results[0]["eventType"] == api.fqn("signed_up")


def test_the_site_root_leads_to_the_management_ui(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "app/"
    assert client.get("/").url.path == "/app/login"


def test_serve_says_where_it_listens_and_prints_the_first_token_once(tmp_path: Path) -> None:
    port = free_port()
    command = [str(Path(sys.executable).with_name("footfall")), "serve", "--port", str(port)]

    def run_once() -> str:
        with subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"}) as process:
            try:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    try:
                        if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1).is_success:
                            break
                    except httpx2.TransportError:
                        time.sleep(0.05)  # not listening yet: nothing to await
            finally:
                process.terminate()
            assert process.stderr is not None
            return process.stderr.read()

    first, second = run_once(), run_once()
    database = tmp_path / "footfall.db"
    where = f"Footfall on http://127.0.0.1:{port}/ (management UI at /app/, database {database})"
    assert where in first
    assert where in second
    assert "Created portal 1" in first
    assert "ffpat-" in first
    assert "Created portal" not in second


def test_serve_on_a_busy_port_stops_before_it_starts(tmp_path: Path) -> None:
    """It said where it listened, and printed a new database's token, then failed."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port), "--database",
                                           str(tmp_path / "f.db")])
    assert result.exit_code == 1, result.output
    assert f"Cannot listen on 127.0.0.1:{port}: Address already in use" in result.output
    assert "Footfall on" not in result.output
    assert "token" not in result.output
    assert not (tmp_path / "f.db").exists()
