"""Bench plumbing: start servers on free ports, drive them with wrk, parse what it prints."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {timeout}s")


@contextmanager
def server(args: list[str], port: int, ready_path: str, env: dict[str, str] | None = None,
           ) -> Iterator[subprocess.Popen[bytes]]:
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                               env={**os.environ, **(env or {})})
    try:
        wait_ready(f"http://127.0.0.1:{port}{ready_path}", process)
        yield process
    except BaseException:
        log.seek(0)
        sys.stderr.write(log.read().decode(errors="replace")[-4000:])
        raise
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def bare_server(workers: int = 1) -> Iterator[int]:
    port = free_port()
    args = [str(VENV_BIN / "uvicorn"), "bench.bare_app:app", "--port", str(port),
            "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    with server(args, port, "/nope"):
        yield port


@contextmanager
def footfall_server(database: str, workers: int = 1,
                    env: dict[str, str] | None = None) -> Iterator[int]:
    port = free_port()
    args = [str(VENV_BIN / "footfall"), "serve", "--database", database, "--port", str(port),
            "--workers", str(workers)]
    with server(args, port, "/healthz", env):
        yield port


def create_portal(database: str) -> tuple[int, str]:
    out = subprocess.run([str(VENV_BIN / "footfall"), "portals", "create", "--name", "bench",
                          "--database", database], check=True, capture_output=True, text=True)
    found = json.loads(out.stdout)
    return int(found["portalId"]), str(found["token"])


def api(port: int, token: str, method: str, path: str, body: object | None = None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


@dataclass
class WrkResult:
    requests: int
    non_2xx: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float

    @property
    def acknowledged(self) -> int:
        return self.requests - self.non_2xx


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert match, text
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, script: str, *, seconds: int = 10, connections: int = 64, threads: int = 1,
        env: dict[str, str] | None = None) -> WrkResult:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: run bash scripts/system-packages.sh")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                              "--latency", "-s", handle.name, url], check=True, capture_output=True,
                             text=True, env={**os.environ, **(env or {})}).stdout
    finally:
        os.unlink(handle.name)
    total = re.search(r"(\d+) requests in ([\d.]+)(s|m)", out)
    assert total, out
    seconds_taken = float(total.group(2)) * (60 if total.group(3) == "m" else 1)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p50 = re.search(r"^\s+50%\s+([\d.]+(?:us|ms|s))\s*$", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+([\d.]+(?:us|ms|s))\s*$", out, re.MULTILINE)
    assert p50, out
    assert p99, out
    requests = int(total.group(1))
    return WrkResult(requests, int(non_2xx.group(1)) if non_2xx else 0, seconds_taken,
                     requests / seconds_taken, _ms(p50.group(1)), _ms(p99.group(1)))


def post_script(body: str, token: str = "", delay_ms: float = 0.0) -> str:
    """A wrk Lua script POSTing ``body``; ``delay_ms`` paces each connection (for a fixed load)."""
    lines = [
        'wrk.method = "POST"',
        f"wrk.body = {json.dumps(body)}",
        'wrk.headers["Content-Type"] = "application/json"',
    ]
    if token:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    if delay_ms:
        lines.append(f"function delay() return {delay_ms:.3f} end")
    return "\n".join(lines) + "\n"


def paired_ratios(rounds: int, bare: Callable[[], float], ours: Callable[[], float],
                  label: str = "ratio") -> float:
    """Run ``bare`` then ``ours`` (each returning requests/s) ``rounds`` times, print each
    round's ratio, and return the median. This VM's speed drifts by up to 2x within minutes;
    a ratio taken from back-to-back runs, and the median over rounds, tolerates that where a
    single pair of runs does not."""
    ratios = []
    for number in range(1, rounds + 1):
        base, mine = bare(), ours()
        ratios.append(mine / base)
        print(f"  round {number}: bare {base:,.0f} req/s, ours {mine:,.0f} req/s,"
              f" {label} {mine / base:.2f}")
    median = statistics.median(ratios)
    print(f"  {label}: median {median:.2f} over {rounds} rounds"
          f" (range {min(ratios):.2f}-{max(ratios):.2f})")
    return median


def _process_table() -> dict[int, tuple[int, str, float]]:
    """Every process: its parent, its command line and the CPU seconds it has used."""
    table: dict[int, tuple[int, str, float]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        table[int(entry)] = (int(fields[1]), command, (int(fields[11]) + int(fields[12])) / tick)
    return table


def _kind(pid: int, table: dict[int, tuple[int, str, float]]) -> str | None:
    command = table[pid][1]
    if "collector.storage.ingest_worker" in command:
        return "ingest child"
    if command.startswith(("postgres", "/usr/lib/postgresql")):
        return "PostgreSQL"
    while pid in table and pid > 1:  # a server process, or a worker it started
        if "footfall" in table[pid][1] and " serve" in table[pid][1]:
            return "collector server"
        pid = table[pid][0]
    return None


def cpu_by_kind() -> dict[str, float]:
    """CPU seconds used so far by the collector's server processes, its ingest children,
    PostgreSQL, and wrk (this process's finished children: take readings between wrk
    runs). A difference of two readings is what the run between them cost each."""
    table = _process_table()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used: dict[str, float] = {"wrk": children.ru_utime + children.ru_stime}
    for pid, (_, _, seconds) in table.items():
        if (kind := _kind(pid, table)) is not None:
            used[kind] = used.get(kind, 0.0) + seconds
    return used


def cpu_per_request(before: dict[str, float], after: dict[str, float], requests: int) -> str:
    """``after - before`` per request, in µs, by kind: where a run's CPU went."""
    if not requests:
        return "CPU per request: no request was answered"
    return "CPU per request: " + ", ".join(
        f"{kind} {(after[kind] - before.get(kind, 0.0)) / requests * 1e6:.0f} µs"
        for kind in sorted(after))
