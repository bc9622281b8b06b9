"""Fixtures for preview tests: a throwaway git repository holding a copy of the project's tracked files.

Previews compare git revisions, so the tests never touch the real repository: they copy every tracked
file of the project (`git ls-files`) into a temporary directory, commit it as the base, and make head
commits there.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[3]
GIT_ID = ["-c", "user.email=preview@example.invalid", "-c", "user.name=preview-test"]


def git(repo: Path, *args: str) -> str:
    """Run git in `repo`; returns stdout (raises on failure)."""
    proc = subprocess.run(
        ["git", "-C", str(repo), *GIT_ID, *args], capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def copy_project(dest: Path, whole_local: bool = False) -> Path:
    """A new git repository at `dest` with the project's tracked files, committed as the base. Unless
    `whole_local`, its `local` keeps the foundation and the lake only (see below)."""
    files = subprocess.run(
        ["git", "-C", str(PROJECT), "ls-files", "-z"], capture_output=True, check=True
    ).stdout.split(b"\0")
    for raw in files:
        if not raw:
            continue
        rel = raw.decode()
        src = PROJECT / rel
        if not src.is_file():  # deleted in the working tree
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)
    # The scenarios change the lake and the foundation of `local`: its other stacks (which read the
    # lake's zones and the foundation's outputs) are left out, so every plan is about those two.
    local = dest / "environments" / "local.yaml"
    text = local.read_text()
    if not whole_local:
        local.write_text(text[: text.index("  warehouse:\n")] if "  warehouse:\n" in text else text)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "base")
    return dest


def edit(path: Path, old: str, new: str) -> None:
    """Replace `old` (which must occur) by `new` in a file."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


class RepoTools:
    """What the preview tests do to their throwaway repositories."""

    copy_project = staticmethod(copy_project)
    edit = staticmethod(edit)
    git = staticmethod(git)

    @staticmethod
    def commit(repo: Path, message: str) -> str:
        """Commit everything in the working tree; returns the new commit id."""
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", message)
        return git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="session")
def repo_tools() -> type[RepoTools]:
    """Helpers to copy the project into a git repository, edit files and commit."""
    return RepoTools
