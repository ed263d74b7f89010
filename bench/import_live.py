"""Benchmark: a large spreadsheet import into a running collector's SQLite database while
sends keep arriving. The import's final commit holds SQLite's write lock for seconds; live
sends must wait it out (the ingest writer's 30 s busy timeout), not get 503.

Usage: .venv/bin/python -m bench.import_live [--rows 1000000] [--seconds 35]
Prints the import's wall time and the sends' rate, p99 and non-2xx count (target: 0).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.harness import WrkResult, api, footfall_server, post_script, wrk
from bench.import_bench import prepare, write_csv
from bench.send_bench import EVENT
from tests.conftest import make_portals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=35, help="how long sends keep coming")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = str(Path(tmp) / "bench.db")
        rows = Path(tmp) / "rows.csv"
        write_csv(rows, args.rows)
        importing = prepare(database)
        live = make_portals(database, "Live")[0]
        with footfall_server(database, 1) as port:
            api(port, live.token, "POST", "/events/v3/event-definitions", EVENT)
            one = json.dumps({"eventName": f"pe{live.portal_id}_bench_event",
                              "email": "ann@example.com", "properties": {"plan": "pro"}})
            url = f"http://127.0.0.1:{port}/events/v3/send"
            sends: list[WrkResult] = []
            load = threading.Thread(target=lambda: sends.append(wrk(
                url, post_script(one, live.token, delay_ms=8), seconds=args.seconds,
                connections=8)))
            load.start()
            time.sleep(1)  # sends flowing before the import starts
            started = time.perf_counter()
            done = subprocess.run(
                [str(Path(sys.executable).with_name("footfall")), "import", str(rows),
                 "--portal", str(importing), "--event", "offline_purchase",
                 "--database", database], capture_output=True, text=True, check=False)
            took = time.perf_counter() - started
            load.join()
    if done.returncode:
        raise SystemExit(f"import failed:\n{done.stdout}\n{done.stderr}")
    result = sends[0]
    print(f"import of {args.rows:,} rows: {took:.1f} s")
    print(f"sends meanwhile: {result.rps:,.0f} req/s, p99 {result.p99_ms:.1f} ms,"
          f" non-2xx {result.non_2xx} (target 0)")


if __name__ == "__main__":
    main()
