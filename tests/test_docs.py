"""The README documents every setting (the settings table is the single source)."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.settings import SETTINGS_TABLE

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")


@pytest.mark.parametrize("env", [s.env for s in SETTINGS_TABLE])
def test_readme_documents_the_setting(env: str) -> None:
    assert f"`{env}`" in README


def test_readme_starts_with_the_two_commands() -> None:
    head = README[:1500]
    assert "bash scripts/serve.sh" in head
    assert "bash scripts/test.sh" in head
    # CI runs exactly the README's test command.
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text("utf-8")
