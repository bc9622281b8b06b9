"""The policy gate: checkov and the project's invariants on every synthesized stack.

    specs -> synthesize -> StackDoc per stack -> invariants (policy_rules) + checkov (policy_checkov)
          -> suppressions (policy/suppressions.yaml) -> PolicyReport -> table | json | sarif

Invariant names are the same on every cloud (`policy_model.INVARIANTS`); each cloud's rule table maps
its resource types to them. Any unsuppressed failure makes `blueprint check` exit non-zero.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from blueprint.errors import BlueprintError
from blueprint.policy.checkov import CheckovRun, scan_plans, scan_stacks
from blueprint.policy.model import INVARIANTS, Coverage, Finding, StackDoc, Suppression
from blueprint.policy.rules import run_rules
from blueprint.policy.suppressions import apply_suppressions, load_suppressions
from blueprint.spec import PlatformSpec

PLAN_FILE = "plan.json"  # `terraform show -json` beside a stack's cdk.tf.json is scanned when present

__all__ = [
    "PLAN_FILE",
    "PolicyReport",
    "PolicyViolation",
    "check",
    "check_invariants",
    "evaluate",
    "load_stacks",
]


class PolicyViolation(BlueprintError):
    """Unsuppressed policy failures. Exit code 1 (input and tool errors exit 2)."""

    exit_code = 1


@dataclass
class PolicyReport:
    """Everything `blueprint check` found, before formatting."""

    stacks: list[StackDoc]
    findings: list[Finding]
    coverage: list[Coverage]
    suppressions: list[Suppression] = field(default_factory=list)
    unused: list[Suppression] = field(default_factory=list)
    checkov: CheckovRun | None = None
    plan_checkov: CheckovRun | None = None
    seconds: float = 0.0

    @property
    def failures(self) -> list[Finding]:
        """Unsuppressed findings: any of these fails the gate."""
        return [f for f in self.findings if not f.suppressed]

    @property
    def suppressed(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed]

    def summary(self) -> str:
        """One line: stacks, failures, suppressed findings, checkov's counts."""
        ck = self.checkov
        checkov = f", checkov {ck.version}: {ck.passed} passed / {ck.failed} failed" if ck else ""
        if self.plan_checkov:
            plans = self.plan_checkov
            checkov += f" (+ {len(plans.files)} plans: {plans.passed} passed / {plans.failed} failed)"
        return (
            f"{len(self.stacks)} stacks, {len(INVARIANTS)} invariants{checkov}: "
            f"{len(self.failures)} unsuppressed failures, {len(self.suppressed)} suppressed"
        )

    def raise_on_failures(self) -> None:
        """Raise `PolicyViolation` listing the failures (one line each, with its fix)."""
        if not self.failures:
            return
        shown = self.failures[:20]
        lines = [f"  {f.rule} {f.stack}/{f.address}: {f.message}\n    fix: {f.fix}" for f in shown]
        more = (
            f"\n  ... and {len(self.failures) - len(shown)} more" if len(self.failures) > len(shown) else ""
        )
        raise PolicyViolation(
            f"policy check failed: {self.summary()}\n" + "\n".join(lines) + more,
            fix="fix each resource as its fix says, or accept a finding in policy/suppressions.yaml "
            "with a reason and an expiry date",
        )


def check_invariants(stack: StackDoc) -> tuple[list[Finding], list[Coverage]]:
    """Every invariant on one stack: the failures, and per invariant how many resources were checked."""
    findings: list[Finding] = []
    coverage: list[Coverage] = []
    for invariant in INVARIANTS:
        result = run_rules(stack, invariant.name)
        failed = [c for c in result.checks if not c.ok]
        for c in failed:
            findings.append(
                Finding(
                    rule=invariant.name,
                    source="invariant",
                    stack=stack.stack_id,
                    address=c.address,
                    message=c.message,
                    fix=c.fix,
                    file=stack.path,
                    line=stack.line_of(c.address),
                    title=invariant.title,
                )
            )
        coverage.append(
            Coverage(stack.stack_id, invariant.name, len(result.checks), len(failed), note=result.note)
        )
    return findings, coverage


def evaluate(
    stacks: list[StackDoc],
    *,
    suppressions: list[Suppression],
    checkov: bool = True,
    plans: dict[str, Path] | None = None,
    checkov_binary: str | None = None,
) -> PolicyReport:
    """Invariants (and checkov unless `checkov=False`) on `stacks`, with suppressions applied."""
    t0 = time.perf_counter()
    findings: list[Finding] = []
    coverage: list[Coverage] = []
    for stack in stacks:
        f, c = check_invariants(stack)
        findings += f
        coverage += c
    ck_run = plan_run = None
    if checkov:
        ck_run = scan_stacks(stacks, checkov_binary)
        findings += ck_run.findings
        found_plans = dict(plans or {})
        for stack in stacks:
            plan = stack.path.parent / PLAN_FILE
            if plan.is_file():
                found_plans.setdefault(stack.stack_id, plan)
        if found_plans:
            plan_run = scan_plans(found_plans, checkov_binary)
            findings += plan_run.findings
    unused = apply_suppressions(findings, suppressions)
    for cov in coverage:
        mine = [f for f in findings if f.stack == cov.stack and f.rule == cov.rule]
        cov.suppressed = sum(f.suppressed for f in mine)
        cov.failed = len(mine) - cov.suppressed
    return PolicyReport(
        stacks=stacks,
        findings=findings,
        coverage=coverage,
        suppressions=suppressions,
        unused=unused,
        checkov=ck_run,
        plan_checkov=plan_run,
        seconds=time.perf_counter() - t0,
    )


def load_stacks(specs: list[PlatformSpec], clouds: set[str] | None, outdir: Path) -> list[StackDoc]:
    """Synthesize the selection into `outdir` and read every stack back."""
    from blueprint.synth import synthesize

    outdir.parent.mkdir(parents=True, exist_ok=True)
    result = synthesize(specs, clouds, outdir)
    by_name = {s.name: s for s in specs}
    return [
        StackDoc.load(
            result.stack_dir(p.stack_id) / "cdk.tf.json",
            stack_id=p.stack_id,
            cloud=p.cloud,
            domain=p.domain,
            spec=by_name[p.env],
        )
        for p in result.stacks
    ]


def check(
    specs: list[PlatformSpec],
    clouds: set[str] | None,
    outdir: Path,
    *,
    suppressions_path: Path | None = None,
    plans: dict[str, Path] | None = None,
    checkov: bool = True,
    today: dt.date | None = None,
) -> PolicyReport:
    """Load suppressions (fail fast on a bad file), synthesize, then evaluate every stack."""
    suppressions = load_suppressions(suppressions_path, today)
    stacks = load_stacks(specs, clouds, outdir)
    if not stacks:
        # A gate that checked nothing must not pass: the selection is wrong.
        wanted = ", ".join(sorted(clouds or [])) or "a cloud"
        raise BlueprintError(
            f"no stack to check: no selected environment enables {wanted}",
            fix="enable the cloud in an environment file, or choose other --env/--cloud values",
        )
    return evaluate(stacks, suppressions=suppressions, checkov=checkov, plans=plans)
