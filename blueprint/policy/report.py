"""A `PolicyReport` as a rich table (people), JSON (scripts) or SARIF 2.1.0 (code scanning)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from blueprint.policy.gate import PolicyReport
from blueprint.policy.model import INVARIANTS, Finding

FORMATS = ("table", "json", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_URI = "https://github.com/open-constructs/cdk-terrain"


def _uri(path: Path) -> str:
    """Path relative to the working directory when inside it (code scanning resolves URIs against the
    checkout), else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _invariant_row(report: PolicyReport, rule: str) -> tuple[str, str, str, str, str]:
    cov = [c for c in report.coverage if c.rule == rule]
    checked, failed, accepted = (sum(getattr(c, k) for c in cov) for k in ("checked", "failed", "suppressed"))
    applicable = [c for c in cov if c.status != "not applicable"]
    if failed:
        result = "[red]FAIL[/red]"
    elif not applicable:
        result = "[dim]n/a[/dim]"
    else:
        result = "[green]pass[/green]"
    stacks = f"{len(applicable)}/{len(cov)}"
    return result, str(checked), str(failed), str(accepted), stacks


def render_table(report: PolicyReport, console: Console) -> None:
    """Invariants and stacks as two small tables, then every failure with its fix, the accepted findings
    (from policy/suppressions.yaml), the invariants that are not applicable and unused suppressions."""
    table = Table(title="invariants")
    for col in ("invariant", "result", "checked", "failed", "accepted", "stacks"):
        table.add_column(col, justify="left" if col in ("invariant", "result") else "right")
    for inv in INVARIANTS:
        table.add_row(inv.name, *_invariant_row(report, inv.name))
    console.print(table)
    table = Table(title="stacks")
    for col in ("stack", "resources", "invariants failed", "checkov failed", "accepted"):
        table.add_column(col, justify="left" if col == "stack" else "right")
    for stack in report.stacks:
        mine = [f for f in report.findings if f.stack == stack.stack_id]
        inv_bad = sum(not f.suppressed for f in mine if f.source == "invariant")
        ck_bad = sum(not f.suppressed for f in mine if f.source == "checkov")
        resources = sum(1 for _ in stack.each())
        ck_cell = str(ck_bad) if report.checkov else "skipped"
        table.add_row(
            stack.stack_id,
            str(resources),
            f"[red]{inv_bad}[/red]" if inv_bad else "0",
            f"[red]{ck_cell}[/red]" if ck_bad else ck_cell,
            str(sum(f.suppressed for f in mine)),
        )
    console.print(table)
    for f in report.failures:
        console.print(f"[red]FAIL[/red] {f.rule} {f.stack}/{f.address}: {escape(f.message)}", highlight=False)
        console.print(f"  fix: {escape(f.fix)}", highlight=False)
    if report.suppressed:
        console.print(f"accepted in policy/suppressions.yaml ({len(report.suppressed)} findings):")
        groups: dict[int, list[Finding]] = {}
        for f in report.suppressed:
            assert f.suppression is not None
            groups.setdefault(f.suppression.entry, []).append(f)
        for entry, items in sorted(groups.items()):
            s = items[0].suppression
            assert s is not None
            why = s.reason.split(". ")[0].rstrip(".")
            line = f"  [{entry}] {s.id} on {len(items)} x {s.resource} until {s.expires}: {why}"
            console.print(escape(line), highlight=False)
    for name, note in _not_applicable(report).items():
        console.print(f"[dim]{name}: not applicable in any stack: {escape(note)}[/dim]", highlight=False)
    for s in report.unused:
        console.print(
            f"[yellow]unused suppression[/yellow] {escape(f'suppressions[{s.entry}]')} {s.id} "
            f"on {s.resource} (nothing in this selection matched it)",
            highlight=False,
        )
    if report.plan_checkov:
        console.print(f"plan JSON scanned: {', '.join(_uri(p) for p in report.plan_checkov.files)}")
    console.print(f"[bold]{report.summary()}[/bold] ({report.seconds:.1f} s)", highlight=False)


def _not_applicable(report: PolicyReport) -> dict[str, str]:
    """Invariants that checked nothing in any stack, with the reason (the first stack's note)."""
    out: dict[str, str] = {}
    for inv in INVARIANTS:
        cov = [c for c in report.coverage if c.rule == inv.name]
        if cov and all(c.status == "not applicable" for c in cov):
            out[inv.name] = cov[0].note or "no matching resource"
    return out


