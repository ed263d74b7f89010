"""The ASGI entry point uvicorn imports: settings from the environment, read once here.

Server processes start the store's writer ahead (``warm``): the first requests after a
start would otherwise wait for the SQLite ingest writer's child process to come up.

Each server process also tunes Python's garbage collector here (tests and embedders keep
the defaults). Everything imported so far lives as long as the process, so ``gc.freeze``
takes it out of every later collection; and collections of the youngest generation start
after 20,000 allocations rather than 700, because every request and every completion in
flight is young and alive when one starts. Under a batch load this took the server's CPU
per completion from 12 µs to 8 µs (bench/send_bench.py, figures in the README).
"""

from __future__ import annotations

import gc
import os

from collector.app import create_app
from collector.settings import Settings

app = create_app(Settings.from_mapping(os.environ), warm=True)

gc.collect()
gc.freeze()
gc.set_threshold(20_000, 20, 20)
