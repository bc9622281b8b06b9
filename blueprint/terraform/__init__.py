"""The real terraform binary: the runner and its targets, cross-stack inputs, the apply scheduler and
the capability table of what can be planned and applied where."""

from blueprint.terraform.runner import DEFAULT_TIMEOUT_S, PlanResult, TerraformRunner, interrupt_applies
from blueprint.terraform.targets import Target, default_workdir, find_mirror

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "PlanResult",
    "Target",
    "TerraformRunner",
    "default_workdir",
    "find_mirror",
    "interrupt_applies",
]
