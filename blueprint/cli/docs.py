"""Derived files and tables: the environment schema, docs/parity.md, the coverage table."""

from __future__ import annotations

import json

import typer

from blueprint.cli.options import CheckOpt, JsonOpt
from blueprint.cli.render import console, say, table
from blueprint.errors import BlueprintError

app = typer.Typer()


@app.command()
def schema(check: CheckOpt = False) -> None:
    """Write the JSON Schema of environment files to environments/schema.json.

    Example: blueprint schema --check
    """
    from blueprint.paths import environments_dir
    from blueprint.spec import export_schema

    path = environments_dir() / "schema.json"
    current = export_schema()
    if check:
        if not path.is_file() or path.read_text() != current:
            raise BlueprintError(f"{path} is out of date", fix="run `blueprint schema` and commit the result")
        say(f"{path} is current")
        return
    path.write_text(current)
    say(f"wrote {path}")


@app.command()
def parity(check: CheckOpt = False) -> None:
    """Regenerate the capability x cloud table of docs/parity.md from the registry and a synthesis.

    Example: blueprint parity --check
    """
    from blueprint.docgen.parity import generate, parity_file

    current, fresh = generate()
    if check:
        if current != fresh:
            raise BlueprintError(
                f"{parity_file()} is out of date", fix="run `blueprint parity` and commit the result"
            )
        say(f"{parity_file()} is current")
        return
    parity_file().write_text(fresh)
    say(f"wrote {parity_file()}")


@app.command()
def coverage(as_json: JsonOpt = False) -> None:
    """What is proven here per cloud, domain and tier (synth, policy, plan, apply), and what is not.

    Example: blueprint coverage
    """
    from blueprint.docgen.coverage import coverage as coverage_rows
    from blueprint.spec import load_all
    from blueprint.terraform import find_mirror

    rows = coverage_rows(load_all(), mirror=find_mirror() is not None)
    if as_json:
        print(json.dumps([r.as_dict() for r in rows], indent=2))
        return
    columns = ("cloud", "domain", "synth", "policy", "plan", "apply", "cloud accounts")
    values = [(r.cloud, r.domain, r.synth, r.policy, r.plan, r.apply, r.cloud_tier) for r in rows]
    console.print(table("coverage: what this machine proves", columns, values))
