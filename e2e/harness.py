"""Real servers for the browser tests: uvicorn running the collector, and a fixture-page server.

The collector runs as a subprocess on a free port; ``start`` waits until ``/healthz``
answers and fails with the server's log otherwise; ``stop`` always terminates it. Pages are
served from ``e2e/pages`` by a second server on another port (so hits are cross-origin, as
on a real site), with ``{{collector}}`` and ``{{portal}}`` filled in from the query string.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PAGES = Path(__file__).resolve().parent / "pages"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create_portal(database: str, name: str) -> tuple[int, str]:
    out = subprocess.run([str(BIN / "footfall"), "portals", "create", "--name", name,
                          "--database", database], capture_output=True, text=True, check=True)
    found = json.loads(out.stdout)
    return int(found["portalId"]), str(found["token"])


@dataclass
class Collector:
    database: str
    log_path: Path
    allow_headless: bool = True
    env: dict[str, str] = field(default_factory=dict)  # more FOOTFALL_* settings
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        env = {**os.environ, "FOOTFALL_DATABASE": self.database,
               "FOOTFALL_ALLOW_HEADLESS": "1" if self.allow_headless else "0", **self.env}
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [str(BIN / "uvicorn"), "collector.asgi:app", "--host", "127.0.0.1", "--port",
                 str(self.port), "--log-level", "warning"], cwd=ROOT, env=env, stdout=log,
                stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)  # readiness poll: nothing to await before the socket exists
        self.stop()
        raise RuntimeError(f"collector did not start; its log:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


@dataclass
class Portal:
    collector: Collector
    portal_id: int
    token: str

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.collector.url + path, data=data, method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                text = response.read()
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path}: {exc.code} {exc.read()!r}") from exc
        return json.loads(text) if text else None

    def fqn(self, name: str) -> str:
        return f"pe{self.portal_id}_{name}"

    def events(self, **params: str) -> list[dict[str, Any]]:
        # Each parameter once (the API refuses a one-valued parameter given twice).
        query = urllib.parse.urlencode({"limit": "1000", **params})
        results: list[dict[str, Any]] = self.call("GET", f"/events/v3/events/?{query}")["results"]
        return results

    def wait_for_events(self, count: int, timeout: float = 10.0, /,
                        **params: str) -> list[dict[str, Any]]:
        """Poll the retrieval API until ``count`` completions match (the browser delivers
        asynchronously, after the page is gone). ``count`` and ``timeout`` are positional-only
        so a ``**{"objectProperty.email": ...}`` of query parameters cannot fill them."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.events(**params)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def page_url(self, pages: PageServer, name: str, query: str = "") -> str:
        extra = f"&{query}" if query else ""
        return f"{pages.url}/{name}?collector={self.collector.url}&portal={self.portal_id}{extra}"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        target = PAGES / Path(parts.path).name
        if not target.is_file():
            self.send_error(404)
            return
        html = target.read_text("utf-8")
        for key in ("collector", "portal"):
            html = html.replace("{{" + key + "}}", params.get(key, ""))
        body = html.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class PageServer:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
