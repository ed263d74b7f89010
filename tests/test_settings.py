"""Settings from the environment: a value that cannot be used stops the start, naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from collector.cli import main
from collector.settings import Settings, SettingsError


@pytest.mark.parametrize(("env", "raw", "message"), [
    ("FOOTFALL_MONTHLY_QUOTA", "x", "must be a whole number"),
    ("FOOTFALL_WORKERS", "1_000", "must be a whole number"),  # int() would take it
    ("FOOTFALL_WORKERS", "9" * 5000, "must be a whole number"),
    ("FOOTFALL_WORKERS", "0", "must be a positive integer"),
    ("FOOTFALL_PORT", "99999", "must be between 1 and 65535"),
])
def test_a_bad_value_is_named_with_the_variable(env: str, raw: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({env: raw})
    assert str(caught.value).startswith(f"{env}=")
    assert message in str(caught.value)


def test_an_option_given_wins_over_the_environment() -> None:
    assert Settings.from_mapping({"FOOTFALL_PORT": "abc"}, port=8001).port == 8001
    assert Settings.from_mapping({"FOOTFALL_PORT": " 8002 "}).port == 8002


@pytest.mark.parametrize(("option", "value", "message"), [
    ("port", 70000, "--port '70000': must be between 1 and 65535"),
    ("workers", 0, "--workers '0': must be a positive integer"),
])
def test_a_bad_option_is_named_like_the_option(option: str, value: int, message: str) -> None:
    """The options were not checked: serve announced the start (and on an empty database
    made portal 1) and then died naming a variable the user had not set."""
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({}, **{option: value})
    assert str(caught.value) == message


@pytest.mark.parametrize("database", [
    "postgresq://qa:secret@127.0.0.1:5432/t_1", "postgresql//qa:secret@127.0.0.1:5432/t_1",
    "mysql://qa:secret@db/footfall", "sqlite://qa:secret@x/footfall.db",
])
def test_a_mistyped_database_url_is_refused_without_its_password(database: str) -> None:
    """It was taken for a SQLite path: the collector made a file under ./postgresq:/…,
    printed the password in its banner and acknowledged data that never reached PostgreSQL."""
    for given in ({"FOOTFALL_DATABASE": database}, {}):
        with pytest.raises(SettingsError) as caught:
            Settings.from_mapping(given, database=None if given else database)
        assert "no postgresql:// (or postgres://) URL" in str(caught.value)
        assert "secret" not in str(caught.value)
        assert "qa:***@" in str(caught.value)


@pytest.mark.parametrize("database", ["footfall.db", "./data/f.db", "/var/lib/footfall/f.db",
                                      "C:/data/f.db", "postgresql://u:p@h/db",
                                      "postgres://u@h:5432/db?sslmode=require"])
def test_paths_and_postgresql_urls_are_databases(database: str) -> None:
    assert Settings.from_mapping({"FOOTFALL_DATABASE": database}).database == database


def test_serve_refuses_a_bad_port_before_making_anything(tmp_path: Path) -> None:
    database = tmp_path / "f.db"
    result = CliRunner().invoke(main, ["serve", "--database", str(database), "--port", "70000"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: --port '70000': must be between 1 and 65535"
    assert not database.exists()
