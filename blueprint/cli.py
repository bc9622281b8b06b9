"""`blueprint`: the command line of the platform blueprint.

Every workflow step (local and in GitHub Actions) is one of these commands.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from botocore.exceptions import BotoCoreError
from rich.console import Console
from rich.table import Table

from blueprint import terraform
from blueprint.errors import BlueprintError
from blueprint.paths import environments_dir
from blueprint.policy.cli_tmp import check
from blueprint.preview_cli import affected, preview
from blueprint.spec import (
    export_schema,
    load_all,
    load_env,
    select_clouds,
    select_specs,
)
from blueprint.terraform.capabilities import lifecycle_clouds, plannable_here

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Data & ML platform blueprint: environments -> CDK Terrain stacks -> terraform.\n\n"
    "Start with: blueprint up --env local",
)
console = Console()
err_console = Console(stderr=True)

EnvOpt = Annotated[
    str, typer.Option("--env", "-e", help="Environment name (environments/<env>.yaml) or path.")
]
EnvsOpt = Annotated[
    list[str] | None, typer.Option("--env", "-e", help="Environment(s); repeat the option. Default: all.")
]
CloudsOpt = Annotated[
    list[str] | None, typer.Option("--cloud", "-c", help="Cloud(s): aws, gcp, azure. Default: all enabled.")
]
OutdirOpt = Annotated[Path, typer.Option("--outdir", help="Where stacks are synthesized.")]
DEFAULT_OUTDIR = Path("cdktf.out")


def workdir() -> Path:
    from blueprint.terraform import default_workdir

    return default_workdir()


def _resource_count(stack_dir: Path) -> int:
    doc = json.loads((stack_dir / "cdk.tf.json").read_text())
    return sum(len(v) for v in doc.get("resource", {}).values())


@app.command()
def synth(env: EnvsOpt = None, cloud: CloudsOpt = None, outdir: OutdirOpt = DEFAULT_OUTDIR) -> None:
    """Synthesize stacks to Terraform JSON.  Example: blueprint synth --env dev --cloud aws"""
    from blueprint.synth import synthesize

    t0 = time.perf_counter()
    result = synthesize(select_specs(env), select_clouds(cloud), outdir)
    table = Table(title=f"synthesized into {outdir}/stacks")
    for col in ("stack", "depends on", "resources"):
        table.add_column(col)
    for s in result.stacks:
        table.add_row(
            s.stack_id, ", ".join(s.depends_on) or "-", str(_resource_count(result.stack_dir(s.stack_id)))
        )
    console.print(table)
    console.print(f"{len(result.stacks)} stacks in {time.perf_counter() - t0:.1f} s")


@app.command()
def validate(env: EnvsOpt = None, outdir: OutdirOpt = DEFAULT_OUTDIR) -> None:
    """`terraform init` + `validate` of every AWS stack, offline (provider mirror, no credentials).

    Example: blueprint validate --env prod
    """
    from blueprint.synth import synthesize
    from blueprint.terraform import Target, TerraformRunner

    result = synthesize(select_specs(env), set(plannable_here()), outdir)
    runner = TerraformRunner(workdir(), Target.OFFLINE)
    for s in result.stacks:
        stack_dir = result.stack_dir(s.stack_id)
        runner.init(stack_dir)
        runner.validate(stack_dir)
        console.print(f"[green]valid[/green] {s.stack_id}")


@app.command()
def plan(
    env: EnvOpt,
    stack: Annotated[str | None, typer.Option(help="Only this stack id, e.g. dev-aws-lake.")] = None,
    offline: Annotated[
        bool,
        typer.Option(help="Plan without a cloud: local state, no refresh (default for cloud envs here)."),
    ] = False,
    outdir: OutdirOpt = DEFAULT_OUTDIR,
) -> None:
    """Plan the AWS stacks of one environment.  Example: blueprint plan --env dev --stack dev-aws-lake"""
    from blueprint import emulator
    from blueprint.synth import synthesize
    from blueprint.terraform import Target, TerraformRunner

    spec = load_env(env)
    result = synthesize([spec], lifecycle_clouds(spec), outdir)
    stacks = [s for s in result.stacks if stack is None or s.stack_id == stack]
    if not stacks:
        raise BlueprintError(
            f"--stack {stack}: no such stack in {spec.name}",
            fix=f"use one of {[s.stack_id for s in result.stacks]}",
        )
    emu = emulator.running(workdir()) if spec.emulated and not offline else None
    if spec.emulated and not offline and emu is None:
        raise BlueprintError(
            "no emulator is running", fix="run `blueprint up --env local` first, or pass --offline"
        )
    target = Target.EMULATOR if emu else Target.OFFLINE
    aws = spec.clouds.aws
    runner = TerraformRunner(workdir(), target, emu, region=aws.region if aws else "us-east-1")
    for s in stacks:
        stack_dir = result.stack_dir(s.stack_id)
        runner.init(stack_dir)
        res = runner.plan(stack_dir)
        summary = f"+{res.add} ~{res.change} -{res.destroy}" if res.changes else "no changes"
        console.print(f"{s.stack_id} ({target.value}): {summary}")


@app.command()
def bootstrap(env: EnvOpt) -> None:
    """Create the environment's S3 state bucket (versioned, encrypted, no public access).

    Example: blueprint bootstrap --env local
    """
    import boto3

    from blueprint import emulator
    from blueprint.release import state_store as state

    spec = load_env(env)
    aws = spec.clouds.aws
    if aws is None or not aws.enabled:
        raise BlueprintError(f"{spec.name} has no AWS cloud", fix="enable clouds.aws in the environment file")
    if spec.emulated:
        s3 = boto3.client("s3", **emulator.ensure(workdir()).boto3_kwargs(aws.region))
    else:
        s3 = boto3.client("s3", region_name=aws.region)
    bucket, created = state.bootstrap(s3, spec)
    console.print(f"state bucket {bucket}: {'created' if created else 'exists, settings re-applied'}")


@app.command()
def up(
    env: Annotated[str, typer.Option("--env", "-e", help="An emulator environment.")] = "local",
    outdir: OutdirOpt = DEFAULT_OUTDIR,
) -> None:
    """Deploy an environment to the embedded AWS emulator, verify it and print what was built.

    Example: blueprint up --env local   (then: blueprint status, blueprint down)
    """
    from blueprint.emulator import local as local_env

    spec = load_env(env)
    with console.status("starting") as status:
        result = local_env.up(spec, workdir(), outdir, progress=lambda m: status.update(m))
    _print_up(result)
    if not result.verified:
        raise BlueprintError(
            "verification failed (see the checks above)", fix="read the failed checks; re-run `up`"
        )


def _print_up(result: Any) -> None:
    table = Table(title=f"environment {result.env} on {result.endpoint}")
    for col in ("stack", "resources", "outputs"):
        table.add_column(col)
    for s in result.stacks:
        outs = "\n".join(f"{k} = {v}" for k, v in sorted(s.outputs.items()))
        table.add_row(s.stack_id, str(s.resources), outs)
    console.print(table)
    _print_checks(result.checks)
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
    console.print(
        f"[bold]{len(result.stacks)} stacks, {result.resources} resources, "
        f"{sum(c.ok for c in result.checks)}/{len(result.checks)} checks passed, "
        f"{result.seconds:.1f} s[/bold] ({steps})\nstate: s3://{result.state_bucket}   "
        "next: blueprint status | blueprint down"
    )


def _print_checks(checks: list[Any]) -> None:
    failed = [c for c in checks if not c.ok]
    buckets = sorted({c.subject for c in checks})
    console.print(
        f"verify: {len(checks) - len(failed)}/{len(checks)} checks passed on {len(buckets)} buckets"
    )
    for c in failed:
        console.print(f"  [red]FAILED[/red] {c.subject}: {c.name} ({c.detail})")


@app.command()
def verify(
    env: EnvOpt = "local",
    cloud: Annotated[
        str, typer.Option(help="aws: the emulator environment (boto3); gcp or azure: the lake's storage.")
    ] = "aws",
    endpoint: Annotated[
        str | None,
        typer.Option(help="gcp/azure: a storage emulator's URL (default: the cloud's own endpoint)."),
    ] = None,
) -> None:
    """Smoke-check the lake's storage: settings the SDK can see and a write/read/list/delete round trip.

    Examples: blueprint verify --env local
              blueprint verify --env dev --cloud gcp --endpoint http://127.0.0.1:4443
              BLUEPRINT_AZURE_STORAGE_KEY=... blueprint verify --env dev --cloud azure --endpoint http://127.0.0.1:10000
    """
    from blueprint.verify_gcp import status

    spec = load_env(env)
    if cloud == "aws":
        from blueprint.emulator import local as local_env

        checks = local_env.verify(spec, workdir())
    elif cloud in ("gcp", "azure"):
        checks = _storage_checks(spec, cloud, endpoint)
    else:
        raise BlueprintError(f"--cloud {cloud}: unknown", fix="use aws, gcp or azure")
    table = Table(title=f"verify {env} ({cloud})")
    for col in ("resource", "check", "result"):
        table.add_column(col)
    for c in checks:
        result = {"passed": "[green]ok[/green]", "not checkable": "[yellow]not checkable[/yellow]"}.get(
            status(c), "[red]FAILED[/red]"
        )
        table.add_row(c.subject, c.name, f"{result} {c.detail}".strip() if not c.ok else result)
    console.print(table)
    if any(status(c) == "failed" for c in checks):
        raise BlueprintError(
            "verification failed", fix="re-apply the environment's stacks to converge, then verify again"
        )


def _storage_checks(spec: Any, cloud: str, endpoint: str | None) -> list[Any]:
    """The GCS or Azure Blob checks of the lake, against `endpoint` (an emulator) or the real cloud."""
    if cloud not in spec.clouds.enabled():
        raise BlueprintError(
            f"environment {spec.name} does not enable {cloud}", fix=f"set clouds.{cloud}.enabled: true"
        )
    if cloud == "gcp":
        from google.cloud import storage

        from blueprint.verify_gcp import verify_gcs

        if endpoint:
            from google.auth.credentials import AnonymousCredentials

            client = storage.Client(
                project=spec.clouds.gcp.project,
                credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
                client_options={"api_endpoint": endpoint},
            )
        else:
            client = storage.Client(project=spec.clouds.gcp.project)  # application default credentials
        return verify_gcs(client, spec)
    from azure.storage.blob import BlobServiceClient

    from blueprint.verify_azure import lake_storage_account, verify_azure_blob

    account = lake_storage_account(spec)
    if endpoint:
        from azure.core.credentials import AzureNamedKeyCredential

        key = os.environ.get("BLUEPRINT_AZURE_STORAGE_KEY", "")
        if not key:
            raise BlueprintError(
                "an emulator endpoint needs the account key in BLUEPRINT_AZURE_STORAGE_KEY",
                fix=f"export BLUEPRINT_AZURE_STORAGE_KEY (the key Azurite serves {account} with)",
            )
        service = BlobServiceClient(
            f"{endpoint.rstrip('/')}/{account}", credential=AzureNamedKeyCredential(account, key)
        )
    else:
        raise BlueprintError(
            "verifying a real Azure account needs Entra ID credentials (azure-identity), not installed here",
            fix="pass --endpoint of an Azurite serving the lake account, or install azure-identity",
        )
    return verify_azure_blob(service, spec)


@app.command()
def down(env: EnvOpt = "local", outdir: OutdirOpt = DEFAULT_OUTDIR) -> None:
    """Destroy an emulator environment, delete its state and stop the emulator.

    Example: blueprint down --env local
    """
    from blueprint.emulator import local as local_env

    with console.status("destroying") as status:
        destroyed = local_env.down(load_env(env), workdir(), outdir, progress=lambda m: status.update(m))
    console.print(f"destroyed {len(destroyed)} stacks: {', '.join(destroyed) or '-'}; emulator stopped")


@app.command()
def status(env: EnvOpt = "local") -> None:
    """Show the emulator and what each stack's state holds.  Example: blueprint status --env local"""
    from blueprint.emulator import local as local_env

    st = local_env.status(load_env(env), workdir())
    if st.endpoint is None:
        console.print("emulator: not running (start with `blueprint up --env local`)")
        return
    console.print(f"emulator: {st.endpoint} (pid {st.pid or 'external'})")
    for s in st.stacks:
        console.print(f"  {s.stack_id}: {s.resources} resources")


