"""What terraform can do with each cloud's stacks, here and in the lifecycle: the one table that the
lifecycle commands, the preview planner and the coverage table ask, instead of naming clouds.

- `plan_here`: terraform can install the cloud's provider on this machine (the AWS provider mirror);
- `emulator`: what the apply tier applies the cloud's resources to on 127.0.0.1 (None: nothing);
- `lifecycle`: bootstrap, deploy, drift, bundle, ledger and promote are implemented for the cloud.
"""

from __future__ import annotations

from dataclasses import dataclass

from blueprint.errors import BlueprintError
from blueprint.pins import PROVIDER_PINS
from blueprint.spec import CLOUDS, PlatformSpec


@dataclass(frozen=True)
class Capability:
    cloud: str
    plan_here: bool
    emulator: str | None
    lifecycle: bool

    @property
    def provider(self) -> str:
        return PROVIDER_PINS[self.cloud][0]


CAPABILITIES: dict[str, Capability] = {
    "aws": Capability("aws", plan_here=True, emulator="moto", lifecycle=True),
    "gcp": Capability("gcp", plan_here=False, emulator=None, lifecycle=False),
    "azure": Capability("azure", plan_here=False, emulator=None, lifecycle=False),
}
assert set(CAPABILITIES) == set(CLOUDS)


def plannable_here() -> frozenset[str]:
    """Clouds whose stacks terraform can plan on this machine."""
    return frozenset(c for c, cap in CAPABILITIES.items() if cap.plan_here)


def lifecycle_clouds(spec: PlatformSpec, requested: set[str] | None = None) -> set[str]:
    """The clouds of `spec` the lifecycle commands act on: every enabled cloud (or those `--cloud`
    names) whose lifecycle is implemented. A clear error when that leaves nothing."""
    enabled: set[str] = set(spec.clouds.enabled())
    chosen = enabled if requested is None else enabled & requested
    if requested is not None and (missing := requested - enabled):
        raise BlueprintError(
            f"environment {spec.name} does not enable {', '.join(sorted(missing))}",
            fix=f"choose among its clouds ({', '.join(sorted(enabled))}) or enable them in the file",
        )
    supported = {c for c in chosen if CAPABILITIES[c].lifecycle}
    if not supported:
        others = ", ".join(sorted(chosen))
        raise BlueprintError(
            f"the deployment lifecycle is not implemented for {others} yet (environment {spec.name})",
            fix="synthesize, check and preview those stacks (`blueprint synth`, `check`, `preview`); "
            "deploy them with terraform from cdktf.out/stacks/",
        )
    return supported
