"""Ingest benchmark for the HTTP API (issue 2), against a bare Starlette route in the same run.

    .venv/bin/python -m bench.send_bench [--seconds 10] [--workers 1] [--rounds 3]

Prints requests/s of the bare route and of ``POST /events/v3/send`` (one completion per
request, answered only after the group commit) in ``--rounds`` back-to-back pairs, the
median of their ratios, p99 latency at 25 % of the median measured load (and, at the same
pace, the bare route's and the bare route's with a durable log: the floor of a durable
acknowledgement here), batch throughput with 500 completions per request, and checks that
every acknowledged completion is stored.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench.harness import (
    WrkResult,
    api,
    bare_server,
    cpu_by_kind,
    cpu_per_request,
    create_portal,
    footfall_server,
    paired_ratios,
    post_script,
    wrk,
)

EVENT = {"label": "Bench event", "name": "bench_event", "propertyDefinitions": [
    {"name": "plan", "label": "Plan", "type": "string"},
    {"name": "amount", "label": "Amount", "type": "number"}]}


def stored(database: str) -> int:
    """Stored completions, once requests still in flight from the last run have settled."""
    last = -1
    while True:
        with sqlite3.connect(database) as conn:
            count = int(conn.execute("SELECT count(*) FROM completions").fetchone()[0])
        if count == last:
            return count
        last = count
        time.sleep(0.5)


def check(label: str, before: int, after: int, acked: int, connections: int) -> bool:
    """Every acknowledged completion is stored. wrk stops with up to one request per connection
    in flight; those may be stored without wrk counting their answer, so stored may exceed
    acknowledged by at most that many."""
    extra = after - before - acked
    ok = 0 <= extra <= connections
    print(f"  {label}: acknowledged {acked}, stored {after - before}"
          f" ({'OK' if ok else 'MISMATCH'}; {extra} were in flight when wrk stopped)")
    return ok


def report(name: str, result: WrkResult) -> None:
    print(f"  {name:<34} {result.rps:>10,.0f} req/s   p50 {result.p50_ms:.2f} ms"
          f"   p99 {result.p99_ms:.2f} ms   non-2xx {result.non_2xx}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3, help="bare/ours pairs for the ratio")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        database = str(Path(tmp) / "bench.db")
        portal_id, token = create_portal(database)
        one = json.dumps({"eventName": f"pe{portal_id}_bench_event", "email": "ann@example.com",
                          "properties": {"plan": "pro", "amount": 12.5}})
        batch = json.dumps({"inputs": [
            {"eventName": f"pe{portal_id}_bench_event", "email": f"user{i % 50}@example.com",
             "properties": {"plan": "team", "amount": i}} for i in range(500)]})
        with bare_server(args.workers) as bare_port, \
                footfall_server(database, args.workers) as port:
            api(port, token, "POST", "/events/v3/event-definitions", EVENT)
            bare_url = f"http://127.0.0.1:{bare_port}/events/v3/send"
            url = f"http://127.0.0.1:{port}/events/v3/send"
            c = args.connections
            print(f"single send, {args.workers} worker(s), {c} connections, {args.seconds}s each")
            wrk(bare_url, post_script(one), seconds=2, connections=c)  # warm-up
            wrk(url, post_script(one, token), seconds=2, connections=c)
            runs: list[WrkResult] = []

            def bare_run() -> float:
                result = wrk(bare_url, post_script(one), seconds=args.seconds, connections=c)
                report("bare Starlette route", result)
                return result.rps

            def our_run() -> float:
                nonlocal ok
                before, cpu = stored(database), cpu_by_kind()
                result = wrk(url, post_script(one, token), seconds=args.seconds, connections=c)
                used = cpu_per_request(cpu, cpu_by_kind(), result.acknowledged)
                ok &= check("send", before, stored(database), result.acknowledged, c)
                report("POST /events/v3/send (durable)", result)
                print(f"  {used}")
                runs.append(result)
                return result.rps

            ratio = paired_ratios(args.rounds, bare_run, our_run)
            print(f"  ratio {ratio:.2f} (target >= 0.70)")
            load = statistics.median(r.rps for r in runs)
            paced_connections = 8
            delay = paced_connections * 1000 / (0.25 * load)
            before = stored(database)
            paced = wrk(url, post_script(one, token, delay_ms=delay), seconds=args.seconds,
                        connections=paced_connections)
            ok &= check("send at 25% load", before, stored(database), paced.acknowledged,
                        paced_connections)
            report("send at ~25% load", paced)
            print(f"  p99 at {paced.rps:,.0f} req/s = {paced.p99_ms:.2f} ms (target <= 2 ms)")
            floor = [wrk(f"http://127.0.0.1:{bare_port}{prefix}/events/v3/send",
                         post_script(one, delay_ms=delay), seconds=args.seconds,
                         connections=paced_connections).p99_ms for prefix in ("", "/durable")]
            print(f"  p99 at the same pace: bare route {floor[0]:.2f} ms; bare route that also"
                  f" syncs each body to a log, nothing else (bench/bare_app.py) {floor[1]:.2f} ms")
            batch_url = f"http://127.0.0.1:{port}/events/v3/send/batch"
            before = stored(database)
            batched = wrk(batch_url, post_script(batch, token), seconds=args.seconds, connections=8)
            after = stored(database)
            ok &= check("batch", before, after, batched.acknowledged * 500, 8 * 500)
            report("POST /events/v3/send/batch (500)", batched)
            print(f"  batch throughput {batched.acknowledged * 500 / batched.seconds:,.0f}"
                  f" completions/s (target >= 100,000)")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
