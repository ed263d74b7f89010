"""The one error hierarchy of the collector.

Every error a client can cause is a subclass of ``FootfallError``; the HTTP status and
HubSpot's error ``category`` live on the class, and ``collector.responses`` turns any of
them into HubSpot's JSON error shape in exactly one place::

    FootfallError                      500  (never raised for client input)
    ├── ClientError                    400  VALIDATION_ERROR
    │   ├── ValidationFailed           400  VALIDATION_ERROR   (carries every FieldError)
    │   ├── NotFound                   404  OBJECT_NOT_FOUND
    │   ├── Conflict                   409  CONFLICT
    │   ├── PayloadTooLarge            413  VALIDATION_ERROR
    │   ├── UnsupportedMediaType       415  VALIDATION_ERROR
    │   └── QuotaExceeded              429  RATE_LIMITS
    ├── Unauthorized                   401  INVALID_AUTHENTICATION
    └── StoreUnavailable               503  SERVICE_UNAVAILABLE
"""

from __future__ import annotations

from dataclasses import dataclass

# An answer lists at most this many problems: a body of 800,000 unknown properties made a
# 92 MB answer (and seconds of a server's time). Checks may stop once there are more.
MAX_LISTED_ERRORS = 100


@dataclass(frozen=True, slots=True)
class FieldError:
    """One offending field: ``where`` is a path such as ``inputs[3].properties.amount``."""

    where: str
    message: str
    code: str = "INVALID"


class FootfallError(Exception):
    status_code = 500
    category = "INTERNAL_ERROR"

    def __init__(self, message: str, errors: tuple[FieldError, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class ClientError(FootfallError):
    status_code = 400
    category = "VALIDATION_ERROR"


class ValidationFailed(ClientError):
    """One or more fields are invalid; every offending field is listed."""

    def __init__(self, errors: list[FieldError] | tuple[FieldError, ...]) -> None:
        errors = tuple(errors)
        count = len(errors)
        summary = (errors[0].message if count == 1 else f"{count} fields are invalid"
                   if count <= MAX_LISTED_ERRORS else
                   f"More than {MAX_LISTED_ERRORS} fields are invalid (the first"
                   f" {MAX_LISTED_ERRORS} are listed)")
        super().__init__(summary, errors)


class NotFound(ClientError):
    status_code = 404
    category = "OBJECT_NOT_FOUND"


class Conflict(ClientError):
    status_code = 409
    category = "CONFLICT"


class PayloadTooLarge(ClientError):
    status_code = 413


class UnsupportedMediaType(ClientError):
    status_code = 415


class QuotaExceeded(ClientError):
    status_code = 429
    category = "RATE_LIMITS"


class Unauthorized(FootfallError):
    status_code = 401
    category = "INVALID_AUTHENTICATION"


class StoreUnavailable(FootfallError):
    """The store could not durably write; nothing of the request was acknowledged.

    Its message names the database (host, port, name, file) and repeats its driver's
    words: for the log and the operator's terminal. Clients, pages and job states get
    ``PUBLIC`` (or ``PUBLIC_IMPORT``)."""

    status_code = 503
    category = "SERVICE_UNAVAILABLE"
    PUBLIC = "The store is unavailable for the moment; retry shortly"
    PUBLIC_IMPORT = "The store could not write; nothing of the import was stored: run it again"
