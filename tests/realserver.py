"""Run ``footfall serve`` as a real subprocess on a free port, for tests that need one."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2

from tests.pgcluster import free_port


@contextlib.contextmanager
def serve(database: str, *extra: str, timeout: float = 30.0) -> Iterator[str]:
    """Start the collector, wait until /healthz answers, yield its base URL, always stop it."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("footfall")), "serve", "--database", database,
             "--port", str(port), *extra],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(process, base, timeout, log)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(process: subprocess.Popen[bytes], base: str, timeout: float, log: object) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx2.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx2.TransportError:
            time.sleep(0.05)  # polling a port that is not listening yet: nothing to await
    assert hasattr(log, "seek")
    assert hasattr(log, "read")
    log.seek(0)
    output = log.read().decode(errors="replace")
    raise RuntimeError(f"footfall serve did not become ready (exit {process.poll()}):\n{output}")
