"""The pooled UUID generator: RFC 4122 version-4 ids, all distinct, fresh after a fork."""

from __future__ import annotations

import os
import uuid

from collector.ids import new_uuid4


def test_ids_are_canonical_version_4_uuids() -> None:
    for _ in range(1000):
        text = new_uuid4()
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_ids_do_not_repeat_across_pool_refills() -> None:
    ids = [new_uuid4() for _ in range(5000)]  # about 20 refills of the 4 KiB pool
    assert len(set(ids)) == len(ids)


def test_a_forked_child_does_not_reuse_the_parents_pool() -> None:
    new_uuid4()  # the pool now holds unused bytes the child must not hand out again
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        os.write(write, "\n".join(new_uuid4() for _ in range(50)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = set(pipe.read().split("\n"))
    os.waitpid(pid, 0)
    parent = {new_uuid4() for _ in range(50)}
    assert len(child) == 50
    assert not parent & child
