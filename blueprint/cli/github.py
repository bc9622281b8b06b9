"""Workflow steps that are logic, as tested commands: the preview's sticky comment, the drift issues."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from blueprint.cli.render import say
from blueprint.errors import BlueprintError

app = typer.Typer()


def _read(path: Path, what: str) -> str:
    if not path.is_file():
        raise BlueprintError(f"{what} {path} does not exist", fix="pass the file the previous step wrote")
    return path.read_text(encoding="utf-8")


@app.command("pr-comment")
def pr_comment(
    pr: Annotated[int, typer.Option("--pr", help="The pull request number.")],
    body: Annotated[Path, typer.Option("--body", help="The comment markdown (preview's comment.md).")],
) -> None:
    """Create or edit the one sticky preview comment of a pull request (GITHUB_TOKEN, GITHUB_REPOSITORY).

    Example: blueprint pr-comment --pr 42 --body preview/report/comment.md
    """
    from blueprint.github import GitHub, upsert_comment
    from blueprint.preview.render import MARKER

    action, comment = upsert_comment(GitHub.from_environment(), pr, _read(body, "--body"), MARKER)
    say(f"{action} comment {comment} on #{pr}")


@app.command("drift-issues")
def drift_issues(
    report: Annotated[Path, typer.Option("--report", help="The JSON of `blueprint drift --json`.")],
    run_url: Annotated[str, typer.Option("--run-url", help="The workflow run, linked from the issues.")],
) -> None:
    """Open, update or close one issue per drifted stack of the report (GITHUB_TOKEN, GITHUB_REPOSITORY).

    Example: blueprint drift-issues --report drift.json --run-url "$RUN_URL"
    """
    from blueprint.github import GitHub
    from blueprint.release.drift_issues import sync_issues

    try:
        data = json.loads(_read(report, "--report"))
    except ValueError:
        raise BlueprintError(
            f"--report {report} is not JSON", fix="write it with `blueprint drift --json`"
        ) from None
    for stack_id, action, number in sync_issues(GitHub.from_environment(), data, run_url):
        say(f"{stack_id}: {action}" + (f" #{number}" if number else ""))
