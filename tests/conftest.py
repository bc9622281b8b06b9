"""Shared fixtures. Every test carries its tier as a marker (see pyproject.toml)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # main.py, stacks/ and modules/ are imported from the repo root

from blueprint.synth.node import configure_node  # noqa: E402

configure_node()  # the kernel's node settings, before any test imports cdktn


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running the CLI in a subprocess with its own working area."""
    env = dict(os.environ)
    env["BLUEPRINT_HOME"] = str(tmp_path / "home")
    for var in (
        "BLUEPRINT_AWS_ENDPOINT",
        "LOCALSTACK_ENDPOINT",
        "BLUEPRINT_TERRAFORM",
        "BLUEPRINT_PROVIDER_MIRROR",
    ):
        env.pop(var, None)
    return env


TIERS = ("unit", "synth", "policy", "plan", "apply", "runtime")


def tier_of(item: pytest.Item) -> str | None:
    """The test's tier: its closest tier marker (a function's own marker overrides its module's)."""
    return next((m.name for m in item.iter_markers() if m.name in TIERS), None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test carries a tier marker (pyproject.toml lists them); a test without one, or with two
    of its own, makes the run fail before anything runs, naming the tests."""
    untiered = [item.nodeid for item in items if tier_of(item) is None]
    several = [
        item.nodeid for item in items if sum(m.name in TIERS for m in getattr(item, "own_markers", [])) > 1
    ]
    if untiered or several:
        lines = [f"  no tier marker: {n}" for n in untiered] + [
            f"  several tier markers: {n}" for n in several
        ]
        raise pytest.UsageError(
            "every test needs one tier marker (" + ", ".join(TIERS) + "):\n" + "\n".join(lines)
        )
