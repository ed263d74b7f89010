"""Imports started over HTTP run on their own thread, so the server's event loop stays free.

The registry keeps each job's live progress, its summary and its error report file for this
process; the store keeps every non-dry-run job's state, so another collector process (or
this one after a restart) can still answer "how did it end".
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collector.errors import FootfallError, StoreUnavailable
from collector.importer.dates import BadDateFormat
from collector.importer.pipeline import ImportCancelled, ImportRequest, run_import
from collector.importer.source import REPORT_NAME
from collector.settings import Settings
from collector.storage import Store

log = logging.getLogger("footfall.imports")


@dataclass(slots=True)
class Job:
    request: ImportRequest
    folder: Path
    state: str = "running"
    done: int = 0
    total: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    cancel: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    @property
    def report(self) -> Path:
        return self.folder / REPORT_NAME

    def to_json(self) -> dict[str, Any]:
        req = self.request
        body = {"id": req.job_id, "state": self.state, "dryRun": req.dry_run,
                "fileName": req.file_name, "eventName": req.event, "processedRows": self.done,
                "rows": self.total, **self.result}
        if self.message:
            body["message"] = self.message
        return body

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = min(self.done + done, total), total


def new_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="footfall-import-"))


class ImportJobs:
    """This process's import jobs; the oldest finished ones (and their reports) are dropped
    beyond ``keep``. ``committed(portal_id)`` is told of each committed import (an import
    may create its event or add properties to it: the process's definition cache forgets
    the portal's)."""

    def __init__(self, keep: int = 100, committed: Callable[[int], None] | None = None) -> None:
        self._keep, self._committed = keep, committed
        self._jobs: dict[tuple[int, str], Job] = {}
        self._lock = threading.Lock()

    def get(self, portal_id: int, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get((portal_id, job_id))

    async def find(self, store: Store, portal_id: int,
                   job_id: str) -> tuple[Job | None, dict[str, Any] | None]:
        """``(live job, None)`` when this process runs or ran it, else ``(None, stored
        state)`` from the store (another process's job, or one from before a restart), else
        ``(None, None)``."""
        job = self.get(portal_id, job_id)
        if job is not None:
            return job, None
        if not _is_uuid(job_id):
            return None, None
        return None, await store.load_import(portal_id, job_id)

    def report(self, portal_id: int, job_id: str) -> Path | None:
        """The job's error report, if this process holds one."""
        job = self.get(portal_id, job_id)
        return job.report if job is not None and job.report.is_file() else None

    def start(self, store: Store, settings: Settings, request: ImportRequest,
              folder: Path) -> Job:
        job = Job(request, folder)
        with self._lock:
            self._jobs[(request.portal_id, request.job_id)] = job
            finished = [key for key, j in self._jobs.items() if j.state != "running"]
            for key in finished[:max(0, len(finished) - self._keep)]:
                shutil.rmtree(self._jobs.pop(key).folder, ignore_errors=True)
        job.thread = threading.Thread(target=self._run, args=(store, settings, job),
                                      name=f"footfall-import-{request.job_id}", daemon=True)
        job.thread.start()
        return job

    def _run(self, store: Store, settings: Settings, job: Job) -> None:
        try:
            summary = asyncio.run(run_import(store, settings, job.request, job.report,
                                             job.progress, job.cancel))
        except ImportCancelled as exc:
            job.state, job.message = "cancelled", exc.message
        except StoreUnavailable as exc:  # its message is the operator's (see the class)
            log.warning("import %s failed: %s", job.request.job_id, exc.message)
            job.state, job.message = "failed", exc.PUBLIC_IMPORT
        except (FootfallError, BadDateFormat) as exc:
            job.state, job.message = "failed", getattr(exc, "message", str(exc))
        except BaseException as exc:  # reported on the job (a Rust panic is no Exception)
            log.error("import %s failed", job.request.job_id, exc_info=exc)
            job.state, job.message = "failed", f"Internal error: {type(exc).__name__}"
        else:
            job.result = summary.to_json()
            job.state = "checked" if job.request.dry_run else "committed"
            if not job.request.dry_run and self._committed is not None:
                self._committed(job.request.portal_id)
        finally:
            job.request.path.unlink(missing_ok=True)

    def stop(self, timeout: float = 30.0) -> None:
        """Cancel running jobs and wait for them (each rolls back its staging)."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel.set()
        for job in jobs:
            if job.thread is not None:
                job.thread.join(timeout)
            shutil.rmtree(job.folder, ignore_errors=True)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
