#!/usr/bin/env python
"""The CDK app, as `cdktn synth` / `cdktn deploy` run it (cdktf.json): the selected environments' stacks.

`BLUEPRINT_ENVS=dev,prod` and `BLUEPRINT_CLOUDS=aws` narrow the selection (default: everything). It builds
the app (stacks/app.py) and nothing else; `blueprint synth` is the same builder.
"""

from __future__ import annotations

import sys

from blueprint.synth.node import configure_node

configure_node()  # the kernel's node and the lazy-providers hook, before cdktn starts the kernel

# isort: split
from stacks.app import PlannedStack, build_app, module_ref, plan_stacks

__all__ = ["PlannedStack", "build_app", "module_ref", "plan_stacks"]

if __name__ == "__main__":
    from blueprint.synth.cdktn_app import run

    sys.exit(run())
