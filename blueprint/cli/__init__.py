"""`blueprint`: the command line of the platform blueprint, one module per command group.

Every workflow step (local and in GitHub Actions) is one of these commands. A command parses its
options, calls one function of the toolchain and renders the result (`render.py`); options several
commands share are defined once (`options.py`).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from botocore.exceptions import BotoCoreError

from blueprint import paths, terraform
from blueprint.cli import docs, github, lifecycle, local, policy, preview, synth
from blueprint.cli.render import err_console, error
from blueprint.errors import BlueprintError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Data & ML platform blueprint: environments -> CDK Terrain stacks -> terraform.\n\n"
    "Start with: blueprint up --env local",
)
for group in (synth, local, lifecycle, policy, preview, github, docs):
    app.registered_commands += group.app.registered_commands


@app.callback()
def _options(
    environments: Annotated[
        Path | None,
        typer.Option(
            "--environments",
            help="The directory of environment files (default: ./environments of the project).",
            envvar=paths.ENVIRONMENTS_ENV,
        ),
    ] = None,
) -> None:
    """Data & ML platform blueprint: environments -> CDK Terrain stacks -> terraform."""
    if environments is not None:
        if not environments.is_dir():
            raise BlueprintError(
                f"--environments {environments}: not a directory",
                fix="pass the directory that holds <env>.yaml files",
            )
        os.environ[paths.ENVIRONMENTS_ENV] = str(environments.resolve())


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
        error(exc.render())
        sys.exit(exc.exit_code)
    except BotoCoreError as exc:  # endpoint unreachable, credentials missing: input, not a bug
        error(f"AWS call failed: {exc}")
        err_console.print(
            "  fix: check the endpoint (`blueprint status` for the emulator) and credentials", markup=False
        )
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
