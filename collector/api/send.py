"""``POST /events/v3/send`` and ``/send/batch``: validate everything, store durably, then 204.

Both are plain ASGI endpoints (``collector.api.plain``): they carry most of the traffic.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from collector.api.plain import Incoming, PlainEndpoint
from collector.completions import SendValidator
from collector.errors import MAX_LISTED_ERRORS, FieldError, ValidationFailed
from collector.jsonbody import JSON_TYPES, parse_json, read_body
from collector.model import NewCompletion
from collector.services import Services

_STALE_CODES = frozenset({"UNKNOWN_EVENT", "UNKNOWN_PROPERTY", "ARCHIVED_EVENT"})
# Strict parsing (duplicate keys are refused) takes about a second for an 8 MB body of small
# keys; bodies above this size are parsed on a thread. A batch of 500 plain inputs is ~50 KB.
_PARSE_ASIDE_BYTES = 256 * 1024


async def _validate(svc: Services, portal_id: int,
                    inputs: list[tuple[Any, str]]) -> list[NewCompletion]:
    """Validate every input; on a miss that a stale cache could explain, reload and retry."""
    settings = svc.settings
    now = time.time_ns() // 1_000_000
    for fresh in (False, True):
        definitions = await svc.definitions.get(portal_id, fresh=fresh)
        validator = SendValidator(portal_id, definitions, settings.limits, now,
                                  settings.future_skew_seconds * 1000)
        errors: list[FieldError] = []
        completions = [validator.validate(body, where, errors) for body, where in inputs]
        if not errors:
            return [c for c in completions if c is not None]
        if fresh or not any(e.code in _STALE_CODES for e in errors):
            break
    raise ValidationFailed(errors)


async def _authenticated_json(incoming: Incoming) -> tuple[Services, int, Any]:
    """The services, the caller's portal (401 first) and the strictly parsed JSON body."""
    svc = incoming.services
    portal_id = await svc.auth.portal_for(incoming.headers.get("authorization"))
    settings = svc.settings
    raw = await read_body(incoming.headers, incoming.chunks(), settings.max_body_bytes, JSON_TYPES)
    if len(raw) > _PARSE_ASIDE_BYTES:  # the event loop goes on serving other requests
        return svc, portal_id, await asyncio.to_thread(parse_json, raw, settings.max_json_depth)
    return svc, portal_id, parse_json(raw, settings.max_json_depth)


async def _send(incoming: Incoming) -> None:
    svc, portal_id, body = await _authenticated_json(incoming)
    completions = await _validate(svc, portal_id, [(body, "")])
    await svc.store.append_completions(portal_id, completions,
                                       svc.settings.limits.completions_per_month)


async def _send_batch(incoming: Incoming) -> None:
    svc, portal_id, body = await _authenticated_json(incoming)
    limit = svc.settings.limits.batch_inputs
    inputs = body.get("inputs") if isinstance(body, dict) else None
    problems: list[FieldError] = []
    if isinstance(body, dict):
        problems += [FieldError(key, "unknown field (allowed: inputs)", "UNKNOWN_FIELD")
                     for key in sorted(body.keys() - {"inputs"})[:MAX_LISTED_ERRORS + 1]]
    if not isinstance(inputs, list):
        problems.append(FieldError("inputs", "must be a list of send inputs", "REQUIRED"))
    elif not inputs:
        problems.append(FieldError("inputs", "must contain at least one input", "REQUIRED"))
    elif len(inputs) > limit:
        problems.append(FieldError("inputs", f"at most {limit} inputs per batch (got {len(inputs)})",
                                   "TOO_MANY"))
    if problems:
        raise ValidationFailed(problems)
    assert isinstance(inputs, list)
    completions = await _validate(svc, portal_id,
                                  [(item, f"inputs[{i}].") for i, item in enumerate(inputs)])
    await svc.store.append_completions(portal_id, completions,
                                       svc.settings.limits.completions_per_month)


send = PlainEndpoint(_send)
send_batch = PlainEndpoint(_send_batch)
