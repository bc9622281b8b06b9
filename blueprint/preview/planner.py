"""Planning the affected stacks of a preview with the real terraform binary, per mode:

- emulator: apply the base revision's affected stacks (and what they need) to a fresh emulator, then
  plan head against that state, so deletes, updates and replacements are real;
- offline: plan head against empty state (everything is a create; said so in the report);
- cloud: plan head against the environments' real state with the caller's credentials (CI);
- deployed: plan head against the emulated environment `blueprint up` deployed, read-only.

Every stack terraform cannot plan in the mode gets a synth-level diff, labelled with why.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

from blueprint.errors import BlueprintError, TerraformError
from blueprint.preview.affected import Revision, Revisions, StackDelta, synth_diff
from blueprint.preview.model import StackReport, blocked_destroys, error_summary, summarize_plan, synth_report
from blueprint.progress import Progress, quiet
from blueprint.terraform import inputs
from blueprint.terraform.capabilities import plannable_here

Mode = Literal["emulator", "offline", "cloud", "deployed"]
PLANNABLE_HERE = plannable_here()
NOT_PLANNED_HERE = "not planned here"
NOT_DEPLOYED_HERE = "not planned: not an emulated environment"


def plan_stacks(
    revs: Revisions,
    deltas: list[StackDelta],
    mode: Mode,
    workspace: Path,
    lock: bool = True,
    progress: Progress = quiet,
    timings: dict[str, float] | None = None,
    home: Path | None = None,
) -> list[StackReport]:
    """A report per affected stack: a plan where terraform can run in `mode`, else a synth diff."""
    plannable = [d for d in deltas if mode == "cloud" or d.stack.cloud in PLANNABLE_HERE]
    if mode == "offline":  # empty state: a removed stack has nothing to destroy offline
        plannable = [d for d in plannable if d.change != "removed"]
    if mode == "deployed":  # only emulated environments are deployed on this machine
        emulated = _emulated_envs(revs)
        plannable = [d for d in plannable if d.stack.env in emulated]
    reports: dict[str, StackReport] = {}
    for d in deltas:
        if d not in plannable:
            why = NOT_PLANNED_HERE
            if d.stack.cloud in PLANNABLE_HERE:
                why = NOT_DEPLOYED_HERE if mode == "deployed" else "not planned offline: no state"
            reports[d.stack.stack_id] = synth_only(revs, d, why)
    if plannable:
        spent = timings if timings is not None else {}
        planner = Planner(revs, mode, workspace, lock, progress, spent, home)
        reports.update(planner.run(plannable))
    return [reports[d.stack.stack_id] for d in deltas]


def _emulated_envs(revs: Revisions) -> set[str]:
    """Environments whose head (else base) spec targets the emulator."""
    from blueprint.spec import load_spec

    found: set[str] = set()
    for rev in (revs.base, revs.head):
        for env in {s.env for s in rev.stacks.values()}:
            try:
                if load_spec(rev.root / "environments" / f"{env}.yaml").emulated:
                    found.add(env)
            except BlueprintError:
                continue
    return found


def synth_only(revs: Revisions, delta: StackDelta, why: str, error: str | None = None) -> StackReport:
    """The report of a stack that is not planned: a synth-level diff, labelled with why."""
    sid = delta.stack.stack_id
    base_doc = revs.base.doc(sid) if sid in revs.base.stacks else None
    head_doc = revs.head.doc(sid) if sid in revs.head.stacks else None
    report = synth_report(synth_diff(base_doc, head_doc), delta, why, error, list(delta.stack.depends_on))
    if error:
        report.blocked = blocked_destroys(error)
    return report


def _aws_settings(doc: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(provider region, S3 backend block) of an AWS stack document."""
    provider = (doc.get("provider") or {}).get("aws") or [{}]
    first = provider[0] if isinstance(provider, list) else provider
    backend = ((doc.get("terraform") or {}).get("backend") or {}).get("s3") or {}
    return str(first.get("region") or backend.get("region") or "us-east-1"), dict(backend)


