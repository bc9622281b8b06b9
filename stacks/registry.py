"""The registry: which module implements a (cloud, domain), how a cloud's stacks are set up, and the
order of domains. Stacks ask it; they never branch on the cloud. Adding a cloud is adding entries here
and files under modules/.

Entries are import paths, resolved only when a stack of that cloud is built: importing a provider
binding costs seconds, so synthesizing AWS alone never imports google or azurerm.
"""

from __future__ import annotations

import importlib
from typing import Any

from blueprint.spec import DOMAINS

# (cloud, domain) -> "module:Construct". The construct takes (scope, id, *, spec, namer).
MODULES: dict[tuple[str, str], str] = {
    ("aws", "foundation"): "modules.foundation.aws:AwsFoundation",
    ("aws", "lake"): "modules.lake.aws:AwsLake",
}

# cloud -> "module:function(stack, spec, namer)" that adds the provider (and its pin) to a stack.
STACK_SETUP: dict[str, str] = {
    "aws": "modules.foundation.aws:configure_aws_stack",
}

# cloud -> "module:function(stack, spec, namer, stack_id)" that sets the state backend.
BACKENDS: dict[str, str] = {
    "aws": "stacks.backends:s3_backend",
}

# domain -> the domains whose resources it uses (by deterministic name); deploy order follows it.
DEPENDS_ON: dict[str, tuple[str, ...]] = {
    "foundation": (),
    "lake": ("foundation",),
    "warehouse": ("foundation", "lake"),
    "streaming": ("foundation",),
    "orchestration": ("foundation", "lake"),
    "serving": ("foundation", "lake"),
}
assert set(DEPENDS_ON) == set(DOMAINS)


def resolve(ref: str) -> Any:
    module_name, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def module_for(cloud: str, domain: str) -> Any | None:
    ref = MODULES.get((cloud, domain))
    return resolve(ref) if ref else None


def implemented(cloud: str, domain: str) -> bool:
    return (cloud, domain) in MODULES