@app.command()
def deploy(
    env: EnvOpt,
    stack: Annotated[str | None, typer.Option(help="Only this stack id, e.g. dev-aws-lake.")] = None,
    outdir: OutdirOpt = DEFAULT_OUTDIR,
) -> None:
    """Synth, plan to saved plans, apply them in dependency order, record the deployment in the ledger.

    Example: blueprint deploy --env dev      (emulator environments: blueprint deploy --env local)
    """
    from blueprint.release import deploy as deploy_mod

    with console.status("deploying") as status:
        result = deploy_mod.deploy(
            load_env(env), workdir(), outdir, stack, progress=lambda m: status.update(m)
        )
    for stack_id, plan in result.plans.items():
        console.print(f"{stack_id}: {plan.describe()}")
    console.print(f"deployed {result.env} at {result.commit[:12]}, bundle {result.bundle.digest[:12]}")


@app.command()
def bundle(env: EnvOpt, outdir: OutdirOpt = DEFAULT_OUTDIR) -> None:
    """Write a content-addressed bundle of the environment's stacks (sha256 per stack + manifest).

    Example: blueprint bundle --env staging
    """
    from blueprint import paths
    from blueprint.release.bundle import current_commit, make_bundle, write_bundle
    from blueprint.synth import synthesize

    spec = load_env(env)
    result = synthesize([spec], lifecycle_clouds(spec), outdir)
    commit = current_commit(paths.project_root())
    made = make_bundle(spec, outdir, [s.stack_id for s in result.stacks], commit)
    path = write_bundle(made, outdir, workdir() / "bundles")
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
    from blueprint.release import promote as promote_mod
    from blueprint.spec import chain_of

    specs = load_all()
    for name in (source, target):
        if name not in specs:
            raise BlueprintError(f"no environment named {name!r}", fix=f"use one of {sorted(specs)}")
    with console.status("promoting") as status:
        result = promote_mod.promote(
            specs[source],
            specs[target],
            chain_of(specs, source),
            workdir(),
            outdir,
            apply=apply,
            approved=approved,
            progress=lambda m: status.update(m),
        )
    table = Table(title=f"{source} -> {target}: settings that differ")
    for col in ("field", source, target):
        table.add_column(col)
    for field_name, a, b in result.differences:
        table.add_row(field_name, str(a), str(b))
    console.print(table)
    for stack_id, plan in sorted(result.plans.items()):
        console.print(f"{stack_id}: {plan.describe()}")
    if result.applied:
        console.print(f"applied the approved plan to {target} (commit {result.commit[:12]})")
        later = [i for i, p in sorted(result.plans.items()) if p.deferred_on]
        if later:
            console.print(
                f"not applied: {', '.join(later)} (planned only after what they read is applied); "
                f"run `blueprint promote --from {source} --to {target}` again to review and apply them"
            )
    else:
        console.print(f"plan summary for approval: {result.summary_file}")


