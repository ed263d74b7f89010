"""Read and check a file's rows batch by batch, here or in a child process.

A large file is read and checked in a child process so that the writer (staging rows into
the database) has the other core. The child gets one ``CheckJob`` (picklable: the table,
the plan, the date format, the limits, the clock) and sends back ``(rows read, checked
batch)`` messages, then ``None``; an error it meets (such as a malformed row further down
the file) is sent back and raised here. The pipe holds about one batch, so a slow writer
slows the reader and memory stays bounded. If this process dies, the child's next send
fails and it exits; if the child dies, this side raises.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import pickle
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection

from collector.errors import FootfallError
from collector.importer.batches import BatchChecker, CheckedBatch
from collector.importer.dates import date_parser
from collector.importer.mapping import Plan
from collector.importer.rows import RowChecker
from collector.importer.table import Table
from collector.limits import Limits

Checked = tuple[int, CheckedBatch]  # (rows read, what came of them)


@dataclass(frozen=True, slots=True)
class CheckJob:
    table: Table
    plan: Plan
    date_format: str
    limits: Limits
    now_ms: int
    latest_ms: int
    batch_rows: int


def check_batches(job: CheckJob) -> Iterator[Checked]:
    table = job.table
    checker = BatchChecker(RowChecker(table.headers, job.plan, date_parser(job.date_format),
                                      job.limits, table.content_hash, job.now_ms, job.latest_ms))
    rows = table.open_rows()
    while batch := list(islice(rows, job.batch_rows)):
        yield len(batch), checker.check(batch)


async def checked_here(job: CheckJob) -> AsyncGenerator[Checked, None]:
    for item in check_batches(job):
        yield item
        await asyncio.sleep(0)  # let the writer take the previous batch before the next one


async def checked_in_child(job: CheckJob) -> AsyncGenerator[Checked, None]:
    context = multiprocessing.get_context("spawn")  # no fork of a process with threads
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(job, sender), name="footfall-import-check",
                            daemon=True)
    child.start()
    sender.close()
    try:
        while (message := await asyncio.to_thread(_receive, receiver)) is not None:
            yield message
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        await asyncio.to_thread(child.join)


def _receive(receiver: Connection) -> Checked | None:
    try:
        message = receiver.recv()
    except EOFError:
        raise FootfallError("The import's checking process stopped unexpectedly; nothing of"
                            " the import was stored") from None
    if isinstance(message, BaseException):
        raise message
    result: Checked | None = message
    return result


def _child(job: CheckJob, sender: Connection) -> None:
    try:
        for item in check_batches(job):
            sender.send(item)
        sender.send(None)
    except (BrokenPipeError, ConnectionResetError):
        return  # the importing process is gone
    except BaseException as exc:
        _send_error(sender, exc)
    finally:
        sender.close()


def _send_error(sender: Connection, exc: BaseException) -> None:
    try:
        sender.send(exc)
    except (pickle.PicklingError, TypeError, AttributeError):
        sender.send(FootfallError(f"Checking the rows failed: {type(exc).__name__}: {exc}"))
    except (BrokenPipeError, ConnectionResetError):
        pass
