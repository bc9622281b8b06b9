"""`blueprint affected` and `blueprint preview`: the pull-request preview commands."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from blueprint.cli.options import workdir
from blueprint.cli.render import console, err_console, say, table
from blueprint.errors import BlueprintError

app = typer.Typer()

BaseOpt = Annotated[
    str, typer.Option("--base", help="Base revision (branch, tag or commit), e.g. origin/main.")
]
HeadOpt = Annotated[
    str | None,
    typer.Option("--head", help="Head revision. Default: the working tree, uncommitted edits included."),
]
EnvFilterOpt = Annotated[
    list[str] | None,
    typer.Option("--env", "-e", help="Only these environments; repeat the option. Default: all."),
]
RepoOpt = Annotated[Path, typer.Option("--repo", help="The project's git repository.")]


@app.command()
def affected(
    base: BaseOpt,
    head: HeadOpt = None,
    env: EnvFilterOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a GitHub Actions matrix as JSON.")] = False,
    repo: RepoOpt = Path("."),
) -> None:
    """Stacks whose Terraform JSON differs between two revisions (added, changed or removed).

    Both revisions are synthesized with their own code (git worktrees); `"//"` metadata is ignored.

    Example: blueprint affected --base origin/main --json
    prints {"include": [{"stack": "dev-aws-lake", "env": "dev", "cloud": "aws", ...}]}
    """
    from blueprint.preview.affected import compare, matrix, synthesize_revisions

    workspace = Path(tempfile.mkdtemp(prefix="blueprint-affected-"))
    try:
        envs = set(env) if env else None
        revs = synthesize_revisions(repo, base, head, workspace, envs)
        try:
            deltas = compare(revs.base, revs.head, envs)
        finally:
            revs.close()
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    if as_json:
        print(json.dumps(matrix(deltas), separators=(",", ":")))
        return
    if not deltas:
        say("no stack changes")
        return
    rows = [(d.stack.stack_id, d.stack.env, d.stack.cloud, d.change) for d in deltas]
    console.print(
        table(
            f"stacks affected between {base} and {head or 'the working tree'}",
            ("stack", "env", "cloud", "change"),
            rows,
        )
    )


@app.command()
def preview(
    base: BaseOpt,
    head: HeadOpt = None,
    env: EnvFilterOpt = None,
    stack: Annotated[
        list[str] | None,
        typer.Option("--stack", help="Only these affected stacks (a CI matrix job passes one)."),
    ] = None,
    emulator: Annotated[
        bool,
        typer.Option(
            "--emulator/--offline",
            help="Emulator: apply the base to a fresh emulator and plan head against it. "
            "Offline: plan against empty state (everything is a create).",
        ),
    ] = True,
    cloud: Annotated[
        bool,
        typer.Option("--cloud", help="Plan against the environments' real state with your credentials (CI)."),
    ] = False,
    deployed: Annotated[
        bool,
        typer.Option(
            "--deployed",
            help="Plan against the emulated environment `blueprint up` deployed (its running emulator), "
            "read-only: what merging would change in it.",
        ),
    ] = False,
    lock: Annotated[
        bool,
        typer.Option(
            "--lock/--no-lock", help="Take the state lock while planning (CI plans with --no-lock)."
        ),
    ] = True,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Where to write the report and summaries. Default: $BLUEPRINT_HOME/preview."
        ),
    ] = None,
    summaries: Annotated[
        Path | None,
        typer.Option(
            "--summaries", help="Render from per-stack summaries planned elsewhere (CI); plan nothing."
        ),
    ] = None,
    comment_limit: Annotated[
        int, typer.Option("--comment-limit", help="Most characters of the comment.")
    ] = 60_000,
    print_comment: Annotated[bool, typer.Option("--print", help="Also print the comment markdown.")] = False,
    repo: RepoOpt = Path("."),
) -> None:
    """Plan what a change does and render one markdown report (dangerous changes first).

    Writes to --out: comment.md (the PR comment, at most --comment-limit characters), preview.md (the
    full report), report.json and stacks/<stack>.json (masked per-stack plan summaries, CI artifacts).

    Example: blueprint preview --base origin/main --env local
    """
    from blueprint.preview import PreviewOptions
    from blueprint.preview import preview as run_preview

    if cloud and deployed:
        raise BlueprintError("--cloud and --deployed both given", fix="choose one")
    mode = "cloud" if cloud else "deployed" if deployed else ("emulator" if emulator else "offline")
    if comment_limit < 2_000:
        raise BlueprintError(f"--comment-limit {comment_limit} is too small", fix="use at least 2000")
    opts = PreviewOptions(
        base=base,
        head=head,
        repo=repo,
        out=out or workdir() / "preview",
        mode=mode,  # type: ignore[arg-type]
        envs=set(env) if env else None,
        stacks=set(stack) if stack else None,
        lock=lock,
        summaries=summaries,
        limit=comment_limit,
        home=workdir(),
    )
    with err_console.status("preview") as status:
        opts.progress = lambda message: status.update(message)
        result = run_preview(opts)
    report = result.report
    totals = report.totals()
    danger = sum(len(s.dangerous) + len(s.blocked) for s in report.stacks)
    if print_comment:
        print(result.comment.text)
    err_console.print(
        f"{len(report.stacks)} stacks affected: "
        + ", ".join(f"{k} {v}" for k, v in totals.items())
        + f"; {danger} dangerous; comment {len(result.comment.text):,} characters ({result.comment.level})"
        + f"; {report.seconds:.1f} s\nwrote {result.out}/comment.md, preview.md, report.json, stacks/",
        markup=False,
    )
