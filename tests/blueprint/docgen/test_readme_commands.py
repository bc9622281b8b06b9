"""The README's command table lists exactly the CLI's commands (one row each), so it cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
README = Path(__file__).resolve().parents[3] / "README.md"


def readme_commands(text: str) -> list[str]:
    """The command of every `| \\`blueprint <command> ...\\` | ... |` row of the `## Commands` table."""
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `blueprint ([a-z][a-z-]*)", section, flags=re.M)


def cli_commands() -> list[str]:
    from blueprint.cli import app

    return [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]


def test_the_readme_command_table_is_the_cli() -> None:
    listed = readme_commands(README.read_text(encoding="utf-8"))
    assert len(listed) == len(set(listed)), "a command is listed twice in the README"
    assert sorted(listed) == sorted(cli_commands())


def test_a_missing_row_is_noticed() -> None:
    text = README.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `blueprint coverage"))
    assert "coverage" not in readme_commands(text.replace(row + "\n", ""))
