"""Apply tier: `up` -> `verify` -> a second plan shows no changes -> `down` leaves nothing, on the
embedded moto emulator (TLS on 127.0.0.1), with the S3 state backend on the emulator itself."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from blueprint import emulator
from blueprint.emulator import local as local_env
from blueprint.naming import Namer
from blueprint.spec import load_env

pytestmark = pytest.mark.apply


def test_up_verify_replan_down(tmp_path: Path) -> None:
    spec = load_env("local")
    home, out = tmp_path / "home", tmp_path / "out"
    try:
        result = local_env.up(spec, home, out)
        ids = [f"local-aws-{d}" for d in ("foundation", "lake", "warehouse", "streaming", "serving")]
        assert [s.stack_id for s in result.stacks] == ids
        synthesized = [_resource_count(out / "stacks" / i / "cdk.tf.json") for i in ids]
        assert result.resources == sum(synthesized) and synthesized[1] == 32  # 4 buckets x 8
        failed = [c for c in result.checks if not c.ok]
        assert not failed, failed
        assert len({c.subject for c in result.checks}) == 5
        assert result.stacks[1].outputs["raw_bucket"] == "acme-local-lake-raw"

        emu = emulator.running(home)
        assert emu is not None and emu.endpoint.startswith("https://127.0.0.1:")

        assert local_env.replan(spec, home, out) == dict.fromkeys(ids, False)

        status = local_env.status(spec, home)
        assert [s.resources for s in status.stacks] == synthesized
    finally:
        destroyed = local_env.down(spec, home, out)
    assert destroyed == list(reversed(ids))
    assert emulator.running(home) is None
    assert emu.pid is not None and not _alive(emu.pid)
    # Nothing is left: a fresh emulator has no buckets, and the old endpoint is gone.
    with pytest.raises(Exception):  # noqa: B017 - any connection error proves the emulator is gone
        boto3.client("s3", **emu.boto3_kwargs("us-east-1")).list_buckets()
    assert Namer("acme", "local").state_bucket() == result.state_bucket


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return False


def _resource_count(stack_file: Path) -> int:
    import json

    doc = json.loads(stack_file.read_text())
    return sum(len(v) for v in doc.get("resource", {}).values())
