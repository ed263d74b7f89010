"""Benchmark: JS hits (one page view each, durable 204) vs a bare Starlette route, same run.

Usage: .venv/bin/python bench/js_hits.py [--seconds 10] [--connections 64] [--rounds 3]
Prints req/s of both in ``--rounds`` back-to-back pairs, the median ratio (target >= 0.70),
the collector's p99 at 25 % of its median rate (target <= 2 ms; the bare route's and the bare
route's with a durable log at the same pace, for reference), and checks that every
acknowledged hit is stored (plus at most the requests in flight when wrk stopped). Half the
hits come from another page of the site: the bench counts those that took their visit's
touchpoint source.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    bare_server,
    cpu_by_kind,
    cpu_per_request,
    create_portal,
    footfall_server,
    paired_ratios,
)

LUA = Path(__file__).resolve().parent / "hits.lua"
_RUNS = 0


def wrk(url: str, seconds: int, connections: int, threads: int, portal: int,
        delay_ms: float = 0) -> tuple[float, int, int, float]:
    global _RUNS
    _RUNS += 1  # every run sends new uuids: a repeated uuid would be stored once
    env = {**os.environ, "BENCH_PORTAL": str(portal), "BENCH_DELAY_MS": str(delay_ms),
           "BENCH_RUN": str(_RUNS)}
    done = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                           "--latency", "-s", str(LUA), url], capture_output=True, text=True,
                          env=env, check=False)
    if done.returncode:
        raise SystemExit(f"wrk failed:\n{done.stdout}\n{done.stderr}")
    out = done.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rate, out
    found = re.search(r"BENCH requests=(\d+) non2xx_or_errors=(\d+) p99_us=(\d+)", out)
    assert found, out
    return float(rate.group(1)), int(found.group(1)), int(found.group(2)), int(found.group(3)) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="bare/ours pairs for the ratio")
    args = parser.parse_args()
    database = str(Path(tempfile.mkdtemp(prefix="footfall-bench-")) / "bench.db")
    portal, _ = create_portal(database)
    # The collector as operators run it (``footfall serve``: no access log), bots filtered
    # as in production (wrk's requests carry a browser's User-Agent).
    with bare_server() as bare_port, \
            footfall_server(database, env={"FOOTFALL_ALLOW_HEADLESS": "0"}) as port:
        run(args, database, f"http://127.0.0.1:{port}", portal, f"http://127.0.0.1:{bare_port}")


def run(args: argparse.Namespace, database: str, url: str, portal: int, bare_url: str) -> None:
    acknowledged = 0
    in_flight = 0  # at most one request per connection unanswered when wrk stops
    rates: list[float] = []

    def bare_run() -> float:
        rate, _, _, p99 = wrk(bare_url + "/collect", args.seconds, args.connections,
                              args.threads, portal)
        print(f"bare Starlette route : {rate:10.0f} req/s   (p99 {p99:.2f} ms at full load)")
        return rate

    def our_run() -> float:
        nonlocal acknowledged, in_flight
        cpu = cpu_by_kind()
        rate, requests, bad, p99 = wrk(url + "/collect", args.seconds,
                                       args.connections, args.threads, portal)
        used = cpu_per_request(cpu, cpu_by_kind(), requests)
        acknowledged += requests - bad
        in_flight += args.connections
        rates.append(rate)
        print(f"Footfall JS collect  : {rate:10.0f} req/s   (p99 {p99:.2f} ms at full load)")
        print(f"                       {used}")
        return rate

    ratio = paired_ratios(args.rounds, bare_run, our_run)
    low_connections = 8
    delay = low_connections * 1000 / (0.25 * statistics.median(rates))
    low_rate, low_requests, low_bad, p99 = wrk(url + "/collect", args.seconds,
                                               low_connections, 1, portal, delay)
    acknowledged += low_requests - low_bad
    in_flight += low_connections
    floor = [wrk(bare_url + path, args.seconds, low_connections, 1, portal, delay)[3]
             for path in ("/collect", "/durable/collect")]
    with sqlite3.connect(database) as conn:
        stored = conn.execute("SELECT count(*) FROM completions").fetchone()[0]
        inner, attributed = conn.execute(
            "SELECT count(*), sum(json_extract(properties, '$.hs_touchpoint_source')"
            " = 'EMAIL_MARKETING') FROM completions"
            " WHERE json_extract(properties, '$.hs_page_url') LIKE '%/signup'").fetchone()
    consistent = acknowledged <= stored <= acknowledged + in_flight
    print(f"ratio                : {ratio:10.2f}   (median; target >= 0.70)")
    print(f"p99 at 25% load      : {p99:10.2f} ms  ({low_rate:.0f} req/s; target <= 2 ms)")
    print(f"same pace, baselines : {floor[0]:10.2f} ms  bare route; {floor[1]:.2f} ms the bare route"
          " that also syncs each body to a log, nothing else (bench/bare_app.py)")
    print(f"acknowledged (204)   : {acknowledged:10d}")
    print(f"stored completions   : {stored:10d}   "
          f"({'OK' if consistent else 'MISMATCH'}; stored - acknowledged ="
          f" {stored - acknowledged}, at most {in_flight} in flight when wrk stopped)")
    attributed = attributed or 0
    print(f"inner pages          : {inner:10d}   ({'OK' if attributed == inner else 'MISMATCH'};"
          f" {attributed} with their visit's source, the newsletter's)")


if __name__ == "__main__":
    main()
