"""Settings from the environment: a value that cannot be used stops the start, naming it."""

from __future__ import annotations

import pytest

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
