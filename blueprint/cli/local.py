"""Commands of an environment on the embedded emulator (up, down, status, shell-env) and the smoke
checks of any environment's lake (verify)."""

from __future__ import annotations

import shlex
from typing import Annotated

import typer

from blueprint.cli.options import DEFAULT_OUTDIR, EnvOpt, LocalEnvOpt, OutdirOpt, workdir
from blueprint.cli.render import err_console, print_up, print_verify, say
from blueprint.errors import BlueprintError
from blueprint.spec import load_env

app = typer.Typer()


@app.command()
def up(env: LocalEnvOpt = "local", outdir: OutdirOpt = DEFAULT_OUTDIR) -> None:
    """Deploy an environment to the embedded AWS emulator, verify it and print what was built.

    Example: blueprint up --env local   (then: blueprint status, blueprint down)
    """
    from blueprint.emulator import local

    spec = load_env(env)
    with err_console.status("starting") as status:
        result = local.up(spec, workdir(), outdir, progress=lambda m: status.update(m))
    print_up(result)
    if not result.verified:
        raise BlueprintError(
            "verification failed (see the checks above)", fix="read the failed checks; re-run `up`"
        )


@app.command()
def verify(
    env: EnvOpt = "local",
    cloud: Annotated[
        str, typer.Option(help="aws: the environment's S3 buckets (boto3); gcp or azure: the lake's storage.")
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
    from blueprint.verify import verify_lake
    from blueprint.verify.checks import status

    checks = verify_lake(load_env(env), cloud, workdir(), endpoint)
    print_verify(f"verify {env} ({cloud})", checks, status)
    if any(status(c) == "failed" for c in checks):
        raise BlueprintError(
            "verification failed", fix="re-apply the environment's stacks to converge, then verify again"
        )


@app.command()
def down(env: LocalEnvOpt = "local", outdir: OutdirOpt = DEFAULT_OUTDIR) -> None:
    """Destroy an emulator environment, delete its state and stop the emulator.

    Example: blueprint down --env local
    """
    from blueprint.emulator import local

    with err_console.status("destroying") as status:
        destroyed = local.down(load_env(env), workdir(), outdir, progress=lambda m: status.update(m))
    say(f"destroyed {len(destroyed)} stacks: {', '.join(destroyed) or '-'}; emulator stopped")


@app.command()
def status(env: LocalEnvOpt = "local") -> None:
    """Show the emulator and what each stack's state holds.  Example: blueprint status --env local"""
    from blueprint.emulator import local

    st = local.status(load_env(env), workdir())
    if st.endpoint is None:
        say("emulator: not running (start with `blueprint up --env local`)")
        return
    say(f"emulator: {st.endpoint} (pid {st.pid or 'external'})")
    for s in st.stacks:
        say(f"  {s.stack_id}: {s.resources} resources")


@app.command("shell-env")
def shell_env(env: LocalEnvOpt = "local") -> None:
    """Print the exports that let plain `terraform` / `cdktn deploy` reach an emulator environment.

    Example: eval "$(blueprint shell-env --env local)" && cdktn deploy 'local-aws-*' --skip-provider-lock
    """
    from blueprint.emulator.local import shell_exports

    for key, value in shell_exports(load_env(env), workdir()):
        print(f"export {key}={shlex.quote(value)}")
