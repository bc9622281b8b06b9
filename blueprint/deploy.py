"""Deploy an environment: synth, init, plan every stack to a saved plan, apply exactly those plans in
dependency order, and record the deployment (commit, bundle digest, per-stack plan digest and counts)
in the ledger kept in the environment's state bucket. Also: drift detection.

The same code serves the emulator (`local`, `localstg`) and the clouds; only the target differs.
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
from botocore.exceptions import BotoCoreError

from blueprint import emulator as emulator_mod
from blueprint import ledger, state
from blueprint.bundle import Bundle, canonical, current_commit, make_bundle, sha256, write_bundle
from blueprint.emulator import Emulator
from blueprint.errors import BlueprintError
from blueprint.spec import PlatformSpec
from blueprint.synth import Synthesized, synthesize
from blueprint.terraform import Target, TerraformRunner, inputs
from blueprint.terraform.capabilities import lifecycle_clouds
from blueprint.terraform.scheduler import run_pipelined

Progress = Callable[[str], None]
REPO = Path(__file__).resolve().parent.parent


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class Connection:
    """Where an environment's AWS stacks and state live."""

    target: Target
    region: str
    emulator: Emulator | None

    def s3(self) -> Any:
        if self.emulator is not None:
            return boto3.client("s3", **self.emulator.boto3_kwargs(self.region))
        return boto3.client("s3", region_name=self.region)

    def runner(self, workdir: Path) -> TerraformRunner:
        return TerraformRunner(workdir, self.target, self.emulator, region=self.region)


def connect(spec: PlatformSpec, workdir: Path, start: bool = True) -> Connection:
    """The emulator (started when `start` and not running) for emulated environments, else the cloud."""
    aws = spec.clouds.aws
    if aws is None or not aws.enabled:
        raise BlueprintError(f"{spec.name} has no AWS cloud", fix="enable clouds.aws in the environment file")
    if not aws.emulator:
        return Connection(Target.CLOUD, aws.region, None)
    emu = emulator_mod.ensure(workdir) if start else emulator_mod.running(workdir)
    if emu is None:
        raise BlueprintError(
            f"no emulator is running for {spec.name}", fix=f"run `blueprint deploy --env {spec.name}` first"
        )
    return Connection(Target.EMULATOR, aws.region, emu)


def prepare_state(conn: Connection, spec: PlatformSpec) -> None:
    """On the emulator the state bucket is part of the environment: create it. In a cloud it is made
    once by `blueprint bootstrap` with admin rights, never by a deploy role."""
    if conn.target is Target.EMULATOR:
        state.bootstrap(conn.s3(), spec)


@dataclass
class StackPlan:
    stack_id: str
    plan_file: Path | None
    digest: str
    counts: dict[str, int]
    addresses: set[tuple[str, str]]  # (address, type) of every resource that changes
    changed_outputs: frozenset[str] = frozenset()
    # Stacks whose outputs this one reads and that change them: it is planned after they are applied.
    deferred_on: tuple[str, ...] = ()

    @classmethod
    def deferred(cls, stack_id: str, on: tuple[str, ...]) -> StackPlan:
        return cls(stack_id, None, "", {}, set(), deferred_on=on)

    @property
    def changes(self) -> bool:
        return bool(self.deferred_on) or any(v for k, v in self.counts.items() if k != "no-op")

    def describe(self) -> str:
        if self.deferred_on:
            return f"planned after {', '.join(self.deferred_on)} is applied"
        kinds = ("create", "update", "replace", "delete")
        changes = [f"{self.counts[k]} {k}" for k in kinds if self.counts.get(k)]
        return f"{', '.join(changes) or 'no changes'}  plan {self.digest[:12]}"

    def summary(self) -> dict[str, Any]:
        if self.deferred_on:
            return {"planned_after": list(self.deferred_on)}
        return {"plan_digest": self.digest, "counts": self.counts}


def plan_digest_and_counts(plan: dict[str, Any]) -> tuple[str, dict[str, int], set[tuple[str, str]]]:
    """Digest of what a plan would do (addresses, actions, planned values); values are hashed, never kept."""
    counts = {"create": 0, "update": 0, "replace": 0, "delete": 0, "no-op": 0}
    essence: list[Any] = []
    changing: set[tuple[str, str]] = set()
    for rc in sorted(plan.get("resource_changes", []), key=lambda r: str(r.get("address"))):
        change = rc.get("change", {})
        actions = list(change.get("actions", []))
        kind = (
            "replace"
            if sorted(actions) == ["create", "delete"]
            else actions[0]
            if len(actions) == 1 and actions[0] in counts
            else "no-op"
        )
        counts[kind] += 1
        if kind != "no-op":
            changing.add((str(rc.get("address")), str(rc.get("type"))))
        essence.append([rc.get("address"), actions, change.get("after"), change.get("after_unknown")])
    essence.append(sorted((plan.get("output_changes") or {}).items()))
    return sha256(canonical(essence)), counts, changing


