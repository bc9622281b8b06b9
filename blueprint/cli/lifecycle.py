"""Lifecycle commands: validate, plan, bootstrap, deploy, drift, bundle, ledger, promote.

Each parses its options, calls one function of the lifecycle (`blueprint.release`), renders the result.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from blueprint.cli.options import DEFAULT_OUTDIR, EnvOpt, EnvsOpt, JsonOpt, OutdirOpt, StackOpt, workdir
from blueprint.cli.render import console, err_console, print_ledger, say, styled, table
from blueprint.errors import BlueprintError
from blueprint.spec import load_all, load_env, select_specs

app = typer.Typer()


@app.command()
def validate(env: EnvsOpt = None, outdir: OutdirOpt = DEFAULT_OUTDIR) -> None:
    """`terraform init` + `validate` of every stack whose provider is on this machine, offline.

    Example: blueprint validate --env prod
    """
    from blueprint.release.plans import validate_environments

    for stack_id in validate_environments(select_specs(env), workdir(), outdir):
        say(styled("valid", "green"), f" {stack_id}")


@app.command()
def plan(
    env: EnvOpt,
    stack: StackOpt = None,
    offline: Annotated[
        bool,
        typer.Option(help="Plan without a cloud: local state, no refresh (default for cloud envs here)."),
    ] = False,
    outdir: OutdirOpt = DEFAULT_OUTDIR,
) -> None:
    """Plan the stacks of one environment.  Example: blueprint plan --env dev --stack dev-aws-lake"""
    from blueprint.release.plans import plan_environment

    target, results = plan_environment(load_env(env), workdir(), outdir, stack, offline)
    for stack_id, res in results:
        summary = f"+{res.add} ~{res.change} -{res.destroy}" if res.changes else "no changes"
        say(f"{stack_id} ({target.value}): {summary}")


@app.command()
def bootstrap(env: EnvOpt) -> None:
    """Create the environment's state bucket (versioned, encrypted, no public access, TLS only).

    Example: blueprint bootstrap --env local
    """
    from blueprint.release.state_store import bootstrap_environment

    bucket, created = bootstrap_environment(load_env(env), workdir())
    say(f"state bucket {bucket}: {'created' if created else 'exists, settings re-applied'}")


@app.command()
def deploy(env: EnvOpt, stack: StackOpt = None, outdir: OutdirOpt = DEFAULT_OUTDIR) -> None:
    """Synth, plan to saved plans, apply them in dependency order, record the deployment in the ledger.

    Example: blueprint deploy --env dev      (emulator environments: blueprint deploy --env local)
    """
    from blueprint.release.deploy import deploy as run_deploy

    with err_console.status("deploying") as status:
        result = run_deploy(load_env(env), workdir(), outdir, stack, progress=lambda m: status.update(m))
    for stack_id, stack_plan in result.plans.items():
        say(f"{stack_id}: {stack_plan.describe()}")
    say(f"deployed {result.env} at {result.commit[:12]}, bundle {result.bundle.digest[:12]}")


@app.command()
def bundle(env: EnvOpt, outdir: OutdirOpt = DEFAULT_OUTDIR) -> None:
    """Write a content-addressed bundle of the environment's stacks (sha256 per stack + manifest).

    Example: blueprint bundle --env staging
    """
    from blueprint.release.bundle import bundle_environment

    made, path = bundle_environment(load_env(env), workdir(), outdir)
    console.print_json(json.dumps({**made.manifest, "digest": made.digest, "path": str(path)}))


@app.command()
def promote(
    source: Annotated[str, typer.Option("--from", help="The environment that was tested, e.g. staging.")],
    target: Annotated[str, typer.Option("--to", help="The next environment, e.g. prod.")],
    apply: Annotated[
        bool, typer.Option(help="Apply the approved plan (refused if the plan changed).")
    ] = False,
    approved: Annotated[
        Path | None, typer.Option(help="The approved plan summary (default: .blueprint/promotions/).")
    ] = None,
    outdir: OutdirOpt = DEFAULT_OUTDIR,
) -> None:
    """Promote exactly what was tested to the next environment.

    Without --apply: checks the order and the source's ledger, shows the spec differences and writes
    the target's plan summary for approval. With --apply: re-plans and applies only if it equals the
    approved summary.  Example: blueprint promote --from dev --to staging
    """
    from blueprint.release.promote import promote as run_promote
    from blueprint.spec import chain_of

    specs = load_all()
    for name in (source, target):
        if name not in specs:
            raise BlueprintError(f"no environment named {name!r}", fix=f"use one of {sorted(specs)}")
    with err_console.status("promoting") as status:
        result = run_promote(
            specs[source],
            specs[target],
            chain_of(specs, source),
            workdir(),
            outdir,
            apply=apply,
            approved=approved,
            progress=lambda m: status.update(m),
        )
    console.print(
        table(f"{source} -> {target}: settings that differ", ("field", source, target), result.differences)
    )
    for stack_id, stack_plan in sorted(result.plans.items()):
        say(f"{stack_id}: {stack_plan.describe()}")
    if result.applied:
        say(f"applied the approved plan to {target} (commit {result.commit[:12]})")
        later = [i for i, p in sorted(result.plans.items()) if p.deferred_on]
        if later:
            say(
                f"not applied: {', '.join(later)} (planned only after what they read is applied); "
                f"run `blueprint promote --from {source} --to {target}` again to review and apply them"
            )
    else:
        say(f"plan summary for approval: {result.summary_file}")


@app.command()
def drift(env: EnvOpt, as_json: JsonOpt = False, outdir: OutdirOpt = DEFAULT_OUTDIR) -> None:
    """Report, per stack, whether the deployed environment differs from the code (exit 3 on drift).

    Example: blueprint drift --env prod --json > drift.json
    """
    from blueprint.release.drift import drift as drift_of

    spec = load_env(env)
    plans = drift_of(spec, workdir(), outdir)
    drifted = [i for i, p in plans.items() if p.changes]
    if as_json:
        stacks = {i: {"drift": p.changes, "summary": p.describe()} for i, p in plans.items()}
        print(json.dumps({"env": spec.name, "stacks": stacks}, indent=2))
        if drifted:
            raise typer.Exit(3)
        return
    for stack_id, stack_plan in plans.items():
        say(f"{stack_id}: {'DRIFT ' + stack_plan.describe() if stack_plan.changes else 'in sync'}")
    if drifted:
        err_console.print(f"drift detected in {', '.join(drifted)}", markup=False)
        raise typer.Exit(3)


@app.command("ledger")
def ledger_cmd(env: EnvOpt, as_json: JsonOpt = False) -> None:
    """Print the deployment history of an environment.  Example: blueprint ledger --env staging"""
    from blueprint.release.ledger import environment_history

    spec = load_env(env)
    entries = environment_history(spec, workdir())
    if as_json:
        console.print_json(json.dumps(entries))
        return
    print_ledger(spec.name, entries)
