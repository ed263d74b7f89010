"""``POST /events/v3/send`` and ``/send/batch``: validate everything, store durably, then 204."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from collector.api.common import authenticated, json_body, services
from collector.completions import SendValidator
from collector.errors import FieldError, ValidationFailed
from collector.model import NewCompletion

_STALE_CODES = frozenset({"UNKNOWN_EVENT", "UNKNOWN_PROPERTY", "ARCHIVED_EVENT"})


async def _validate(request: Request, portal_id: int,
                    inputs: list[tuple[Any, str]]) -> list[NewCompletion]:
    """Validate every input; on a miss that a stale cache could explain, reload and retry."""
    svc = services(request)
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


@authenticated
async def send(request: Request, portal_id: int) -> Response:
    completions = await _validate(request, portal_id, [(await json_body(request), "")])
    svc = services(request)
    await svc.store.append_completions(portal_id, completions, svc.settings.limits.completions_per_month)
    return Response(status_code=204)


@authenticated
async def send_batch(request: Request, portal_id: int) -> Response:
    body = await json_body(request)
    svc = services(request)
    limit = svc.settings.limits.batch_inputs
    inputs = body.get("inputs") if isinstance(body, dict) else None
    problems: list[FieldError] = []
    if isinstance(body, dict):
        problems += [FieldError(key, "unknown field (allowed: inputs)", "UNKNOWN_FIELD")
                     for key in sorted(body.keys() - {"inputs"})]
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
    completions = await _validate(request, portal_id,
                                  [(item, f"inputs[{i}].") for i, item in enumerate(inputs)])
    await svc.store.append_completions(portal_id, completions, svc.settings.limits.completions_per_month)
    return Response(status_code=204)