def init_all(runner: TerraformRunner, synth: Synthesized, stack_ids: list[str]) -> None:
    """Init every stack concurrently: init does not depend on other stacks' resources."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        for fut in [pool.submit(runner.init, synth.stack_dir(s)) for s in stack_ids]:
            fut.result()


def plan_one(runner: TerraformRunner, synth: Synthesized, stack_id: str) -> StackPlan:
    """Fill the stack's inputs from the stacks it reads, then a saved plan and its digest."""
    stack_dir = synth.stack_dir(stack_id)
    inputs.fill(runner, stack_dir)
    plan_file = (stack_dir / "blueprint.tfplan").resolve()
    runner.plan(stack_dir, out=plan_file)
    shown = runner.show_json(stack_dir, plan_file)
    digest, counts, addresses = plan_digest_and_counts(shown)
    output_changes = shown.get("output_changes") or {}
    changed = frozenset(name for name, ch in output_changes.items() if ch.get("actions") != ["no-op"])
    return StackPlan(stack_id, plan_file, digest, counts, addresses, changed)


def plan_all(runner: TerraformRunner, synth: Synthesized, stack_ids: list[str]) -> dict[str, StackPlan]:
    """A saved plan per stack, two at a time. A stack that reads outputs of another stack in this run
    that will change them (or has none yet) is not planned now: it is planned after that stack is
    applied (`StackPlan.deferred_on`), so no plan is made from values that are about to change."""
    remaining = [s.stack_id for s in synth.stacks if s.stack_id in stack_ids]
    reads = {i: inputs.sources(synth.stack_dir(i)) for i in remaining}
    plans: dict[str, StackPlan] = {}

    def one(stack_id: str) -> StackPlan:
        blocking = tuple(
            source
            for source, outputs in sorted(reads[stack_id].items())
            if source in plans and (plans[source].deferred_on or outputs & plans[source].changed_outputs)
        )
        return StackPlan.deferred(stack_id, blocking) if blocking else plan_one(runner, synth, stack_id)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(len(remaining)):  # each wave settles at least one stack (inputs form a DAG)
            if not remaining:
                break
            wave = [i for i in remaining if not (set(reads[i]) & set(remaining))]
            if not wave:
                raise BlueprintError(
                    f"stacks {remaining} read each other's outputs in a cycle",
                    fix="fix the inputs of the modules (modules/*/aws.py input_from calls)",
                )
            plans.update(zip(wave, pool.map(one, wave), strict=True))
            remaining = [i for i in remaining if i not in wave]
    return plans


def apply_all(
    runner: TerraformRunner,
    synth: Synthesized,
    plans: dict[str, StackPlan] | None = None,
    progress: Progress = _quiet,
    pipelined: bool = True,
    plan_deferred: bool = True,
) -> dict[str, float]:
    """Apply every stack (its saved plan when given) with the apply scheduler: a stack starts as soon as
    its dependencies are ready (see TerraformRunner.apply), so independent waits overlap
    (`pipelined=False`: only once they are fully applied, the baseline). A deferred stack is planned once
    the stacks it reads are fully applied, its plan stored in `plans` (with `plan_deferred=False` it is
    left for a later run). Returns seconds per stack; raises the first failure after all stop."""
    ids = [s.stack_id for s in synth.stacks if plans is None or s.stack_id in plans]
    deps = {s.stack_id: s.depends_on for s in synth.stacks}
    timings: dict[str, float] = {}

    def full(stack_id: str) -> set[str]:
        plan = plans.get(stack_id) if plans is not None else None
        return set(plan.deferred_on) if plan else set()

    def work(stack_id: str, ready: threading.Event) -> None:
        plan = plans[stack_id] if plans is not None else None
        if plan is not None and plan.deferred_on:
            if not plan_deferred:
                return
            progress(f"terraform plan {stack_id} (after {', '.join(plan.deferred_on)})")
            assert plans is not None
            plan = plans[stack_id] = plan_one(runner, synth, stack_id)
        if plan is not None and not plan.changes:
            return
        progress(f"terraform apply {stack_id}")
        t0 = time.perf_counter()
        runner.apply(
            synth.stack_dir(stack_id),
            ready=ready,
            plan_file=plan.plan_file if plan else None,
            planned=plan.addresses if plan else None,
        )
        timings[f"apply {stack_id}"] = time.perf_counter() - t0

    outcome = run_pipelined(ids, deps, work, full=full, pipelined=pipelined)
    if (error := outcome.first_error()) is not None:
        raise error
    return timings


