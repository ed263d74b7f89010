"""Spreadsheet import benchmark (issue 6): 1,000,000 rows as .csv and as .xlsx.

    .venv/bin/python -m bench.import_bench [--rows 1000000] [--database URL] [--only csv|xlsx]

Generates a file of ROWS rows (email, timestamp, 5 properties), defines the event through
the HTTP API (in process), then runs ``footfall import`` in a subprocess on a fresh SQLite
database (or the given PostgreSQL URL) and prints wall time, peak memory (``ru_maxrss`` of
the import process plus that of the checker process it starts, as both run at once) and
what was stored. Targets: CSV ≤ 15 s, xlsx ≤ 45 s, peak ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from collector.app import create_app
from collector.settings import Settings
from tests.conftest import count_rows, make_portals

HEADER = ["Email", "Timestamp", "Amount", "Plan", "Note", "Paid", "Channel"]
PLANS = ("gold", "silver", "bronze")
EVENT = {"label": "Offline purchase", "name": "offline_purchase", "propertyDefinitions": [
    {"name": "amount", "label": "Amount", "type": "number"},
    {"name": "plan", "label": "Plan", "type": "enumeration",
     "options": [{"label": p.title(), "value": p} for p in PLANS]},
    {"name": "note", "label": "Note", "type": "string"},
    {"name": "paid", "label": "Paid", "type": "bool"},
    {"name": "channel", "label": "Channel", "type": "string"}]}
# Peak RSS of the import process, and of the largest process it started (the checker).
_CHILD = ("import atexit, resource, sys\n"
          "atexit.register(lambda: sys.stderr.write("
          "f'PEAK_RSS_KB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n'"
          "f'CHILD_RSS_KB={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n'))\n"
          "from collector.cli import main\nmain()\n")


def row(i: int) -> list[object]:
    return [f"user{i % 200_000}@example.com", 1_600_000_000_000 + i * 1000, i % 997 + 0.5,
            PLANS[i % 3], f"order {i}", "true" if i % 2 else "false", f"store-{i % 40}"]


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(row(i) for i in range(rows))


def write_xlsx(path: Path, rows: int) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    for i in range(rows):
        sheet.write_row(i + 1, 0, row(i))
    book.close()


def prepare(database: str) -> int:
    portal = make_portals(database, "Bench")[0]
    with TestClient(create_app(Settings(database=database))) as client:
        response = client.post("/events/v3/event-definitions", json=EVENT,
                               headers={"Authorization": f"Bearer {portal.token}"})
        assert response.status_code == 201, response.text
    return portal.portal_id


def run(path: Path, database: str) -> tuple[float, float, float, str]:
    portal_id = prepare(database)
    command = [sys.executable, "-c", _CHILD, "import", str(path), "--portal", str(portal_id),
               "--event", "offline_purchase", "--database", database]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"import failed:\n{done.stdout}\n{done.stderr}")
    peaks = [re.search(rf"{name}=(\d+)", done.stderr) for name in ("PEAK_RSS_KB", "CHILD_RSS_KB")]
    own, child = (int(p.group(1)) / 1024 if p else float("nan") for p in peaks)
    return seconds, own, child, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default=None, help="postgresql:// URL (default: SQLite)")
    parser.add_argument("--only", choices=["csv", "xlsx"], default=None)
    args = parser.parse_args()
    targets = {"csv": 15.0, "xlsx": 45.0}
    with tempfile.TemporaryDirectory(prefix="footfall-bench-") as tmp:
        folder = Path(tmp)
        for kind, writer in (("csv", write_csv), ("xlsx", write_xlsx)):
            if args.only not in (None, kind):
                continue
            path = folder / f"bench.{kind}"
            started = time.perf_counter()
            writer(path, args.rows)
            print(f"{kind}: generated {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB)"
                  f" in {time.perf_counter() - started:.1f} s")
            database = args.database or str(folder / f"{kind}.db")
            seconds, own_mb, child_mb, summary = run(path, database)
            peak_mb = own_mb + child_mb  # both run at once: count them together
            stored = count_rows(database, "completions")
            verdict = "OK" if seconds <= targets[kind] and peak_mb <= 300 else "OVER TARGET"
            print(f"{kind}: imported in {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s),"
                  f" peak RSS {peak_mb:.0f} MB ({own_mb:.0f} MB import process +"
                  f" {child_mb:.0f} MB checker process), stored {stored:,} completions,"
                  f" {count_rows(database, 'objects'):,} contacts"
                  f" [target ≤ {targets[kind]:.0f} s, ≤ 300 MB: {verdict}]")
            print("  " + summary.replace("\n", "\n  "))
            if args.database is None:
                os.unlink(database)


if __name__ == "__main__":
    main()
