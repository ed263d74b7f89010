"""An import that is killed, fails or is cancelled leaves nothing half done and can be re-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import Api, count_rows, refused_inserts
from tests.importkit import define_purchase, job_states, run_import


def _big_csv(path: Path, rows: int) -> Path:
    with path.open("w") as f:
        f.write("Email,First name,Timestamp,Amount,Note\n")
        for i in range(rows):
            f.write(f"user{i % 5000}@example.com,U{i},{1_700_000_000_000 + i},{i},n{i}\n")
    return path


def _checkers_of(pid: int) -> list[int]:
    """Pids of the import checker processes that ``pid`` started (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid and b"child_main" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except (ValueError, OSError, IndexError):
            continue
    return found


def _gone(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"  # exited, waiting to be reaped


def _staged(database: str) -> bool:
    jobs = job_states(database)
    return bool(jobs) and jobs[0][1].get("validRows", 0) > 0


def test_killed_import_leaves_nothing_and_reruns(api: Api, database: str, tmp_path: Path) -> None:
    define_purchase(api)
    path = _big_csv(tmp_path / "big.csv", 120_000)
    command = [sys.executable, "-c", "from collector.cli import main; main()", "import", str(path),
               "--portal", str(api.portal_id), "--event", "purchase", "--database", database]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not _staged(database):  # wait until it has staged some rows
            assert proc.poll() is None, proc.communicate()[0].decode()
            assert time.monotonic() < deadline, "the import never staged a row"
            time.sleep(0.02)
        checkers = _checkers_of(proc.pid)  # 120,000 rows are checked in a child process
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.communicate(timeout=30)  # also closes the pipe
    assert proc.returncode == -signal.SIGKILL
    assert len(checkers) == 1
    deadline = time.monotonic() + 30
    while not all(_gone(pid) for pid in checkers):  # its next write fails: it exits too
        assert time.monotonic() < deadline, "the checker process outlived the import"
        time.sleep(0.05)
    assert count_rows(database, "completions") == 0
    assert count_rows(database, "objects") == 0
    assert count_rows(database, "usage") == 0
    [(state, body)] = job_states(database)
    assert state == "running"  # until a later import marks it abandoned
    assert 0 < body["validRows"] < 120_000
    result = run_import(database, api.portal_id, path, "--event", "purchase")
    assert result.exit_code == 0, result.output
    assert count_rows(database, "completions") == 120_000
    assert count_rows(database, "objects") == 5000


def test_failed_commit_leaves_nothing(api: Api, database: str, tmp_path: Path) -> None:
    define_purchase(api)
    path = _big_csv(tmp_path / "small.csv", 50)
    with refused_inserts(database, "completions"):
        result = run_import(database, api.portal_id, path, "--event", "purchase")
    assert result.exit_code == 1
    assert "could not write" in result.output
    for table in ("completions", "objects", "usage"):
        assert count_rows(database, table) == 0, table
    [(state, body)] = job_states(database)
    assert state == "failed"
    assert "could not write" in body["message"]
    again = run_import(database, api.portal_id, path, "--event", "purchase")
    assert again.exit_code == 0, again.output
    assert count_rows(database, "completions") == 50