@app.command()
def drift(env: EnvOpt, outdir: OutdirOpt = DEFAULT_OUTDIR) -> None:
    """Report, per stack, whether the deployed environment differs from the code (exit 3 on drift).

    Example: blueprint drift --env prod
    """
    from blueprint.release.drift import drift as drift_of

    plans = drift_of(load_env(env), workdir(), outdir)
    drifted = [i for i, p in plans.items() if p.changes]
    for stack_id, plan in plans.items():
        console.print(f"{stack_id}: {'DRIFT ' + plan.describe() if plan.changes else 'in sync'}")
    if drifted:
        err_console.print(f"drift detected in {', '.join(drifted)}")
        raise typer.Exit(3)


@app.command("ledger")
def ledger_cmd(env: EnvOpt, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Print the deployment history of an environment.  Example: blueprint ledger --env staging"""
    from blueprint.release import ledger
    from blueprint.release.connection import connect

    spec = load_env(env)
    entries = ledger.history(connect(spec, workdir(), start=False).s3(), spec)
    if as_json:
        console.print_json(json.dumps(entries))
        return
    table = Table(title=f"ledger of {spec.name}")
    for col in ("recorded", "kind", "result", "commit", "bundle", "actor"):
        table.add_column(col)
    for e in entries:
        table.add_row(
            str(e.get("recorded")),
            str(e.get("kind")),
            str(e.get("result")),
            str(e.get("commit", ""))[:12],
            str(e.get("bundle", ""))[:12],
            str(e.get("actor")),
        )
    console.print(table)


@app.command("shell-env")
def shell_env(env: EnvOpt = "local") -> None:
    """Print the exports that let plain `terraform` / `cdktn deploy` reach an emulator environment.

    Example: eval "$(blueprint shell-env --env local)" && cdktn deploy 'local-aws-*' --skip-provider-lock
    """
    import shlex

    from blueprint.release.connection import connect

    conn = connect(load_env(env), workdir(), start=False)
    for key, value in sorted(conn.runner(workdir()).env().items()):
        if key.startswith("AWS_") or key == "TF_CLI_CONFIG_FILE":
            print(f"export {key}={shlex.quote(value)}")
    print(f"export BLUEPRINT_HOME={shlex.quote(str(workdir().resolve()))}")
    print(f"export BLUEPRINT_ENVS={shlex.quote(load_env(env).name)} BLUEPRINT_CLOUDS=aws")


@app.command()
def schema(
    check: Annotated[bool, typer.Option(help="Fail if environments/schema.json is out of date.")] = False,
) -> None:
    """Write the JSON Schema of environment files to environments/schema.json."""
    path = environments_dir() / "schema.json"
    current = export_schema()
    if check:
        if not path.is_file() or path.read_text() != current:
            raise BlueprintError(f"{path} is out of date", fix="run `blueprint schema` and commit the result")
        console.print(f"{path} is current")
        return
    path.write_text(current)
    console.print(f"wrote {path}")


@app.command()
def parity(
    check: Annotated[bool, typer.Option(help="Fail if docs/parity.md is out of date.")] = False,
) -> None:
    """Regenerate the capability x cloud table of docs/parity.md from the registry and a synthesis.

    Example: blueprint parity --check
    """
    from blueprint.parity import PARITY_FILE, generate

    current, fresh = generate()
    if check:
        if current != fresh:
            raise BlueprintError(
                f"{PARITY_FILE} is out of date", fix="run `blueprint parity` and commit the result"
            )
        console.print(f"{PARITY_FILE} is current")
        return
    PARITY_FILE.write_text(fresh)
    console.print(f"wrote {PARITY_FILE}")


@app.command()
def coverage(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """What is proven here per cloud, domain and tier (synth, policy, plan, apply), and what is not.

    Example: blueprint coverage
    """
    from blueprint.coverage import coverage as coverage_rows
    from blueprint.spec import load_all
    from blueprint.terraform import find_mirror

    rows = coverage_rows(load_all(), mirror=find_mirror() is not None)
    if as_json:
        print(json.dumps([r.as_dict() for r in rows], indent=2))
        return
    table = Table(title="coverage: what this machine proves")
    for col in ("cloud", "domain", "synth", "policy", "plan", "apply", "cloud accounts"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.cloud, r.domain, r.synth, r.policy, r.plan, r.apply, r.cloud_tier)
    console.print(table)


app.command()(check)
app.command()(affected)
app.command()(preview)


class Terminated(SystemExit):
    """SIGTERM: running applies are asked to stop gracefully (state written, lock released); raising
    lets deploy wait for them and record the failure in the ledger before we exit."""


def _terminate(signum: int, _frame: Any) -> None:
    terraform.interrupt_applies()
    raise Terminated(128 + signum)


def _interrupt(_signum: int, _frame: Any) -> None:
    terraform.interrupt_applies()  # applies run in their own session: Ctrl-C does not reach them
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        app()
    except BlueprintError as exc:
        err_console.print(f"[bold red]error:[/bold red] {exc.render()}", highlight=False, markup=True)
        sys.exit(exc.exit_code)
    except BotoCoreError as exc:  # endpoint unreachable, credentials missing: input, not a bug
        err_console.print(f"[bold red]error:[/bold red] AWS call failed: {exc}", highlight=False)
        err_console.print("  fix: check the endpoint (`blueprint status` for the emulator) and credentials")
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Terminated as exc:
        err_console.print("terminated: terraform commands were stopped gracefully; re-run to converge")
        sys.stdout.flush()
        sys.stderr.flush()
        # The jsii node process got the signal too; skip its exit hook, which would write to a dead pipe.
        os._exit(int(exc.code or 143))


if __name__ == "__main__":
    main()
