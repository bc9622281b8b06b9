"""The blueprint toolchain: spec, naming, synthesis, terraform runner, emulator, verify, CLI."""

import os

# The jsii runtime warns loudly on Node 20 (end of life). The warning is silenced per major version;
# synthesis works on 20, and CI may install Node 22 (see README).
for _var in ("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"):
    os.environ.setdefault(_var, "18,19,20,21")
