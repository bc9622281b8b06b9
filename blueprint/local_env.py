"""`up`, `down` and `status` of an environment that runs on the embedded AWS emulator.

`up`: emulator, state bucket, synth, init (all stacks at once), apply in dependency order, verify.
`down`: destroy in reverse order, delete the state bucket, stop the emulator: nothing is left behind.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from blueprint import emulator as emulator_mod
from blueprint import state
from blueprint.emulator import Emulator
from blueprint.errors import BlueprintError
from blueprint.spec import PlatformSpec
from blueprint.synth import Synthesized, synthesize
from blueprint.terraform import DEFAULT_TIMEOUT_S, Target, TerraformRunner
from blueprint.verify import Check, verify_aws

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


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
    progress: Progress = _quiet,
    verify: bool = True,
    pipelined: bool = True,
) -> UpResult:
    started = time.perf_counter()
    region = require_emulated(spec)
    timings: dict[str, float] = {}

    def lap(name: str, t0: float) -> None:
        timings[name] = time.perf_counter() - t0

    t0 = time.perf_counter()
    progress("starting the AWS emulator on 127.0.0.1")
    emu = emulator_mod.ensure(workdir)
    lap("emulator", t0)
    s3 = s3_client(emu, region)

    t0 = time.perf_counter()
    progress("bootstrapping the state bucket")
    bucket, _ = state.bootstrap(s3, spec)
    lap("bootstrap", t0)

    t0 = time.perf_counter()
    progress("synthesizing stacks")
    synth = synthesize([spec], {"aws"}, outdir)
    lap("synth", t0)

    runner = TerraformRunner(workdir, Target.EMULATOR, emu, region=region)
    t0 = time.perf_counter()
    progress(f"terraform init of {len(synth.stacks)} stacks")
    init_all(runner, synth)
    lap("init", t0)

    t0 = time.perf_counter()
    timings.update(apply_all(runner, synth, progress, pipelined))
    lap("apply (all stacks)", t0)

    result = UpResult(spec.name, emu.endpoint, bucket, timings=timings)
    result.stacks = state.read_stack_states(s3, spec, [s.stack_id for s in synth.stacks])
    if verify:
        t0 = time.perf_counter()
        progress("verifying with boto3")
        result.checks = verify_aws(s3, spec)
        lap("verify", t0)
    result.seconds = time.perf_counter() - started
    return result


def init_all(runner: TerraformRunner, synth: Synthesized) -> None:
    """Init every stack concurrently: init does not depend on other stacks' resources."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        for fut in [pool.submit(runner.init, synth.stack_dir(s.stack_id)) for s in synth.stacks]:
            fut.result()


def apply_all(
    runner: TerraformRunner, synth: Synthesized, progress: Progress = _quiet, pipelined: bool = True
) -> dict[str, float]:
    """Apply every stack; a stack starts as soon as its dependencies are ready (see TerraformRunner.apply),
    so independent waits overlap (`pipelined=False`: only once they are fully applied, the baseline).
    Returns seconds per stack; raises the first failure after all stop."""
    ready = {s.stack_id: threading.Event() for s in synth.stacks}
    failed = threading.Event()
    errors: list[BaseException] = []
    timings: dict[str, float] = {}

    def run(stack_id: str, deps: tuple[str, ...]) -> None:
        try:
            for dep in deps:
                ready[dep].wait(timeout=DEFAULT_TIMEOUT_S)  # set by the dependency, also on failure
            if failed.is_set() or not all(ready[d].is_set() for d in deps):
                return
            progress(f"terraform apply {stack_id}")
            t0 = time.perf_counter()
            runner.apply(synth.stack_dir(stack_id), ready=ready[stack_id] if pipelined else None)
            timings[f"apply {stack_id}"] = time.perf_counter() - t0
        except BaseException as exc:
            errors.append(exc)
            failed.set()
        finally:
            ready[stack_id].set()

    threads = [threading.Thread(target=run, args=(s.stack_id, s.depends_on)) for s in synth.stacks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return timings


def replan(spec: PlatformSpec, workdir: Path, outdir: Path) -> dict[str, bool]:
    """stack id -> whether a fresh plan against the emulator shows changes (False = clean)."""
    region = require_emulated(spec)
    emu = _running_or_fail(workdir)
    synth = synthesize([spec], {"aws"}, outdir)
    runner = TerraformRunner(workdir, Target.EMULATOR, emu, region=region)
    init_all(runner, synth)
    return {s.stack_id: runner.plan(synth.stack_dir(s.stack_id)).changes for s in synth.stacks}


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


def down(spec: PlatformSpec, workdir: Path, outdir: Path, progress: Progress = _quiet) -> list[str]:
    """Destroy every stack (reverse dependency order), delete the state bucket, stop the emulator."""
    region = require_emulated(spec)
    emu = emulator_mod.running(workdir)
    done: list[str] = []
    if emu is None:
        progress("no emulator running: nothing to destroy")
        return done
    s3 = s3_client(emu, region)
    synth = synthesize([spec], {"aws"}, outdir)
    runner = TerraformRunner(workdir, Target.EMULATOR, emu, region=region)
    init_all(runner, synth)
    for stack in reversed(synth.stacks):
        progress(f"terraform destroy {stack.stack_id}")
        runner.destroy(synth.stack_dir(stack.stack_id))
        done.append(stack.stack_id)
    progress("deleting the state bucket")
    state.delete_state_bucket(s3, spec)
    if emu.owned:
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
    from main import plan_stacks

    ids = [p.stack_id for p in plan_stacks([spec], {"aws"})]
    return Status(emu.endpoint, emu.pid, state.read_stack_states(s3_client(emu, region), spec, ids))
