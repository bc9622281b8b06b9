"""Promote what was tested in one environment to the next one (dev -> staging -> prod), and nothing else.

`promote(A, B)` refuses unless B is A's `promotion.next`, A's ledger shows a successful deploy of the
current commit, and (with `apply`) the fresh plan of B equals the approved one. Without `apply` it
writes B's plan summary for approval; it shows the spec differences between A and B so the reviewer
sees what is environment-specific.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprint import paths
from blueprint.errors import BlueprintError
from blueprint.progress import Progress, quiet
from blueprint.release import ledger
from blueprint.release.bundle import current_commit, make_bundle
from blueprint.release.connection import connect, prepare_state
from blueprint.release.deploy import apply_all
from blueprint.release.deploy_lock import deployment_lock
from blueprint.release.plans import StackPlan, init_all, plan_all
from blueprint.spec import PlatformSpec
from blueprint.synth import synthesize
from blueprint.terraform.capabilities import lifecycle_clouds

# Fields that differ between any two environments by construction, not by choice.
_IDENTITY_FIELDS = {"name", "tags.environment", "promotion.next"}


def spec_differences(a: PlatformSpec, b: PlatformSpec) -> list[tuple[str, Any, Any]]:
    """(field, value in A, value in B) for every setting that differs, identity fields aside."""
    flat_a, flat_b = _flatten(a.model_dump(mode="json")), _flatten(b.model_dump(mode="json"))
    keys = sorted(set(flat_a) | set(flat_b))
    return [
        (k, flat_a.get(k), flat_b.get(k))
        for k in keys
        if k not in _IDENTITY_FIELDS and flat_a.get(k) != flat_b.get(k)
    ]


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(_flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): node}


def check_order(source: PlatformSpec, target: PlatformSpec, chain: list[str]) -> None:
    if source.promotion.next == target.name:
        return
    if source.name in chain and target.name in chain and chain.index(target.name) > chain.index(source.name):
        skipped = chain[chain.index(source.name) + 1 : chain.index(target.name)]
        raise BlueprintError(
            f"promotion from {source.name} to {target.name} skips {', '.join(skipped)}",
            fix=f"promote {source.name} -> {source.promotion.next} first (order: {' -> '.join(chain)})",
        )
    raise BlueprintError(
        f"{target.name} is not the next stage after {source.name} (order: {' -> '.join(chain) or 'none'})",
        fix=f"promote {source.name} to {source.promotion.next}"
        if source.promotion.next
        else f"{source.name} is the last stage; nothing is promoted from it",
    )


@dataclass
class Promotion:
    source: str
    target: str
    commit: str
    source_entry: dict[str, Any]
    differences: list[tuple[str, Any, Any]]
    plans: dict[str, StackPlan]
    bundle: str
    summary_file: Path | None = None
    applied: bool = False
    entry: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "commit": self.commit,
            "source_deployment": self.source_entry.get("id"),
            "bundle": self.bundle,
            "stacks": {i: p.summary() for i, p in sorted(self.plans.items())},
        }


def approvals_dir(workdir: Path) -> Path:
    return workdir / "promotions"


def promote(
    source: PlatformSpec,
    target: PlatformSpec,
    chain: list[str],
    workdir: Path,
    outdir: Path,
    apply: bool = False,
    approved: Path | None = None,
    progress: Progress = quiet,
    repo: Path | None = None,
) -> Promotion:
    check_order(source, target, chain)
    commit = current_commit(repo or paths.project_root())
    progress(f"reading the ledger of {source.name}")
    source_conn = connect(source, workdir)
    deployed = ledger.last_success(ledger.history(source_conn.s3(), source))
    if deployed is None:
        raise BlueprintError(
            f"{source.name} has no successful deployment in its ledger: nothing tested to promote",
            fix=f"run `blueprint deploy --env {source.name}` first",
        )
    if deployed.get("commit") != commit:
        raise BlueprintError(
            f"{source.name} last deployed commit {deployed.get('commit')}, but this checkout is {commit}",
            fix=f"check out {deployed.get('commit')} to promote what was tested, "
            f"or deploy this commit to {source.name} first",
        )

    conn = connect(target, workdir)
    prepare_state(conn, target)
    synth = synthesize([target], lifecycle_clouds(target), outdir)
    ids = [s.stack_id for s in synth.stacks]
    runner = conn.runner(workdir)
    progress(f"planning {target.name}")
    init_all(runner, synth, ids)
    plans = plan_all(runner, synth, ids)
    bundle = make_bundle(target, outdir, ids, commit)
    result = Promotion(
        source.name, target.name, commit, deployed, spec_differences(source, target), plans, bundle.digest
    )
    approval = approved or approvals_dir(workdir) / f"{source.name}-to-{target.name}.json"
    if not apply:
        approval.parent.mkdir(parents=True, exist_ok=True)
        approval.write_text(json.dumps(result.summary(), indent=2, sort_keys=True) + "\n")
        result.summary_file = approval
        return result

    if not approval.is_file():
        raise BlueprintError(
            f"no approved plan for {source.name} -> {target.name} at {approval}",
            fix=f"run `blueprint promote --from {source.name} --to {target.name}` and have it reviewed first",
        )
    try:
        reviewed = json.loads(approval.read_text())
    except ValueError:
        raise BlueprintError(
            f"{approval} is not valid JSON", fix="re-create it with `blueprint promote`"
        ) from None
    stale = _stale_reasons(reviewed, result.summary())
    if stale:
        raise BlueprintError(
            f"the plan of {target.name} changed since it was approved ({'; '.join(stale)}); "
            "nothing was applied",
            fix=f"review the new plan: run `blueprint promote --from {source.name} --to {target.name}` again",
        )
    progress(f"applying the approved plan to {target.name}")
    s3 = conn.s3()
    base = {
        "kind": "promote",
        "from": source.name,
        "source_deployment": deployed.get("id"),
        "commit": commit,
        "bundle": bundle.digest,
        "stacks": {i: p.summary() for i, p in plans.items()},
        "started": ledger.now(),
    }
    t0 = time.perf_counter()
    with deployment_lock(s3, target, f"promotion from {source.name}"):
        try:
            # A stack planned after another is applied was not in the reviewed plan: it waits for the
            # next promotion run, where it is planned, shown and approved like the rest.
            apply_all(runner, synth, plans, progress, plan_deferred=False)
        except BaseException as exc:
            ledger.record_failure(s3, target, base, exc)
            raise
        result.entry = ledger.record(
            s3, target, {**base, "result": "succeeded", "seconds": time.perf_counter() - t0}
        )
    result.applied = True
    return result


def _stale_reasons(approved: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    reasons: list[str] = []
    for key in ("source", "target", "commit", "source_deployment"):
        if approved.get(key) != fresh.get(key):
            reasons.append(f"{key} was {approved.get(key)}, now {fresh.get(key)}")
    old, new = approved.get("stacks", {}), fresh.get("stacks", {})
    for stack_id in sorted(set(old) | set(new)):
        if (old.get(stack_id) or {}).get("plan_digest") != (new.get(stack_id) or {}).get("plan_digest"):
            reasons.append(f"{stack_id} plans differently")
    return reasons
