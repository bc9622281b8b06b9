"""A canary secret in the sensitive settings a deploy sees (cloud credentials, session token, a
TF_VAR_) never appears in synthesized stacks, plans, bundles, terraform's working files, logs or the
ledger."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from blueprint import emulator
from blueprint.release import ledger
from blueprint.release.connection import connect
from blueprint.spec import load_env
from tests.endpoint_capabilities import LOCAL_STACKS

pytestmark = [pytest.mark.apply, pytest.mark.aws(services=LOCAL_STACKS)]
REPO = Path(__file__).resolve().parents[3]
CANARY = "canary-7f3e9b2a41d8c6e5-do-not-leak"


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        readable = path.is_file() and not path.is_symlink() and path.stat().st_size < 50_000_000
        if readable and needle in path.read_bytes():
            hits.append(path)
    return hits


def _minimal_path() -> str:
    """Only the directories of the tools a deploy runs (wherever this machine keeps them), then the
    system default: nothing else of the caller's environment reaches the deploy."""
    tools = [shutil.which(name) for name in ("terraform", "git", "node")]
    missing = [name for name, found in zip(("terraform", "git", "node"), tools, strict=True) if not found]
    assert not missing, f"the deploy needs {missing} on PATH"
    dirs = dict.fromkeys(str(Path(found).resolve().parent) for found in tools if found)
    return os.pathsep.join([*dirs, os.defpath])


def test_canary_never_leaks(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    env = {
        "PATH": _minimal_path(),
        "HOME": str(tmp_path),
        "BLUEPRINT_HOME": str(home),
        "AWS_SECRET_ACCESS_KEY": CANARY,
        "AWS_SESSION_TOKEN": CANARY,
        "AWS_ACCESS_KEY_ID": "AKIA" + CANARY[:16].upper(),
        "TF_VAR_db_password": CANARY,
    }
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "blueprint.cli", "deploy", "--env", "local", "--outdir", str(out)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        logs = proc.stdout + proc.stderr
        assert CANARY not in logs
        assert _files_containing(out, CANARY.encode()) == []
        assert _files_containing(home, CANARY.encode()) == []
        spec = load_env("local")
        entries = ledger.history(connect(spec, home, start=False).s3(), spec)
        assert entries and CANARY not in json.dumps(entries)
    finally:
        emulator.stop(home)
