"""`blueprint synth`: specs in, Terraform JSON out, with a table of what was built."""

from __future__ import annotations

import json
import time

import typer

from blueprint.cli.options import DEFAULT_OUTDIR, CloudsOpt, EnvsOpt, OutdirOpt
from blueprint.cli.render import console, say, table
from blueprint.spec import select_clouds, select_specs

app = typer.Typer()


@app.command()
def synth(env: EnvsOpt = None, cloud: CloudsOpt = None, outdir: OutdirOpt = DEFAULT_OUTDIR) -> None:
    """Synthesize stacks to Terraform JSON.  Example: blueprint synth --env dev --cloud aws"""
    from blueprint.synth import synthesize

    t0 = time.perf_counter()
    result = synthesize(select_specs(env), select_clouds(cloud), outdir)
    rows = []
    for s in result.stacks:
        doc = json.loads((result.stack_dir(s.stack_id) / "cdk.tf.json").read_text())
        count = sum(len(v) for v in doc.get("resource", {}).values())
        rows.append((s.stack_id, ", ".join(s.depends_on) or "-", count))
    console.print(table(f"synthesized into {outdir}/stacks", ("stack", "depends on", "resources"), rows))
    say(f"{len(result.stacks)} stacks in {time.perf_counter() - t0:.1f} s")
