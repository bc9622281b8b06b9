"""Apply tier, on the session's shared deployment of `local` (embedded moto, TLS on 127.0.0.1, the S3
state backend on the emulator itself): every stack's state holds what was synthesized, `verify` passes, a
second plan shows no changes; last of all the deployment's consumers, `down` destroys every stack, deletes
the state and stops the emulator, and the emulator shows that nothing is left."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from blueprint import emulator
from blueprint.emulator import local as local_env
from blueprint.naming import Namer
from tests.endpoint_capabilities import LOCAL_STACKS
from tests.shared_deployment import LocalDeployment

pytestmark = [
    pytest.mark.apply,
    pytest.mark.aws(
        services=LOCAL_STACKS,
        moto_patches=("kafka_describe_cluster", "sagemaker_create_model_network_isolation"),
    ),
]
IDS = [f"local-aws-{d}" for d in ("foundation", "lake", "warehouse", "streaming", "serving")]


def _resource_count(stack_file: Path) -> int:
    doc = json.loads(stack_file.read_text())
    return sum(len(v) for v in doc.get("resource", {}).values())


@pytest.mark.local_deployment(step=1)
def test_the_deployed_local_matches_its_stacks_verifies_and_replans_clean(
    local_deployment: LocalDeployment,
) -> None:
    d = local_deployment
    assert list(d.result.plans) == IDS
    status = local_env.status(d.spec, d.home)
    synthesized = [_resource_count(d.out / "stacks" / i / "cdk.tf.json") for i in IDS]
    assert [s.stack_id for s in status.stacks] == IDS
    assert [s.resources for s in status.stacks] == synthesized and synthesized[1] == 32  # 4 buckets x 8
    assert status.stacks[1].outputs["raw_bucket"] == "acme-local-lake-raw"
    assert status.endpoint is not None and status.endpoint.startswith("https://127.0.0.1:")
    checks = local_env.verify(d.spec, d.home)
    assert checks and not [c for c in checks if not c.ok]
    assert len({c.subject for c in checks}) == 5
    assert local_env.replan(d.spec, d.home, d.out) == dict.fromkeys(IDS, False)


@pytest.mark.local_deployment(step=99)
def test_down_destroys_everything_and_the_emulator_shows_it(local_deployment: LocalDeployment) -> None:
    d = local_deployment
    emu = emulator.running(d.home)
    assert emu is not None and emu.pid is not None
    s3 = boto3.client("s3", **emu.boto3_kwargs("us-east-1"))
    namer = Namer(d.spec.prefix, d.spec.name)
    ours = f"{d.spec.prefix}-{d.spec.name}-"
    before = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(ours)]
    assert namer.state_bucket() in before and len(before) == 6  # state, access logs, 4 lake buckets

    destroyed = local_env.down(d.spec, d.home, d.out, stop_emulator=False)
    assert destroyed == list(reversed(IDS))
    after = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(ours)]
    assert after == [], after  # no bucket of local, the state bucket and its objects included
    kms = boto3.client("kms", **emu.boto3_kwargs("us-east-1"))
    aliases = [
        a["AliasName"] for a in kms.list_aliases()["Aliases"] if a["AliasName"].startswith(f"alias/{ours}")
    ]
    assert aliases == []

    assert emulator.stop(d.home)
    assert emulator.running(d.home) is None and not (d.home / emulator.STATE_FILE).exists()
    assert not _alive(emu.pid)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return False
