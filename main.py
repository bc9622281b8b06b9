#!/usr/bin/env python
"""The CDK app: one stack per (environment, cloud, domain) for the selected environments.

`blueprint synth` calls `build_app`; `cdktn synth` / `cdktn deploy` run this file (cdktf.json), with
`BLUEPRINT_ENVS=dev,prod` and `BLUEPRINT_CLOUDS=aws` to narrow the selection (default: everything).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import blueprint  # noqa: F401  sets up the kernel's node (blueprint/__init__.py) before cdktn starts it

# isort: split
from cdktn import App

from blueprint.errors import BlueprintError, SpecError
from blueprint.spec import CLOUDS, DOMAINS, PlatformSpec, load_all
from stacks import registry
from stacks.domains import STACK_CLASSES

DEFAULT_OUTDIR = Path("cdktf.out")
# S3 native state locking (use_lockfile) needs terraform >= 1.10; cdktn validates against this target.
TERRAFORM_TARGET = ">=1.10.0"


@dataclass(frozen=True)
class PlannedStack:
    """A stack the app will synthesize, known before any provider binding is imported."""

    env: str
    cloud: str
    domain: str
    stack_id: str
    depends_on: tuple[str, ...]


def plan_stacks(specs: list[PlatformSpec], clouds: set[str] | None = None) -> list[PlannedStack]:
    """Which stacks to build, in dependency order; refuses a domain that no module implements yet."""
    planned: list[PlannedStack] = []
    for spec in specs:
        for cloud in spec.clouds.enabled():
            if clouds and cloud not in clouds:
                continue
            enabled = spec.domains.enabled()
            for domain in enabled:
                if not registry.implemented(cloud, domain):
                    raise SpecError(
                        f"environments/{spec.name}.yaml",
                        [
                            (
                                f"domains.{domain}.enabled",
                                f"no {cloud} module implements {domain!r} yet",
                                f"set domains.{domain}.enabled: false or disable clouds.{cloud}",
                            )
                        ],
                    )
            for domain in DOMAINS:
                if domain in enabled:
                    deps = tuple(
                        f"{spec.name}-{cloud}-{d}" for d in registry.DEPENDS_ON[domain] if d in enabled
                    )
                    planned.append(
                        PlannedStack(spec.name, cloud, domain, f"{spec.name}-{cloud}-{domain}", deps)
                    )
    return planned


def build_app(
    specs: list[PlatformSpec], clouds: set[str] | None = None, outdir: Path = DEFAULT_OUTDIR
) -> tuple[App, list[PlannedStack]]:
    """Build (not yet synthesize) the app for these environments and clouds."""
    planned = plan_stacks(specs, clouds)
    by_name = {s.name: s for s in specs}
    app = App(outdir=str(outdir), context={"targetVersions": {"terraform": TERRAFORM_TARGET}})
    built: dict[str, Any] = {}
    for p in planned:
        stack = STACK_CLASSES[p.domain](app, by_name[p.env], p.cloud)
        stack.add_override("terraform.required_version", TERRAFORM_TARGET.replace(">=", ">= "))
        for dep in p.depends_on:
            stack.add_dependency(built[dep])
        built[p.stack_id] = stack
    return app, planned


def _selection(name: str, allowed: tuple[str, ...] | None = None) -> set[str] | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    chosen = {v.strip() for v in raw.split(",") if v.strip()}
    if allowed and (unknown := chosen - set(allowed)):
        raise BlueprintError(
            f"{name}: unknown value(s) {sorted(unknown)}", fix=f"use some of {list(allowed)}"
        )
    return chosen


def main() -> int:
    try:
        specs = load_all()
        envs = _selection("BLUEPRINT_ENVS", tuple(specs))
        clouds = _selection("BLUEPRINT_CLOUDS", CLOUDS)
        # The cdktn CLI passes its output directory in CDKTF_OUTDIR.
        outdir = Path(os.environ.get("CDKTF_OUTDIR", str(DEFAULT_OUTDIR)))
        app, planned = build_app([s for n, s in specs.items() if envs is None or n in envs], clouds, outdir)
    except BlueprintError as exc:
        print(f"error: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    app.synth()
    _adapt_emulated_stacks(specs, planned, outdir)
    return 0


def _adapt_emulated_stacks(specs: dict[str, PlatformSpec], planned: list[PlannedStack], outdir: Path) -> None:
    """When `cdktn deploy` runs this app for an emulator environment, give each of its stacks the same
    override file `blueprint up` writes (endpoints, state backend on the emulator)."""
    from blueprint import emulator
    from blueprint.terraform import Target, TerraformRunner, default_workdir

    emulated = [p for p in planned if specs[p.env].emulated]
    emu = emulator.running(default_workdir()) if emulated else None
    if emu is None:
        return
    for p in emulated:
        aws = specs[p.env].clouds.aws
        assert aws is not None
        TerraformRunner(default_workdir(), Target.EMULATOR, emu, region=aws.region).prepare(
            outdir / "stacks" / p.stack_id
        )


if __name__ == "__main__":
    sys.exit(main())