@dataclass
class DeployResult:
    env: str
    commit: str
    bundle: Bundle
    plans: dict[str, StackPlan]
    entry: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    connection: Connection | None = None


def select(synth: Synthesized, stack: str | None) -> list[str]:
    ids = [s.stack_id for s in synth.stacks]
    if stack is None:
        return ids
    if stack not in ids:
        raise BlueprintError(f"--stack {stack}: no such stack", fix=f"use one of {ids}")
    return [stack]


def deploy(
    spec: PlatformSpec,
    workdir: Path,
    outdir: Path,
    stack: str | None = None,
    progress: Progress = _quiet,
    pipelined: bool = True,
    repo: Path = REPO,
) -> DeployResult:
    """Synth, plan to saved plans, apply them in dependency order, record the deployment in the ledger."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    progress("connecting")
    conn = connect(spec, workdir)
    s3 = conn.s3()
    prepare_state(conn, spec)
    timings["connect"] = time.perf_counter() - t0

    commit = current_commit(repo)
    try:
        t0 = time.perf_counter()
        progress("synthesizing stacks")
        synth = synthesize([spec], lifecycle_clouds(spec), outdir)
        ids = select(synth, stack)
        timings["synth"] = time.perf_counter() - t0

        runner = conn.runner(workdir)
        t0 = time.perf_counter()
        progress(f"terraform init + plan of {len(ids)} stacks")
        init_all(runner, synth, ids)
        plans = plan_all(runner, synth, ids)
        timings["init+plan"] = time.perf_counter() - t0
    except BaseException as exc:
        record_failure(s3, spec, {"kind": "deploy", "commit": commit, "stage": "plan"}, exc)
        raise

    bundle = make_bundle(spec, outdir, ids, commit)
    write_bundle(bundle, outdir, workdir / "bundles")
    base = {
        "kind": "deploy",
        "commit": commit,
        "bundle": bundle.digest,
        "stacks": {i: p.summary() for i, p in plans.items()},
        "started": ledger.now(),
    }
    result = DeployResult(spec.name, commit, bundle, plans, timings=timings, connection=conn)
    t0 = time.perf_counter()
    try:
        timings.update(apply_all(runner, synth, plans, progress, pipelined))
    except BaseException as exc:
        record_failure(s3, spec, {**base, "stage": "apply"}, exc)
        raise
    timings["apply (all stacks)"] = time.perf_counter() - t0
    # Deferred stacks were planned during the apply: the entry records the plans that were applied.
    stacks = {i: p.summary() for i, p in plans.items()}
    result.entry = ledger.record(s3, spec, {**base, "stacks": stacks, "result": "succeeded"})
    return result


def record_failure(s3: Any, spec: PlatformSpec, entry: dict[str, Any], exc: BaseException) -> None:
    """Record a failed run in the ledger; if the ledger itself is unreachable (the backend is down),
    the original error is what the user needs, so it is not masked."""
    try:
        ledger.record(s3, spec, {**entry, **_failure(exc)})
    except (BlueprintError, OSError, BotoCoreError):
        exc.add_note("(the failure could not be recorded in the ledger: the state backend is unreachable)")


def _failure(exc: BaseException) -> dict[str, str]:
    """A ledger-safe description of a failure: its first line only (terraform details stay in the log)."""
    first = str(exc).splitlines()[0][:500] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, SystemExit | KeyboardInterrupt):
        first = f"interrupted ({type(exc).__name__} {exc})"
    return {"result": "failed", "error": first}


def drift(spec: PlatformSpec, workdir: Path, outdir: Path) -> dict[str, StackPlan]:
    """A fresh plan of every stack; any change means the environment differs from the code (drift)."""
    conn = connect(spec, workdir, start=False)
    synth = synthesize([spec], lifecycle_clouds(spec), outdir)
    ids = [s.stack_id for s in synth.stacks]
    runner = conn.runner(workdir)
    init_all(runner, synth, ids)
    return plan_all(runner, synth, ids)
