"""Deploy an environment: synth, init, plan every stack to a saved plan, apply exactly those plans in
dependency order, and record the deployment (commit, bundle digest, per-stack plan digest and counts)
in the ledger kept in the environment's state bucket.

The same code serves the emulator (`local`, `localstg`) and the clouds; only the target differs.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprint import paths
from blueprint.progress import Progress, quiet
from blueprint.release import ledger
from blueprint.release.bundle import Bundle, current_commit, make_bundle, write_bundle
from blueprint.release.connection import Connection, connect, prepare_state
from blueprint.release.deploy_lock import deployment_lock
from blueprint.release.plans import StackPlan, init_all, plan_all, plan_one, select_stacks
from blueprint.spec import PlatformSpec
from blueprint.synth import Synthesized, synthesize
from blueprint.terraform import TerraformRunner
from blueprint.terraform.capabilities import lifecycle_clouds
from blueprint.terraform.scheduler import run_pipelined


def apply_all(
    runner: TerraformRunner,
    synth: Synthesized,
    plans: dict[str, StackPlan] | None = None,
    progress: Progress = quiet,
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


def deploy(
    spec: PlatformSpec,
    workdir: Path,
    outdir: Path,
    stack: str | None = None,
    progress: Progress = quiet,
    pipelined: bool = True,
    repo: Path | None = None,
) -> DeployResult:
    """Synth, plan to saved plans, apply them in dependency order, record the deployment in the ledger."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    progress("connecting")
    conn = connect(spec, workdir)
    s3 = conn.s3()
    prepare_state(conn, spec)
    timings["connect"] = time.perf_counter() - t0

    # One deploy of an environment at a time: a second one is refused here, before it plans anything.
    with deployment_lock(s3, spec, "deploy"):
        commit = current_commit(repo or paths.project_root())
        try:
            t0 = time.perf_counter()
            progress("synthesizing stacks")
            synth = synthesize([spec], lifecycle_clouds(spec), outdir)
            ids = select_stacks(synth, stack)
            timings["synth"] = time.perf_counter() - t0

            runner = conn.runner(workdir)
            t0 = time.perf_counter()
            progress(f"terraform init + plan of {len(ids)} stacks")
            init_all(runner, synth, ids)
            plans = plan_all(runner, synth, ids)
            timings["init+plan"] = time.perf_counter() - t0
        except BaseException as exc:
            ledger.record_failure(s3, spec, {"kind": "deploy", "commit": commit, "stage": "plan"}, exc)
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
            ledger.record_failure(s3, spec, {**base, "stage": "apply"}, exc)
            raise
        timings["apply (all stacks)"] = time.perf_counter() - t0
        # Deferred stacks were planned during the apply: the entry records the plans that were applied.
        stacks = {i: p.summary() for i, p in plans.items()}
        result.entry = ledger.record(s3, spec, {**base, "stacks": stacks, "result": "succeeded"})
        return result
