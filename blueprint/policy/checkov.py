"""checkov on synthesized stacks (`terraform_json`) and on plan JSON (`terraform_plan`).

checkov runs as a subprocess from its own virtualenv (`.venv-checkov`): its pins (boto3 1.35,
packaging 23, networkx 2) conflict with the project's. One process scans every stack (it starts in
~3 s; one per stack would cost that per stack).

checkov 3.3.30 cannot parse a `cdk.tf.json` whose `terraform` block holds a plain value such as
`required_version` (bridgecrewio/checkov#7454): it logs the error, scans nothing and exits 0. So each
stack is scanned from a copy without the scalar `terraform` settings (they configure terraform itself,
not resources), and any parsing error fails the gate instead of passing it empty.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprint import paths
from blueprint.errors import BlueprintError, ToolMissingError
from blueprint.policy.model import Finding, StackDoc

TIMEOUT_S = 600
SUPPRESS_HINT = "or accept it in policy/suppressions.yaml with a reason and an expiry date"


@dataclass
class CheckovRun:
    """What checkov did: its version, the files it scanned and the failures it found."""

    version: str
    files: list[Path] = field(default_factory=list)
    passed: int = 0
    failed: int = 0
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0


def find_checkov() -> str:
    """`BLUEPRINT_CHECKOV`, else `.venv-checkov/bin/checkov`, else beside this Python, else PATH."""
    explicit = os.environ.get("BLUEPRINT_CHECKOV")
    candidates = [
        explicit,
        str(paths.project_root() / ".venv-checkov" / "bin" / "checkov"),
        str(paths.CODE_ROOT / ".venv-checkov" / "bin" / "checkov"),
        str(Path(sys.executable).parent / "checkov"),
        shutil.which("checkov"),
    ]
    for candidate in candidates if not explicit else [explicit]:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    where = f"BLUEPRINT_CHECKOV={explicit} is not an executable" if explicit else "checkov not found"
    raise ToolMissingError(
        f"{where}: the policy gate runs checkov on every stack",
        fix="run scripts/setup.sh (it creates .venv-checkov with the pinned checkov), "
        "or set BLUEPRINT_CHECKOV to a checkov binary",
    )


def checkov_version(binary: str) -> str:
    """`checkov --version`."""
    proc = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise ToolMissingError(
            f"{binary} --version failed: {proc.stderr.strip()[-500:]}",
            fix="reinstall checkov (scripts/setup.sh)",
        )
    return proc.stdout.strip()


def scannable(doc: dict[str, Any]) -> dict[str, Any]:
    """The stack without the scalar `terraform` settings checkov cannot parse (checkov#7454)."""
    out = dict(doc)
    if isinstance(doc.get("terraform"), dict):
        out["terraform"] = {k: v for k, v in doc["terraform"].items() if isinstance(v, dict)}
    return out


# checkov stays offline: no update check against the package index on a fresh HOME, no platform calls.
OFFLINE_ENV = {
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
    "BC_SKIP_MAPPING": "TRUE",
    "LOG_LEVEL": "ERROR",
}


def checkov_env() -> dict[str, str]:
    """This process's environment without platform credentials or user CKV_ settings, offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BC_", "PRISMA_", "CKV_"))}
    return {**env, **OFFLINE_ENV}


def _run(binary: str, framework: str, files: list[Path]) -> dict[str, Any]:
    cmd = [
        binary,
        "--framework",
        framework,
        "--skip-download",
        "--output",
        "json",
        "--compact",
        "-f",
        *map(str, files),
    ]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False, env=checkov_env()
        )
    except subprocess.TimeoutExpired:
        raise BlueprintError(
            f"checkov did not finish within {TIMEOUT_S} s", fix="run it by hand to see where it hangs"
        ) from None
    if proc.returncode not in (0, 1):
        raise BlueprintError(
            f"checkov failed (exit {proc.returncode}): {proc.stderr.strip()[-1500:]}",
            fix=f"run `{' '.join(cmd)}` to see the error",
        )
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise BlueprintError(
            f"checkov printed no JSON report: {proc.stdout.strip()[:500]} {proc.stderr.strip()[-500:]}",
            fix=f"run `{' '.join(cmd)}` to see the error",
        ) from None
    reports = data if isinstance(data, list) else [data]
    merged: dict[str, Any] = {"passed": 0, "failed": [], "parsing_errors": [], "version": ""}
    for report in reports:
        merged["version"] = (report.get("summary") or {}).get("checkov_version") or merged["version"]
        results = report.get("results") or {}
        merged["passed"] += len(results.get("passed_checks") or [])
        merged["failed"] += results.get("failed_checks") or []
        merged["parsing_errors"] += results.get("parsing_errors") or []
    if merged["parsing_errors"]:
        raise BlueprintError(
            f"checkov could not parse {', '.join(map(str, merged['parsing_errors']))}, "
            "so it checked nothing there",
            fix="see the checkov log (LOG_LEVEL=DEBUG); work around a parser bug in scannable()",
        )
    return merged


def _finding(result: dict[str, Any], stack: str, file: Path, line: int) -> Finding:
    check_id, name = str(result.get("check_id")), str(result.get("check_name") or "")
    address = str(result.get("resource_address") or result.get("resource") or "?")
    return Finding(
        rule=check_id,
        source="checkov",
        stack=stack,
        address=address,
        message=f"{address} in {stack} fails {check_id}: {name}",
        fix=f"{name.replace('Ensure ', '', 1) or 'see its checkov page'} ({check_id}), {SUPPRESS_HINT}",
        file=file,
        line=line,
        title=name,
    )


def scan_stacks(stacks: list[StackDoc], binary: str | None = None) -> CheckovRun:
    """checkov `terraform_json` on every stack, in one process; findings carry the stack's real path."""
    binary = binary or find_checkov()
    run = CheckovRun("", files=[s.path for s in stacks])
    if not stacks:
        return run
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="blueprint-checkov-") as tmp:
        by_copy: dict[str, StackDoc] = {}
        for stack in stacks:
            copy = Path(tmp) / stack.stack_id / "cdk.tf.json"
            copy.parent.mkdir(parents=True)
            copy.write_text(json.dumps(scannable(stack.doc), indent=2), encoding="utf-8")
            by_copy[stack.stack_id] = stack
        merged = _run(binary, "terraform_json", [Path(tmp) / s / "cdk.tf.json" for s in by_copy])
    run.passed, run.failed = merged["passed"], len(merged["failed"])
    # The report's summary carries the version: no second checkov process just to ask for it.
    run.version = merged["version"] or checkov_version(binary)
    for result in merged["failed"]:
        stack_id = Path(str(result.get("file_abs_path") or result.get("file_path"))).parent.name
        stack = by_copy[stack_id]
        address = str(result.get("resource") or "?")
        run.findings.append(_finding(result, stack.stack_id, stack.path, stack.line_of(address)))
    run.seconds = time.perf_counter() - t0
    return run


def scan_plans(plans: dict[str, Path], binary: str | None = None) -> CheckovRun:
    """checkov `terraform_plan` on plan JSON files (`terraform show -json`), keyed by stack id."""
    binary = binary or find_checkov()
    run = CheckovRun("", files=list(plans.values()))
    if not plans:
        return run
    t0 = time.perf_counter()
    by_path = {str(p.resolve()): stack for stack, p in plans.items()}
    merged = _run(binary, "terraform_plan", [p.resolve() for p in plans.values()])
    run.passed, run.failed = merged["passed"], len(merged["failed"])
    # The report's summary carries the version: no second checkov process just to ask for it.
    run.version = merged["version"] or checkov_version(binary)
    for result in merged["failed"]:
        path = Path(str(result.get("file_abs_path") or result.get("file_path"))).resolve()
        stack = by_path.get(str(path), path.parent.name)
        lines = result.get("file_line_range") or [1]
        run.findings.append(_finding(result, stack, path, int(lines[0] or 1)))
    run.seconds = time.perf_counter() - t0
    return run
