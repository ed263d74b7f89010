"""One settings object, built once from an explicit mapping (the environment at the edge).

``SETTINGS_TABLE`` is the single list of every setting: its environment variable, default
and help. The CLI options, the README table and ``Settings.from_mapping`` all follow it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from collector.limits import Limits
from collector.numerals import decimal


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the key and the value."""


def _integer(raw: str) -> int:
    value = decimal(raw.strip())
    if value is None:
        raise ValueError("must be a whole number (digits only)")
    return value


def _positive_int(raw: str) -> int:
    value = _integer(raw)
    if value <= 0:
        raise ValueError("must be a positive integer")
    return value


def _port(raw: str) -> int:
    value = _integer(raw)
    if not 0 < value < 65536:
        raise ValueError("must be between 1 and 65535")
    return value


def _text(raw: str) -> str:
    if not raw.strip():
        raise ValueError("must not be empty")
    return raw


_URL_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:?//")
_PASSWORD = re.compile(r"(//[^/:@]*:)[^@/]*@")


def _database(raw: str) -> str:
    """A SQLite file path or a PostgreSQL URL; a URL with a mistyped scheme
    (``postgresq://``, ``postgresql//``) was taken for a path, and the collector then kept
    a stray SQLite file (its name holding the password) instead of failing."""
    text = _text(raw)
    if _URL_LIKE.match(text) and not text.startswith(("postgresql://", "postgres://")):
        raise ValueError("looks like a URL but is no postgresql:// (or postgres://) URL; a"
                         " SQLite database is a file path")
    return text


def shown_setting(name: str, raw: str) -> str:
    """``raw`` as a message may quote it: a database URL without its password."""
    return _PASSWORD.sub(r"\1***@", raw) if name == "database" else raw


def _any_text(raw: str) -> str:
    return raw


def _flag(raw: str) -> bool:
    text = raw.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("must be true or false (1/0, yes/no, on/off)")


def _url_path(raw: str) -> str:
    if not raw.startswith("/") or raw.endswith("/") or "{" in raw or " " in raw:
        raise ValueError("must be a path such as /js (leading slash, no trailing slash)")
    return raw


def _script_name(raw: str) -> str:
    if raw.count("{portal}") != 1 or "/" in raw or not raw.endswith(".js"):
        raise ValueError("must be a file name ending in .js containing {portal} once")
    return raw


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    env: str
    default: str
    cast: Callable[[str], Any]
    help: str


SETTINGS_TABLE: tuple[Setting, ...] = (
    Setting("database", "FOOTFALL_DATABASE", "footfall.db", _database,
            "SQLite file path, or a postgresql:// URL."),
    Setting("host", "FOOTFALL_HOST", "127.0.0.1", _text, "Interface to listen on."),
    Setting("port", "FOOTFALL_PORT", "8000", _port, "TCP port to listen on."),
    Setting("workers", "FOOTFALL_WORKERS", "1", _positive_int, "Number of server processes."),
    Setting("max_body_bytes", "FOOTFALL_MAX_BODY_BYTES", str(8 * 1024 * 1024), _positive_int,
            "Largest accepted request body (JSON, UI forms); larger bodies get 413 before"
            " they are read."),
    Setting("max_upload_bytes", "FOOTFALL_MAX_UPLOAD_BYTES", str(512 * 1024 * 1024),
            _positive_int, "Largest accepted spreadsheet upload (import API and UI); larger"
            " uploads get 413 before they are read."),
    Setting("max_json_depth", "FOOTFALL_MAX_JSON_DEPTH", "32", _positive_int,
            "Deepest accepted JSON nesting."),
    Setting("monthly_quota", "FOOTFALL_MONTHLY_QUOTA", "30000000", _positive_int,
            "Completions a portal may store per calendar month."),
    Setting("future_skew_seconds", "FOOTFALL_FUTURE_SKEW_SECONDS", "300", _positive_int,
            "How far in the future an occurredAt may lie (clock skew allowance)."),
    Setting("commit_batch", "FOOTFALL_COMMIT_BATCH", "5000", _positive_int,
            "Most completions the writer puts in one group commit."),
    Setting("store_timeout_seconds", "FOOTFALL_STORE_TIMEOUT_SECONDS", "60", _positive_int,
            "PostgreSQL: how long a request waits for the database to answer before its 503"
            " (a server that stops answering without closing connections)."),
    Setting("analytics_window", "FOOTFALL_ANALYTICS_WINDOW", "20000", _positive_int,
            "Breakdowns and property filters read at most this many of the most recent"
            " completions of the chosen period (the answer says when it is a sample)."),
    Setting("script_prefix", "FOOTFALL_SCRIPT_PREFIX", "/js", _url_path,
            "Path prefix the tracking script is served under (serve it first-party)."),
    Setting("script_name", "FOOTFALL_SCRIPT_NAME", "{portal}.js", _script_name,
            "File name of the tracking script; {portal} is replaced by the portal id."),
    Setting("collect_path", "FOOTFALL_COLLECT_PATH", "/collect", _url_path,
            "Path the tracker sends hits to (the JS collect endpoint)."),
    Setting("allow_headless", "FOOTFALL_ALLOW_HEADLESS", "false", _flag,
            "Treat headless/automated browsers (HeadlessChrome, navigator.webdriver) as visitors,"
            " not bots. For end-to-end tests only; never in production."),
    Setting("admin_password", "FOOTFALL_ADMIN_PASSWORD", "", _any_text,
            "Password of the management UI's administrator sign-in (every portal);"
            " empty disables it."),
)


@dataclass(frozen=True, slots=True)
class Settings:
    database: str = "footfall.db"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_body_bytes: int = 8 * 1024 * 1024
    max_upload_bytes: int = 512 * 1024 * 1024
    max_json_depth: int = 32
    monthly_quota: int = 30_000_000
    future_skew_seconds: int = 300
    commit_batch: int = 5000
    store_timeout_seconds: int = 60
    analytics_window: int = 20_000
    script_prefix: str = "/js"
    script_name: str = "{portal}.js"
    collect_path: str = "/collect"
    allow_headless: bool = False
    admin_password: str = field(default="", repr=False)
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        declared = {f.name for f in fields(self)} - {"limits"}
        assert declared == {s.name for s in SETTINGS_TABLE}, "SETTINGS_TABLE out of date"
        if self.limits.completions_per_month != self.monthly_quota:
            object.__setattr__(
                self, "limits", replace(self.limits, completions_per_month=self.monthly_quota)
            )

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, str], **overrides: Any) -> Settings:
        """Build settings from e.g. ``os.environ``; explicit ``overrides`` win when not None."""
        values: dict[str, Any] = {}
        for setting in SETTINGS_TABLE:
            raw = mapping.get(setting.env)
            given = overrides.get(setting.name)
            if given is not None:  # a command-line option: checked as its variable would be
                try:
                    setting.cast(str(given))
                except ValueError as exc:
                    option = "--" + setting.name.replace("_", "-")
                    shown = shown_setting(setting.name, str(given))
                    raise SettingsError(f"{option} {shown!r}: {exc}") from exc
                values[setting.name] = given
                continue
            if raw is None:
                continue
            try:
                values[setting.name] = setting.cast(raw)
            except ValueError as exc:
                shown = shown_setting(setting.name, raw)
                raise SettingsError(f"{setting.env}={shown!r}: {exc}") from exc
        return cls(**values)
