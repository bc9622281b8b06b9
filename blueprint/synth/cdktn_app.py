"""What `cdktn synth` / `cdktn deploy` run (cdktf.json runs `main.py`, which calls `run`).

The selection comes from `BLUEPRINT_ENVS` / `BLUEPRINT_CLOUDS` (default: everything), the output
directory from the cdktn CLI's `CDKTF_OUTDIR`. When an environment of the selection targets the running
emulator, its stacks get the same override file `blueprint up` writes (the terraform layer's), so
`cdktn deploy` reaches the emulator too.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from blueprint.errors import BlueprintError
from blueprint.spec import CLOUDS, PlatformSpec, load_all
from blueprint.synth import Synthesized, synthesize

DEFAULT_OUTDIR = Path("cdktf.out")


def _selection(name: str, allowed: tuple[str, ...]) -> set[str] | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    chosen = {v.strip() for v in raw.split(",") if v.strip()}
    if unknown := chosen - set(allowed):
        raise BlueprintError(
            f"{name}: unknown value(s) {sorted(unknown)}", fix=f"use some of {list(allowed)}"
        )
    return chosen


def run() -> int:
    try:
        specs = load_all()
        envs = _selection("BLUEPRINT_ENVS", tuple(specs))
        clouds = _selection("BLUEPRINT_CLOUDS", CLOUDS)
        outdir = Path(os.environ.get("CDKTF_OUTDIR", str(DEFAULT_OUTDIR)))
        chosen = [s for n, s in specs.items() if envs is None or n in envs]
        synth = synthesize(chosen, clouds, outdir)
    except BlueprintError as exc:
        print(f"error: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    prepare_emulated_stacks(specs, synth)
    return 0


def prepare_emulated_stacks(specs: dict[str, PlatformSpec], synth: Synthesized) -> None:
    """When `cdktn deploy` runs the app for an emulator environment, give each of its stacks the same
    override file `blueprint up` writes (endpoints, state backend on the emulator)."""
    from blueprint import emulator
    from blueprint.terraform import Target, TerraformRunner, default_workdir

    emulated = [p for p in synth.stacks if specs[p.env].emulated]
    emu = emulator.running(default_workdir()) if emulated else None
    if emu is None:
        return
    for p in emulated:
        region = specs[p.env].clouds.require("aws").region
        TerraformRunner(default_workdir(), Target.EMULATOR, emu, region=region).prepare(
            synth.stack_dir(p.stack_id)
        )
