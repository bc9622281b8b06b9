"""The blueprint toolchain, one subpackage per box of the data flow (docs/architecture.md):

spec -> synth -> terraform -> release / preview / policy / verify, with emulator, docgen and cli beside.
Importing it has no side effects: the jsii kernel's node is set up by `blueprint.synth.node.configure_node`.
"""