class Planner:
    """Runs terraform for one preview: base applies (emulator), head plans, `show -json`."""

    def __init__(
        self,
        revs: Revisions,
        mode: Mode,
        workspace: Path,
        lock: bool,
        progress: Progress,
        timings: dict[str, float],
        home: Path | None = None,
    ) -> None:
        self.revs, self.mode, self.workspace, self.lock = revs, mode, workspace, lock
        self.progress, self.timings = progress, timings
        self.home = home  # deployed mode: where `blueprint up` keeps the emulator
        self.emu: Any = None
        self._runners: dict[str, Any] = {}
        self._lock = threading.Lock()
        (workspace / "plans").mkdir(parents=True, exist_ok=True)

    def runner(self, region: str) -> Any:
        """One TerraformRunner per region (the region goes into the AWS environment variables)."""
        from blueprint.terraform import Target, TerraformRunner

        targets = {"emulator": Target.EMULATOR, "deployed": Target.EMULATOR, "offline": Target.OFFLINE}
        target = targets.get(self.mode, Target.CLOUD)
        with self._lock:
            if region not in self._runners:
                # Deployed: the environment's own working area (its warm provider cache) is reused.
                workdir = self.home if self.mode == "deployed" and self.home else self.workspace / "terraform"
                self._runners[region] = TerraformRunner(workdir, target, self.emu, region=region)
            return self._runners[region]

    def runner_for(self, rev: Revision, stack_id: str) -> Any:
        region, _ = (
            _aws_settings(rev.doc(stack_id)) if rev.stacks[stack_id].cloud == "aws" else ("us-east-1", {})
        )
        return self.runner(region)

    def run(self, deltas: list[StackDelta]) -> dict[str, StackReport]:
        from blueprint import emulator
        from blueprint.terraform import default_workdir

        if self.mode == "deployed":
            home = self.home = self.home or default_workdir()
            self.emu = emulator.running(home)
            if self.emu is None:
                raise BlueprintError(
                    f"preview --deployed: no running emulator in {home} holds a deployed environment",
                    fix="run `blueprint up --env local` first (or preview with --emulator)",
                )
        if self.mode != "emulator":
            return self._plan_all(deltas, base_failed={})

        emu_dir = self.workspace / "emulator"
        t0 = time.perf_counter()
        self.progress("starting a fresh emulator")
        self.emu = emulator.start(emu_dir)
        self.timings["emulator start"] = time.perf_counter() - t0
        try:
            failed = self._apply_base(deltas)
            return self._plan_all(deltas, failed)
        finally:
            emulator.stop(emu_dir)

    # -- base state on the emulator ------------------------------------------------------------------

    def _base_closure(self, deltas: list[StackDelta]) -> list[str]:
        """Base stacks to apply: the affected ones that exist in base, and every base stack they need."""
        base = self.revs.base
        wanted: set[str] = set()
        todo = [d.stack.stack_id for d in deltas if d.change != "added"]
        while todo:
            sid = todo.pop()
            if sid in wanted or sid not in base.stacks:
                continue
            wanted.add(sid)
            todo += list(base.stacks[sid].depends_on)
        return [sid for sid in base.stacks if sid in wanted]  # dependency order

    def _bootstrap(self, rev: Revision, stack_ids: list[str]) -> None:
        """The state bucket of every environment involved, made by `state.bootstrap` (boto3)."""
        import boto3
        from botocore.exceptions import ClientError

        from blueprint.release import state_store as state
        from blueprint.spec import load_spec

        done: set[str] = set()
        for sid in stack_ids:
            region, backend = _aws_settings(rev.doc(sid))
            bucket = backend.get("bucket")
            if not bucket or bucket in done:
                continue
            s3 = boto3.client("s3", **self.emu.boto3_kwargs(backend.get("region") or region))
            env = rev.stacks[sid].env
            try:
                spec = load_spec(rev.root / "environments" / f"{env}.yaml")
                made, _ = state.bootstrap(s3, spec)
            except BlueprintError:
                made = ""
            if made != bucket:  # that revision's spec does not load with today's code: bucket only
                try:
                    s3.head_bucket(Bucket=bucket)
                except ClientError:
                    s3.create_bucket(Bucket=bucket)
            done.add(bucket)

    def _apply_base(self, deltas: list[StackDelta]) -> dict[str, str]:
        """Apply the base closure (pipelined: a stack starts once its dependencies' resources exist).
        Returns stack id -> error for stacks that could not be applied."""
        base = self.revs.base
        closure = self._base_closure(deltas)
        head_ids = [d.stack.stack_id for d in deltas if d.change != "removed"]
        self._bootstrap(base, closure)
        self._bootstrap(self.revs.head, head_ids)
        failures: dict[str, str] = {}
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:
            base_inits = {sid: pool.submit(self._init, base, sid) for sid in closure}
            for sid, fut in base_inits.items():
                if (err := _error_of(fut)) is not None:
                    failures[sid] = err
            self.timings["init (base)"] = time.perf_counter() - t0
            # Head stacks init while the base applies: they only read the (not yet written) state.
            head_inits = {sid: pool.submit(self._init, self.revs.head, sid) for sid in head_ids}
            t1 = time.perf_counter()
            if closure:
                self.progress(f"applying the base revision to the emulator: {', '.join(closure)}")
            failures.update(self._apply_pipelined(closure, failures))
            self.timings["apply (base)"] = time.perf_counter() - t1
            for sid, fut in head_inits.items():
                if (err := _error_of(fut)) is not None:
                    failures.setdefault(sid, err)
        return failures

    def _init(self, rev: Revision, stack_id: str) -> None:
        self.runner_for(rev, stack_id).init(rev.stack_dir(stack_id))

    def _apply_pipelined(self, closure: list[str], failed: dict[str, str]) -> dict[str, str]:
        """The base closure through the apply scheduler; stack id -> why it could not be applied."""
        from blueprint.terraform.scheduler import run_pipelined

        base = self.revs.base

        def work(sid: str, ready: threading.Event) -> None:
            if sid in failed:  # its init failed: its dependants are skipped
                raise BlueprintError(failed[sid])
            t0 = time.perf_counter()
            runner = self.runner_for(base, sid)
            inputs.fill(runner, base.stack_dir(sid))
            runner.apply(base.stack_dir(sid), ready=ready)
            self.timings[f"apply base {sid}"] = time.perf_counter() - t0

        deps = {sid: base.stacks[sid].depends_on for sid in closure}
        outcome = run_pipelined(
            closure, deps, work, full=lambda sid: set(inputs.sources(base.stack_dir(sid))) & set(closure)
        )
        failures: dict[str, str] = {}
        for sid, need in outcome.skipped.items():
            failures[sid] = f"{need} could not be applied to the emulator"
        for sid, exc in outcome.failed.items():
            if not isinstance(exc, BlueprintError):
                raise exc
            if sid not in failed:
                failures[sid] = error_summary(exc.message)
        return failures

    # -- head plans ------------------------------------------------------------------------------------

    def _plan_all(self, deltas: list[StackDelta], base_failed: dict[str, str]) -> dict[str, StackReport]:
        reports: dict[str, StackReport] = {}
        todo: list[StackDelta] = []
        for d in deltas:
            sid = d.stack.stack_id
            if sid in base_failed:
                why = "base not applied" if d.change != "added" else "plan failed"
                reports[sid] = synth_only(
                    self.revs, d, why, f"the base could not be applied: {base_failed[sid]}"
                )
            else:
                todo.append(d)
        t0 = time.perf_counter()
        if todo:
            self.progress(f"planning head: {', '.join(d.stack.stack_id for d in todo)}")
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {d.stack.stack_id: pool.submit(self._plan_one, d) for d in todo}
            for d in todo:
                reports[d.stack.stack_id] = futures[d.stack.stack_id].result()
        self.timings["plan (head)"] = time.perf_counter() - t0
        return reports

    def _plan_one(self, delta: StackDelta) -> StackReport:
        sid = delta.stack.stack_id
        removed = delta.change == "removed"
        rev = self.revs.base if removed else self.revs.head
        stack_dir = rev.stack_dir(sid)
        runner = self.runner_for(rev, sid)
        plan_file = (self.workspace / "plans" / f"{sid}.tfplan").resolve()
        extra = ["-destroy"] if removed else []
        if self.mode == "emulator":  # the state was written seconds ago by this provider on a fresh emulator
            extra.append("-refresh=false")
        if (not self.lock and self.mode != "offline") or self.mode == "deployed":  # offline never locks
            extra.append("-lock=false")  # a preview never holds a deployed environment's lock
        try:
            if self.mode != "emulator":  # the emulator mode initialised every stack already
                runner.init(stack_dir)
            if self.mode != "offline":  # offline, init wrote placeholders for other stacks' outputs
                # Outputs of the stacks it reads, as deployed (base); placeholders where none exist yet.
                inputs.fill(runner, stack_dir, allow_missing=True)
            runner.plan(stack_dir, *extra, out=plan_file)
            shown = runner.run(stack_dir, "show", "-json", "-no-color", str(plan_file))
            plan = json.loads(shown.stdout or "{}")
        except TerraformError as exc:
            return synth_only(self.revs, delta, "plan failed", error_summary(exc.message))
        finally:
            plan_file.unlink(missing_ok=True)  # the saved plan holds values: never kept
        return summarize_plan(plan, delta, self.mode, list(delta.stack.depends_on))


def _error_of(fut: Future[None]) -> str | None:
    try:
        fut.result()
    except BlueprintError as exc:
        return error_summary(exc.message)
    return None