def _finding_json(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "source": f.source,
        "stack": f.stack,
        "address": f.address,
        "message": f.message,
        "fix": f.fix,
        "file": _uri(f.file),
        "line": f.line,
        "suppressed": f.suppressed,
        "suppression": None
        if f.suppression is None
        else {
            "entry": f.suppression.entry,
            "resource": f.suppression.resource,
            "reason": f.suppression.reason,
            "expires": f.suppression.expires.isoformat(),
        },
    }


def to_json(report: PolicyReport) -> dict[str, Any]:
    """The report as plain JSON: summary, coverage per stack and invariant, every finding."""
    ck = report.checkov
    return {
        "summary": {
            "stacks": len(report.stacks),
            "failures": len(report.failures),
            "suppressed": len(report.suppressed),
            "passed": not report.failures,
            "text": report.summary(),
        },
        "checkov": None
        if ck is None
        else {
            "version": ck.version,
            "passed": ck.passed,
            "failed": ck.failed,
            "files": [_uri(p) for p in ck.files],
        },
        "plans": [] if report.plan_checkov is None else [_uri(p) for p in report.plan_checkov.files],
        "invariants": [{"name": i.name, "title": i.title} for i in INVARIANTS],
        "stacks": [
            {"id": s.stack_id, "cloud": s.cloud, "domain": s.domain, "file": _uri(s.path)}
            for s in report.stacks
        ],
        "coverage": [
            {
                "stack": c.stack,
                "invariant": c.rule,
                "status": c.status,
                "checked": c.checked,
                "failed": c.failed,
                "suppressed": c.suppressed,
                "note": c.note if c.status == "not applicable" else None,
            }
            for c in report.coverage
        ],
        "findings": [_finding_json(f) for f in report.findings],
        "unused_suppressions": [
            {"entry": s.entry, "id": s.id, "resource": s.resource} for s in report.unused
        ],
    }


def to_sarif(report: PolicyReport) -> dict[str, Any]:
    """SARIF 2.1.0: one run, a rule per invariant and per checkov id seen; accepted findings carry a
    `suppressions` entry with the reason, so code scanning shows them as dismissed."""
    rules: list[dict[str, Any]] = [
        {
            "id": inv.name,
            "name": inv.name,
            "shortDescription": {"text": inv.title},
            "fullDescription": {"text": f"Project invariant (same on AWS, GCP, Azure): {inv.title}."},
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["security", "blueprint-invariant"]},
        }
        for inv in INVARIANTS
    ]
    seen = {r["id"] for r in rules}
    for f in report.findings:
        if f.rule not in seen:
            seen.add(f.rule)
            rules.append(
                {
                    "id": f.rule,
                    "name": f.rule,
                    "shortDescription": {"text": f.title or f.rule},
                    "defaultConfiguration": {"level": "error"},
                    "properties": {"tags": ["security", "checkov"]},
                }
            )
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for f in report.findings:
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": "error",
            "message": {"text": f"{f.message}. Fix: {f.fix}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.file)},
                        "region": {"startLine": max(1, f.line)},
                    },
                    "logicalLocations": [
                        {"name": f.address, "fullyQualifiedName": f.target, "kind": "resource"}
                    ],
                }
            ],
            "partialFingerprints": {"blueprintResource/v1": f"{f.rule}:{f.target}"},
        }
        if f.suppression is not None:
            result["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": f"{f.suppression.reason} (until {f.suppression.expires.isoformat()})",
                }
            ]
        results.append(result)
    driver: dict[str, Any] = {
        "name": "blueprint-policy",
        "informationUri": TOOL_URI,
        "version": "1",
        "rules": rules,
    }
    if report.checkov:
        driver["properties"] = {"checkovVersion": report.checkov.version}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results, "columnKind": "utf16CodeUnits"}],
    }


def render(report: PolicyReport, fmt: str, output: Path | None, console: Console) -> None:
    """Print (or write to `output`) the report in `fmt`: table, json or sarif."""
    if fmt == "table":
        if output is None:
            render_table(report, console)
            return
        with output.open("w", encoding="utf-8") as handle:
            render_table(report, Console(file=handle, width=200, no_color=True, highlight=False))
        console.print(f"{report.summary()}; report written to {output}", highlight=False)
        return
    data = to_sarif(report) if fmt == "sarif" else to_json(report)
    text = json.dumps(data, indent=2) + "\n"
    if output is None:
        print(text, end="")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    console.print(f"{report.summary()}; {fmt} written to {output}", highlight=False)
