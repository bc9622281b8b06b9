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
