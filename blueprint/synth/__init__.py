"""Synthesis through the app builder (stacks/app.py): specs in, `cdktf.out/stacks/<id>/cdk.tf.json` out.

`node` sets up the jsii kernel's node (and the lazy-providers hook) before cdktn starts it; `cdktn_app`
is what `cdktn synth` / `cdktn deploy` run (through `main.py`).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from blueprint.errors import ToolMissingError
from blueprint.spec import PlatformSpec
from blueprint.synth.node import configure_node

if TYPE_CHECKING:
    from stacks.app import PlannedStack


@dataclass(frozen=True)
class Synthesized:
    outdir: Path
    stacks: list[PlannedStack]

    def stack_dir(self, stack_id: str) -> Path:
        return self.outdir / "stacks" / stack_id


def synthesize(specs: list[PlatformSpec], clouds: set[str] | None, outdir: Path) -> Synthesized:
    """Build and synthesize the selected stacks; stacks come back in dependency order."""
    configure_node()
    explicit = os.environ.get("JSII_NODE")
    if explicit and not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
        raise ToolMissingError(
            f"JSII_NODE={explicit} is not an executable node binary",
            fix="point JSII_NODE at a Node.js >= 20 binary, or unset it to use node from PATH",
        )
    if not explicit and shutil.which("node") is None:
        raise ToolMissingError(
            "node not found: the jsii runtime of CDK Terrain needs Node.js to synthesize stacks",
            fix="run scripts/setup.sh (it installs Node 22 under .tools/), install Node.js >= 20 on PATH, "
            "or set JSII_NODE to a node binary",
        )
    from stacks.app import build_app  # the app builder is the one entry to stacks/ and modules/

    app, planned = build_app(specs, clouds, outdir)
    app.synth()
    return Synthesized(outdir, planned)
