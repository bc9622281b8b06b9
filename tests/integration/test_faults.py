"""Faults: an apply interrupted by SIGTERM is recorded as failed, leaves state intact and unlocked, and a
re-run converges to a clean plan."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from blueprint import deploy, emulator, ledger, local_env
from blueprint.naming import Namer
from blueprint.spec import load_env

pytestmark = pytest.mark.apply
REPO = Path(__file__).resolve().parents[2]


def _exists(s3: object, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)  # type: ignore[attr-defined]
    except ClientError:
        return False
    return True


def test_sigterm_mid_apply_then_rerun_converges(tmp_path: Path) -> None:
    spec = load_env("local")
    home, out = tmp_path / "home", tmp_path / "out"
    emu = emulator.ensure(home)
    try:
        s3 = deploy.connect(spec, home).s3()
        namer = Namer(spec.prefix, spec.name)
        lock_key = namer.state_key("local-aws-foundation") + ".tflock"
        env = {**os.environ, "BLUEPRINT_HOME": str(home)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "blueprint.cli", "deploy", "--env", "local", "--outdir", str(out)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and proc.poll() is None:
                # Bundles are written right before the apply, which then holds the lock.
                applying = (home / "bundles").is_dir() and _exists(s3, namer.state_bucket(), lock_key)
                if applying:
                    break
                time.sleep(0.2)
            assert proc.poll() is None, "deploy finished before it could be interrupted"
            time.sleep(3)  # let it create some resources
            os.killpg(proc.pid, signal.SIGTERM)
            _, stderr = proc.communicate(timeout=180)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        assert proc.returncode != 0
        assert "Traceback" not in stderr
        # terraform stopped gracefully: the lock is released, the failure is in the ledger.
        assert not _exists(s3, namer.state_bucket(), lock_key)
        entries = ledger.history(s3, spec)
        assert [(e["result"], e["stage"]) for e in entries] == [("failed", "apply")]
        assert "interrupted" in entries[0]["error"]

        result = deploy.deploy(spec, home, out)
        assert result.entry["result"] == "succeeded"
        assert local_env.replan(spec, home, out) == {"local-aws-foundation": False, "local-aws-lake": False}
        assert all(c.ok for c in local_env.verify(spec, home))
    finally:
        emulator.stop(home)
    assert emu.pid is not None
