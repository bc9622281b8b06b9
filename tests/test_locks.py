"""The venvs install from lock files (scripts/setup.sh); the locks must cover what pyproject.toml asks for,
at versions it accepts, so adding or changing a dependency without re-locking (scripts/lock.sh) fails."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[1]


def pins(lock: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if m:
            found[canonicalize_name(m.group(1))] = m.group(2)
    return found


def unlocked(requirements: list[str], locked: dict[str, str]) -> list[str]:
    problems = []
    for raw in requirements:
        req = Requirement(raw)
        version = locked.get(canonicalize_name(req.name))
        if version is None:
            problems.append(f"{req.name}: not in the lock")
        elif not req.specifier.contains(version, prereleases=True):
            problems.append(f"{req.name}: locked {version}, pyproject wants {req.specifier}")
    return problems


def test_the_main_lock_covers_pyproject() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    assert unlocked(wanted, pins(REPO / "requirements.lock")) == []


def test_a_dependency_added_without_relocking_is_caught() -> None:
    assert unlocked(["surely-not-a-real-package>=1"], pins(REPO / "requirements.lock")) == [
        "surely-not-a-real-package: not in the lock"
    ]
    assert unlocked(["pydantic<2"], pins(REPO / "requirements.lock"))[0].startswith("pydantic: locked 2.")


def test_checkov_is_locked_at_its_pin() -> None:
    assert pins(REPO / "requirements-checkov.lock")["checkov"] == "3.3.30"
    assert "requirements-checkov.lock" in (REPO / "scripts" / "setup.sh").read_text()
