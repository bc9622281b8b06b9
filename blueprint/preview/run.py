"""Pull-request plan previews: what a change does to every environment and cloud, in one report.

    base ref + head ref (or the working tree)
      -> affected.py: synthesize both (worktrees), compare normalized stack JSON -> affected stacks
      -> planner.py: plan the affected stacks terraform can plan in the mode (`plan -out` + `show -json`);
         every other stack gets a synth-level diff, labelled with why
      -> model.py: masked summaries (attribute NAMES, never values)
      -> policy findings new in head (the policy gate's invariants)
      -> render.py: markdown <= 60,000 characters; full report + summaries written to --out

`--summaries DIR` (summaries.py) renders from per-stack summaries planned elsewhere (the CI matrix) and
plans nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from blueprint.errors import BlueprintError
from blueprint.policy.gate import evaluate
from blueprint.policy.model import StackDoc
from blueprint.preview.affected import Revision, Revisions, StackDelta, compare, synthesize_revisions
from blueprint.preview.model import PolicyFinding, PolicySection, Report
from blueprint.preview.planner import Mode, plan_stacks
from blueprint.preview.render import COMMENT_LIMIT, Rendered, render_comment, render_full
from blueprint.preview.summaries import from_summaries
from blueprint.progress import Progress, quiet
from blueprint.spec import load_spec

MODE_NOTES: dict[str, str] = {
    "emulator": "Planned on the emulator: the base revision's affected stacks were applied to a fresh "
    "emulator and head was planned against that state, so deletes, updates and replacements are real.",
    "offline": "Planned **offline against empty state**: every resource shows as a create; deletes, "
    "updates and replacements cannot be seen in this mode (see the dangerous section for synth-level "
    "removals).",
    "cloud": "Planned against each environment's current state with read-only credentials (-lock=false "
    "unless locking was asked for).",
    "deployed": "Planned against the deployed state of the emulated environment (the emulator `blueprint "
    "up` runs), read-only (-lock=false): exactly what merging would change in it.",
    "summaries": "Rendered from the per-stack plan summaries of the plan jobs.",
}
COMMENT_FILE = "comment.md"
REPORT_FILE = "preview.md"
REPORT_JSON = "report.json"
STACKS_DIR = "stacks"


@dataclass
class PreviewOptions:
    """What `blueprint preview` was asked for."""

    base: str
    head: str | None = None
    repo: Path = field(default_factory=Path.cwd)
    out: Path = Path(".blueprint/preview")
    mode: Mode = "emulator"
    envs: set[str] | None = None
    stacks: set[str] | None = None
    lock: bool = True
    summaries: Path | None = None  # render from these per-stack summaries; plan nothing
    limit: int = COMMENT_LIMIT
    artifacts: str | None = None  # where the full report is, as the comment says it
    home: Path | None = None  # deployed mode: the BLUEPRINT_HOME whose running emulator holds the state
    progress: Progress = quiet


@dataclass
class PreviewResult:
    """The report, the comment rendered from it, and where the files were written."""

    report: Report
    comment: Rendered
    out: Path
    workspace: Path  # temporary: worktrees, synth output, terraform dirs, the emulator; deleted on return
    timings: dict[str, float] = field(default_factory=dict)


# -- entry point -----------------------------------------------------------------------------------------


def preview(opts: PreviewOptions) -> PreviewResult:
    """Synthesize base and head, plan what changed, render and write the report."""
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    workspace = Path(tempfile.mkdtemp(prefix="blueprint-preview-"))
    revs: Revisions | None = None
    try:
        t0 = time.perf_counter()
        opts.progress(f"synthesizing base {opts.base} and head {opts.head or 'working tree'}")
        revs = synthesize_revisions(opts.repo, opts.base, opts.head, workspace, opts.envs)
        timings["synth (base + head)"] = time.perf_counter() - t0
        deltas = compare(revs.base, revs.head, opts.envs)
        if opts.stacks:
            unknown = opts.stacks - {d.stack.stack_id for d in deltas}
            known = set(revs.base.stacks) | set(revs.head.stacks)
            if unknown - known:
                raise BlueprintError(
                    f"--stack {sorted(unknown - known)}: no such stack in base or head",
                    fix=f"use one of {sorted(known)}",
                )
            deltas = [d for d in deltas if d.stack.stack_id in opts.stacks]
        t0 = time.perf_counter()
        if opts.summaries is not None:
            stacks = from_summaries(revs, deltas, opts.summaries)
            mode = "summaries"
        else:
            stacks = plan_stacks(
                revs, deltas, opts.mode, workspace, opts.lock, opts.progress, timings, opts.home
            )
            mode = opts.mode
        timings["plan"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        opts.progress("policy findings new in head")
        policy = policy_new_in_head(revs, deltas)
        timings["policy"] = time.perf_counter() - t0
        out = opts.out.resolve()
        report = Report(
            base=_label(opts.base, revs.base),
            head=_label(opts.head, revs.head),
            mode=mode,
            mode_note=MODE_NOTES[mode],
            stacks=stacks,
            policy=policy,
            artifacts=opts.artifacts or artifacts_location(out),
        )
        report.seconds = time.perf_counter() - t_start
        comment = render_comment(report, opts.limit)
        write_outputs(report, comment, out)
        timings["total"] = time.perf_counter() - t_start
        return PreviewResult(report, comment, out, workspace, timings)
    finally:
        if revs is not None:
            revs.close()
        shutil.rmtree(workspace, ignore_errors=True)


def _label(ref: str | None, rev: Revision) -> str:
    """`main (abc1234)`, just `abc1234` when the ref is the commit itself, or `working tree`."""
    if ref is None or rev.commit is None:
        return rev.short
    return rev.short if rev.commit.startswith(ref.lower()) else f"{ref} ({rev.short})"


def artifacts_location(out: Path) -> str:
    """Where the comment says the full report is: the Actions run's artifacts in CI, else `out`."""
    server, repo, run = (
        os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    if server and repo and run:
        return f"the `preview-report` artifact of [this workflow run]({server}/{repo}/actions/runs/{run})"
    return f"`{out / REPORT_FILE}` and `{out / STACKS_DIR}/`"


def write_outputs(report: Report, comment: Rendered, out: Path) -> None:
    """preview.md (full), comment.md (size-limited), report.json and stacks/<id>.json: all masked."""
    stacks_dir = out / STACKS_DIR
    stacks_dir.mkdir(parents=True, exist_ok=True)
    for old in stacks_dir.glob("*.json"):
        old.unlink()
    for stack in report.stacks:
        (stacks_dir / f"{stack.stack}.json").write_text(json.dumps(stack.to_json(), indent=2) + "\n")
    (out / REPORT_FILE).write_text(render_full(report))
    (out / COMMENT_FILE).write_text(comment.text)
    (out / REPORT_JSON).write_text(
        json.dumps(
            {**report.to_json(), "comment": {"level": comment.level, "omitted": comment.omitted}}, indent=2
        )
        + "\n"
    )


# -- policy ----------------------------------------------------------------------------------------------


def policy_new_in_head(revs: Revisions, deltas: list[StackDelta]) -> PolicySection:
    """Findings of the policy gate's invariants in head's affected stacks that base does not have
    (checkov runs in `blueprint check`). When the step cannot run (a revision's environment file does
    not load with this version), the section says it failed and why; plans are still shown."""
    affected = {d.stack.stack_id for d in deltas}

    def findings(rev: Revision) -> set[tuple[str, str, str, str]]:
        docs = []
        for sid, info in rev.stacks.items():
            if sid not in affected:
                continue
            spec = load_spec(rev.root / "environments" / f"{info.env}.yaml")
            docs.append(
                StackDoc.load(
                    rev.stack_dir(sid) / "cdk.tf.json",
                    stack_id=sid,
                    cloud=info.cloud,
                    domain=info.domain,
                    spec=spec,
                )
            )
        result = evaluate(docs, suppressions=[], checkov=False)
        return {(f.stack, f.rule, f.address, f.message) for f in result.findings}

    try:
        head = findings(revs.head)
        base = findings(revs.base)
    except BlueprintError as exc:
        return PolicySection(False, exc.render())
    base_keys = {(s, r, a) for s, r, a, _ in base}
    new = sorted(f for f in head if f[:3] not in base_keys)
    return PolicySection(
        True,
        "Project invariants (checkov runs in `blueprint check`).",
        [PolicyFinding(*f) for f in new],
    )
