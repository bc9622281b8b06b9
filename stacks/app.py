"""The app builder: one stack per (environment, cloud, domain) for the selected environments.

The one way into stacks/ and modules/: `blueprint synth` (blueprint.synth) and `main.py` (what
`cdktn synth` / `cdktn deploy` run) call `build_app`; the docs generators ask `module_ref`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blueprint.errors import SpecError
from blueprint.naming import stack_id
from blueprint.pins import TERRAFORM_TARGET
from blueprint.spec import DOMAINS, PlatformSpec
from blueprint.synth.node import configure_node
from stacks import registry

if TYPE_CHECKING:
    from cdktn import App

DEFAULT_OUTDIR = Path("cdktf.out")


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
                        stack_id(spec.name, cloud, d) for d in registry.DEPENDS_ON[domain] if d in enabled
                    )
                    planned.append(
                        PlannedStack(spec.name, cloud, domain, stack_id(spec.name, cloud, domain), deps)
                    )
    return planned


def build_app(
    specs: list[PlatformSpec], clouds: set[str] | None = None, outdir: Path = DEFAULT_OUTDIR
) -> tuple[App, list[PlannedStack]]:
    """Build (not yet synthesize) the app for these environments and clouds."""
    configure_node()  # the kernel's node and the lazy-providers hook, before cdktn starts the kernel
    from cdktn import App  # starts the jsii kernel: only when stacks are built

    from stacks.domains import STACK_CLASSES

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


def module_ref(cloud: str, domain: str) -> str | None:
    """`modules.<domain>.<cloud>:<Construct>` implementing (cloud, domain), or None when none does yet
    (what the docs generators ask; no provider binding is imported)."""
    return registry.MODULES[(cloud, domain)] if registry.implemented(cloud, domain) else None

