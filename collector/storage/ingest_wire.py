"""The ingest writer's wire format, parent and child alike: a 4-byte big-endian length,
then a pickle. Jobs go one way as ``(kind, portal_id, args)`` tuples; outcomes come back as
``(ok, result or error)`` pairs. A module of its own so the child imports it without asyncio.
"""

from __future__ import annotations

import dataclasses
import operator
import pickle
import struct
from collections.abc import Sequence
from typing import Any, BinaryIO

from collector.errors import ClientError, FieldError, FootfallError, StoreUnavailable
from collector.model import NewCompletion

HEADER = struct.Struct(">I")


def _subclasses(cls: type[ClientError]) -> list[type[ClientError]]:
    found: list[type[ClientError]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def error_to_wire(exc: ClientError) -> tuple[str, str, tuple[FieldError, ...]]:
    return type(exc).__name__, exc.message, exc.errors


def unavailable_to_wire(reason: str) -> tuple[str, str, tuple[FieldError, ...]]:
    """One job's failure where the store could not write it (the rest of its group was)."""
    return StoreUnavailable.__name__, f"The store could not write: {reason}", ()


def error_from_wire(name: str, message: str, errors: Sequence[FieldError]) -> FootfallError:
    known: list[type[FootfallError]] = [StoreUnavailable, *_subclasses(ClientError)]
    classes = {c.__name__: c for c in known}
    cls = classes.get(name, ClientError)
    exc: FootfallError = cls.__new__(cls)
    FootfallError.__init__(exc, message, tuple(errors))
    return exc


Job = tuple[str, int, tuple[Any, ...]]
_COMPLETION_FIELDS = operator.attrgetter(*(f.name for f in dataclasses.fields(NewCompletion)))


def jobs_to_wire(jobs: list[Job]) -> list[Job]:
    """Completions travel as plain tuples: pickling a slotted dataclass runs Python code per
    object (five times slower for a 500-completion batch). The first argument of every job
    kind is its list of completions."""
    return [(kind, portal_id, ([_COMPLETION_FIELDS(c) for c in args[0]], *args[1:]))
            for kind, portal_id, args in jobs]


def jobs_from_wire(jobs: list[Job]) -> list[Job]:
    return [(kind, portal_id, ([NewCompletion(*c) for c in args[0]], *args[1:]))
            for kind, portal_id, args in jobs]


def encode(message: Any) -> bytes:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(payload)) + payload


def read(stream: BinaryIO) -> Any:
    """The next message of a blocking stream; None at its end."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    return pickle.loads(stream.read(HEADER.unpack(header)[0]))  # noqa: S301 - our own process
