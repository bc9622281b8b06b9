"""`blueprint check`: the policy gate."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from blueprint.cli.options import DEFAULT_OUTDIR, CloudsOpt, EnvsOpt, OutdirOpt
from blueprint.cli.render import err_console
from blueprint.errors import BlueprintError
from blueprint.spec import select_clouds, select_specs

app = typer.Typer()


class ReportFormat(StrEnum):
    """Output formats of `blueprint check`."""

    table = "table"
    json = "json"
    sarif = "sarif"


def _plans(values: list[str] | None) -> dict[str, Path]:
    """`--plan STACK=PATH` or `--plan PATH` (the stack is the folder the file is in)."""
    plans: dict[str, Path] = {}
    for value in values or []:
        stack, sep, path = value.partition("=")
        file = Path(path if sep else value)
        if not file.is_file():
            raise BlueprintError(
                f"--plan {value}: {file} does not exist",
                fix="write it with `terraform show -json tfplan > plan.json`, or drop --plan",
            )
        plans[stack if sep else file.resolve().parent.name] = file
    return plans


@app.command()
def check(
    env: EnvsOpt = None,
    cloud: CloudsOpt = None,
    report_format: Annotated[
        ReportFormat, typer.Option("--format", help="table (people), json (scripts), sarif (code scanning).")
    ] = ReportFormat.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file instead of stdout.")
    ] = None,
    outdir: OutdirOpt = DEFAULT_OUTDIR,
    plan: Annotated[
        list[str] | None,
        typer.Option(
            "--plan",
            help="Plan JSON to scan too (terraform show -json), as STACK=PATH or PATH; repeatable. "
            "A plan.json beside a stack's cdk.tf.json is scanned without it.",
        ),
    ] = None,
    suppressions: Annotated[
        Path | None,
        typer.Option(
            "--suppressions",
            help="The checked-in file of accepted findings.",
            show_default="policy/suppressions.yaml",
        ),
    ] = None,
) -> None:
    """Policy gate: checkov and the project invariants on every synthesized stack.

    Exits 1 on any unsuppressed failure, 2 on bad input or a missing tool.

    Example: blueprint check --env prod --format sarif --output policy.sarif
    """
    from blueprint.policy.gate import check as run_check
    from blueprint.policy.report import render

    console = Console()
    specs, clouds, plans = select_specs(env), select_clouds(cloud), _plans(plan)
    # Progress goes to stderr so `--format json|sarif` on stdout stays machine-readable.
    with err_console.status("policy check: synthesizing, then invariants and checkov"):
        report = run_check(specs, clouds, outdir, suppressions_path=suppressions, plans=plans)
    render(report, report_format.value, output, console)
    report.raise_on_failures()
