"""The options that several commands share, defined once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from blueprint.terraform import default_workdir

DEFAULT_OUTDIR = Path("cdktf.out")

EnvOpt = Annotated[
    str, typer.Option("--env", "-e", help="Environment name (environments/<env>.yaml) or path.")
]
LocalEnvOpt = Annotated[str, typer.Option("--env", "-e", help="An emulator environment.")]
EnvsOpt = Annotated[
    list[str] | None,
    typer.Option("--env", "-e", help="Environment(s) (name or path); repeat the option. Default: all."),
]
CloudsOpt = Annotated[
    list[str] | None,
    typer.Option("--cloud", "-c", help="Cloud(s): aws, gcp, azure; repeat the option. Default: all enabled."),
]
OutdirOpt = Annotated[Path, typer.Option("--outdir", help="Where stacks are synthesized.")]
StackOpt = Annotated[str | None, typer.Option("--stack", help="Only this stack id, e.g. dev-aws-lake.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
CheckOpt = Annotated[bool, typer.Option("--check", help="Fail if the file is out of date; write nothing.")]


def workdir() -> Path:
    """The working area of terraform and the emulator: $BLUEPRINT_HOME or .blueprint."""
    return default_workdir()
