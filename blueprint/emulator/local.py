"""`up`, `down` and `status` of an environment that runs on the embedded AWS emulator.

`up`: emulator, state bucket, synth, init (all stacks at once), apply in dependency order, verify.
`down`: destroy in reverse order, delete the state bucket, stop the emulator: nothing is left behind.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from blueprint import emulator as emulator_mod
from blueprint.emulator import Emulator
from blueprint.errors import BlueprintError
from blueprint.naming import Namer
from blueprint.progress import Progress, quiet
from blueprint.release import deploy as deploy_mod
from blueprint.release import state_store as state
from blueprint.release.plans import init_all
from blueprint.spec import PlatformSpec
from blueprint.synth import synthesize
from blueprint.terraform import Target, TerraformRunner, inputs
from blueprint.terraform.capabilities import lifecycle_clouds
from blueprint.verify.aws import verify_aws
from blueprint.verify.checks import Check


@dataclass
class UpResult:
    env: str
    endpoint: str
    state_bucket: str
    stacks: list[state.StackState] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def resources(self) -> int:
        return sum(s.resources for s in self.stacks)

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)


def require_emulated(spec: PlatformSpec) -> str:
    aws = spec.clouds.aws
    if aws is None or not aws.enabled or not aws.emulator:
        raise BlueprintError(
            f"environment {spec.name!r} does not target the emulator (clouds.aws.emulator is not true)",
            fix="use `blueprint up --env local`; cloud environments are deployed by `blueprint deploy`",
        )
    return aws.region


def s3_client(emu: Emulator, region: str) -> Any:
    return boto3.client("s3", **emu.boto3_kwargs(region))


def up(
    spec: PlatformSpec,
    workdir: Path,
    outdir: Path,
    progress: Progress = quiet,
    verify: bool = True,
    pipelined: bool = True,
) -> UpResult:
    """Deploy (emulator, state bucket, synth, saved plans, pipelined applies, ledger entry), then verify."""
    started = time.perf_counter()
    require_emulated(spec)
    deployed = deploy_mod.deploy(spec, workdir, outdir, progress=progress, pipelined=pipelined)
    conn = deployed.connection
    assert conn is not None and conn.emulator is not None
    s3 = conn.s3()
    result = UpResult(spec.name, conn.emulator.endpoint, Namer(spec.prefix, spec.name).state_bucket())
    result.timings = deployed.timings
    result.stacks = state.read_stack_states(s3, spec, list(deployed.plans))
    if verify:
        t0 = time.perf_counter()
        progress("verifying with boto3")
        result.checks = verify_aws(s3, spec)
        result.timings["verify"] = time.perf_counter() - t0
    result.seconds = time.perf_counter() - started
    return result


def replan(spec: PlatformSpec, workdir: Path, outdir: Path) -> dict[str, bool]:
    """stack id -> whether a fresh plan against the emulator shows changes (False = clean)."""
    region = require_emulated(spec)
    emu = _running_or_fail(workdir)
    synth = synthesize([spec], lifecycle_clouds(spec), outdir)
    runner = TerraformRunner(workdir, Target.EMULATOR, emu, region=region)
    ids = [s.stack_id for s in synth.stacks]
    init_all(runner, synth, ids)
    changes: dict[str, bool] = {}
    for i in ids:
        inputs.fill(runner, synth.stack_dir(i))
        changes[i] = runner.plan(synth.stack_dir(i)).changes
    return changes


def _running_or_fail(workdir: Path) -> Emulator:
    emu = emulator_mod.running(workdir)
    if emu is None:
        raise BlueprintError(
            "no emulator is running for this working directory", fix="run `blueprint up --env local` first"
        )
    return emu


def verify(spec: PlatformSpec, workdir: Path) -> list[Check]:
    region = require_emulated(spec)
    return verify_aws(s3_client(_running_or_fail(workdir), region), spec)


def down(
    spec: PlatformSpec,
    workdir: Path,
    outdir: Path,
    progress: Progress = quiet,
    stop_emulator: bool = True,
) -> list[str]:
    """Destroy every stack (reverse dependency order), delete the state bucket, stop the emulator
    (unless `stop_emulator` is False: the caller looks at what is left first)."""
    region = require_emulated(spec)
    emu = emulator_mod.running(workdir)
    done: list[str] = []
    if emu is None:
        if emulator_mod.stop(workdir):  # alive but not answering: still ended by its PID
            progress("the emulator did not answer: stopped it; its state went with it")
        else:
            progress("no emulator running: nothing to destroy")
        return done
    s3 = s3_client(emu, region)
    synth = synthesize([spec], lifecycle_clouds(spec), outdir)
    runner = TerraformRunner(workdir, Target.EMULATOR, emu, region=region)
    init_all(runner, synth, [s.stack_id for s in synth.stacks])
    for stack in reversed(synth.stacks):
        progress(f"terraform destroy {stack.stack_id}")
        # Dependents go first, so the outputs they read still exist (destroy needs the inputs too).
        inputs.fill(runner, synth.stack_dir(stack.stack_id), allow_missing=True)
        runner.destroy(synth.stack_dir(stack.stack_id))
        done.append(stack.stack_id)
    progress("deleting the state bucket")
    state.delete_state_bucket(s3, spec)
    if emu.owned and stop_emulator:
        progress("stopping the emulator")
        emulator_mod.stop(workdir)
    return done


@dataclass
class Status:
    endpoint: str | None
    pid: int | None
    stacks: list[state.StackState]


def status(spec: PlatformSpec, workdir: Path) -> Status:
    region = require_emulated(spec)
    emu = emulator_mod.running(workdir)
    if emu is None:
        return Status(None, None, [])
    from stacks.app import plan_stacks

    ids = [p.stack_id for p in plan_stacks([spec], lifecycle_clouds(spec))]
    return Status(emu.endpoint, emu.pid, state.read_stack_states(s3_client(emu, region), spec, ids))


def shell_exports(spec: PlatformSpec, workdir: Path) -> list[tuple[str, str]]:
    """The variables that let plain `terraform` / `cdktn deploy` reach an emulator environment."""
    from blueprint.release.connection import connect

    conn = connect(spec, workdir, start=False)
    found = [
        (key, value)
        for key, value in sorted(conn.runner(workdir).env().items())
        if key.startswith("AWS_") or key == "TF_CLI_CONFIG_FILE"
    ]
    return [
        *found,
        ("BLUEPRINT_HOME", str(workdir.resolve())),
        ("BLUEPRINT_ENVS", spec.name),
        ("BLUEPRINT_CLOUDS", "aws"),
    ]
