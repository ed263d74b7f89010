"""Review 3: two writers identifying the same anonymous visitor at once."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from collector.storage import identity
from tests.conftest import Api
from tests.test_merge_races import _begin, _commit, _orphans, event  # noqa: F401
from tests.test_send_api import create_object, send_ok

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


def test_two_identifies_of_one_anonymous_visitor_do_not_deadlock(
        api: Api, event: str, database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both writers read the visitor's contact (held FOR KEY SHARE) before either deletes it:
    each DELETE then waits for the other's share lock, a deadlock (1 s, then a rerun)."""
    send_ok(api, eventName=event, utk="visitor-x")
    create_object(api, "contacts", email="dave@example.com")
    create_object(api, "contacts", email="erin@example.com")
    barrier = threading.Barrier(2, timeout=2)
    real = identity.merge_contact

    def merge(*args: Any) -> bool:
        try:  # both merges at once, if the second writer is not made to wait before it
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return real(*args)

    monkeypatch.setattr(identity, "merge_contact", merge)
    done: list[Any] = []

    def run(email: str) -> None:
        try:
            done.append(_begin(database, api.portal_id, event, email=email, utk="visitor-x"))
        except Exception as exc:  # noqa: BLE001
            done.append(exc)

    threads = [threading.Thread(target=run, args=(e,))
               for e in ("dave@example.com", "erin@example.com")]
    for t in threads:
        t.start()
    # the first to finish must commit for the other to go on
    for _ in range(100):
        txs = [d for d in done if not isinstance(d, Exception)]
        if txs:
            break
        threads[0].join(0.1)
    errors = [d for d in done if isinstance(d, Exception)]
    for d in list(done):
        if not isinstance(d, Exception):
            _commit(d)
    for t in threads:
        t.join(10)
    for d in done:
        if not isinstance(d, Exception) and not d.conn.raw.closed:
            _commit(d)
    errors = [d for d in done if isinstance(d, Exception)]
    assert not errors, f"a writer failed: {errors!r}"
    assert _orphans(database) == 0
