"""Drift: a fresh plan of every stack; any change means the environment differs from the code."""

from __future__ import annotations

from pathlib import Path

from blueprint.release.connection import connect
from blueprint.release.plans import StackPlan, init_all, plan_all
from blueprint.spec import PlatformSpec
from blueprint.synth import synthesize
from blueprint.terraform.capabilities import lifecycle_clouds


def drift(spec: PlatformSpec, workdir: Path, outdir: Path) -> dict[str, StackPlan]:
    """A fresh plan of every stack; any change means the environment differs from the code (drift)."""
    conn = connect(spec, workdir, start=False)
    synth = synthesize([spec], lifecycle_clouds(spec), outdir)
    ids = [s.stack_id for s in synth.stacks]
    runner = conn.runner(workdir)
    init_all(runner, synth, ids)
    return plan_all(runner, synth, ids)
