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
from botocore.exceptions import BotoCoreError, ClientError

from blueprint import emulator
from blueprint.emulator import local as local_env
from blueprint.errors import BlueprintError
from blueprint.naming import Namer
from blueprint.release import deploy, ledger
from blueprint.release.connection import connect
from blueprint.spec import load_env
from tests.endpoint_capabilities import LOCAL_STACKS

pytestmark = [pytest.mark.apply, pytest.mark.aws(services=LOCAL_STACKS, embedded=True)]
REPO = Path(__file__).resolve().parents[3]


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
        s3 = connect(spec, home).s3()
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
        assert not any(local_env.replan(spec, home, out).values())
        assert all(c.ok for c in local_env.verify(spec, home))
    finally:
        emulator.stop(home)
    assert emu.pid is not None


def _cli(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "blueprint.cli", *args],
        cwd=REPO,
        env={**os.environ, "BLUEPRINT_HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_two_ups_at_once_share_one_emulator_and_one_wins(tmp_path: Path) -> None:
    """The second `up` of an environment, started while the first deploys, shares its emulator and is
    refused by the deployment lock before it plans anything; the first completes; a re-run is clean."""
    from blueprint.release.deploy_lock import LOCK_KEY

    spec = load_env("local")
    home = tmp_path / "home"
    namer = Namer(spec.prefix, spec.name)
    try:
        first = _cli(home, "up", "--env", "local", "--outdir", str(tmp_path / "out1"))
        deadline = time.monotonic() + 180
        locked = False
        while time.monotonic() < deadline and first.poll() is None and not locked:
            if (home / "emulator.json").is_file():
                try:
                    locked = _exists(connect(spec, home, start=False).s3(), namer.state_bucket(), LOCK_KEY)
                except (BlueprintError, BotoCoreError):  # the emulator is still starting: poll again
                    locked = False
            time.sleep(0.3)
        assert locked, "the first up never took the deployment lock"
        second = _cli(home, "up", "--env", "local", "--outdir", str(tmp_path / "out2"))
        _, second_err = second.communicate(timeout=300)
        assert second.returncode == 2, second_err
        assert "holds the deployment lock" in second_err and "deploy of local" in second_err, second_err
        assert "Traceback" not in second_err
        assert not (tmp_path / "out2").exists()  # refused before synthesis: nothing planned or applied
        _, first_err = first.communicate(timeout=600)
        assert first.returncode == 0, first_err
        assert len(list(home.glob("emulator.json"))) == 1
        s3 = connect(spec, home, start=False).s3()
        assert not _exists(s3, namer.state_bucket(), LOCK_KEY)  # released
        assert [e["result"] for e in ledger.history(s3, spec)] == ["succeeded"]  # the refusal is no attempt
        assert not any(local_env.replan(spec, home, tmp_path / "out1").values())
    finally:
        emulator.stop(home)


def test_emulator_down_mid_apply_is_one_clear_error_and_a_rerun_converges(tmp_path: Path) -> None:
    spec = load_env("local")
    home, out = tmp_path / "home", tmp_path / "out"
    emulator.ensure(home)
    s3 = connect(spec, home).s3()
    namer = Namer(spec.prefix, spec.name)
    lock_key = namer.state_key("local-aws-foundation") + ".tflock"
    try:
        proc = _cli(home, "up", "--env", "local", "--outdir", str(out))
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            if (home / "bundles").is_dir() and _exists(s3, namer.state_bucket(), lock_key):
                break
            time.sleep(0.2)
        assert proc.poll() is None, "up finished before the emulator could be stopped"
        time.sleep(2)
        assert emulator.stop(home)  # the emulator dies mid-apply (and with it, its in-memory state)
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 2, stderr
        assert "Traceback" not in stderr and "fix:" in stderr
        # The emulator held the state bucket, so a re-run starts from nothing and converges.
        result = local_env.up(spec, home, out)
        assert result.verified and result.resources == _synthesized_resources(tmp_path)
    finally:
        emulator.stop(home)


def _synthesized_resources(tmp_path: Path) -> int:
    """Resources of the local environment's stacks as synthesized by the last `up` under tmp_path."""
    import json

    newest = max(tmp_path.glob("out*/stacks"), key=lambda d: d.stat().st_mtime)
    return sum(
        len(v)
        for f in newest.glob("local-aws-*/cdk.tf.json")
        for v in json.loads(f.read_text()).get("resource", {}).values()
    )
