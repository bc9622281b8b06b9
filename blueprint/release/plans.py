"""Saved plans: one per stack, its digest (what the plan would do, values hashed) and counts; planned
two at a time, a stack that reads outputs about to change planned only after they are applied."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blueprint.errors import BlueprintError
from blueprint.release.bundle import canonical, sha256
from blueprint.spec import PlatformSpec
from blueprint.synth import Synthesized, synthesize
from blueprint.terraform import PlanResult, Target, TerraformRunner, inputs
from blueprint.terraform.capabilities import lifecycle_clouds, plannable_here


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


def select_stacks(synth: Synthesized, stack: str | None) -> list[str]:
    ids = [s.stack_id for s in synth.stacks]
    if stack is None:
        return ids
    if stack not in ids:
        raise BlueprintError(f"--stack {stack}: no such stack", fix=f"use one of {ids}")
    return [stack]


def validate_environments(specs: list[PlatformSpec], workdir: Path, outdir: Path) -> list[str]:
    """`terraform init` + `validate` of every stack terraform can install the provider of here, offline
    (provider mirror, no credentials). Returns the stack ids validated, in order."""
    synth = synthesize(specs, set(plannable_here()), outdir)
    runner = TerraformRunner(workdir, Target.OFFLINE)
    for s in synth.stacks:
        runner.init(synth.stack_dir(s.stack_id))
        runner.validate(synth.stack_dir(s.stack_id))
    return [s.stack_id for s in synth.stacks]


def plan_environment(
    spec: PlatformSpec, workdir: Path, outdir: Path, stack: str | None = None, offline: bool = False
) -> tuple[Target, list[tuple[str, PlanResult]]]:
    """Plan the environment's stacks: against the running emulator for an emulated environment (unless
    `offline`), else offline (local state, no refresh, no credentials)."""
    from blueprint import emulator

    synth = synthesize([spec], lifecycle_clouds(spec), outdir)
    ids = select_stacks(synth, stack)
    emu = emulator.running(workdir) if spec.emulated and not offline else None
    if spec.emulated and not offline and emu is None:
        raise BlueprintError(
            "no emulator is running", fix="run `blueprint up --env local` first, or pass --offline"
        )
    target = Target.EMULATOR if emu else Target.OFFLINE
    runner = TerraformRunner(workdir, target, emu, region=spec.clouds.require("aws").region)
    results: list[tuple[str, PlanResult]] = []
    for stack_id in ids:
        runner.init(synth.stack_dir(stack_id))
        results.append((stack_id, runner.plan(synth.stack_dir(stack_id))))
    return target, results
