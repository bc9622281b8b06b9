"""The registry: which module implements a (cloud, domain), how a cloud's stacks are set up, and the
order of domains. Stacks ask it; they never branch on the cloud. Adding a cloud is adding entries here
and files under modules/.

Entries are import paths, resolved only when a stack of that cloud is built: importing a provider
binding costs seconds, so synthesizing AWS alone never imports google or azurerm.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from blueprint.spec import DOMAINS

# (cloud, domain) -> "module:Construct". The construct takes (scope, id, *, spec, namer).
# The table is complete; a (cloud, domain) whose file under modules/ does not exist yet is not
# implemented, and enabling it is a spec error (see `implemented`).
MODULES: dict[tuple[str, str], str] = {
    (cloud, domain): f"modules.{domain}.{cloud}:{prefix}{domain.capitalize()}"
    for cloud, prefix in (("aws", "Aws"), ("gcp", "Gcp"), ("azure", "Azure"))
    for domain in DOMAINS
}

# cloud -> "module:function(stack, spec, namer)" that adds the provider (and its pin) to a stack.
STACK_SETUP: dict[str, str] = {
    "aws": "modules.primitives.aws:configure_aws_stack",
    "gcp": "modules.primitives.gcp:configure_gcp_stack",
    "azure": "modules.primitives.azure:configure_azure_stack",
}

# cloud -> "module:function(stack, spec, namer, stack_id)" that sets the state backend.
BACKENDS: dict[str, str] = {
    "aws": "stacks.backends:s3_backend",
    "gcp": "stacks.backends:gcs_backend",
    "azure": "stacks.backends:azurerm_backend",
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
    """Whether the module file exists (found without importing it, so no provider binding loads)."""
    ref = MODULES.get((cloud, domain))
    if ref is None:
        return False
    try:
        return importlib.util.find_spec(ref.partition(":")[0]) is not None
    except ModuleNotFoundError:
        return False
