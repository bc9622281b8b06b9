"""Explicit stack inputs: how a stack gets another stack's outputs without remote state or data sources.

A module declares an input with `modules.primitives.vocabulary.input_from`: a Terraform variable named
`<domain>__<output>` (`blueprint.naming.input_variable`), meaning "output `<output>` of the stack
`<env>-<cloud>-<domain>`". Before a stack
is planned, its values are written to `blueprint_inputs.auto.tfvars.json` beside `cdk.tf.json`:

- from the producing stack's outputs (`terraform output -json`, i.e. its state) when it has them;
- offline (plan tier, previews without an engine) as labelled placeholders that Terraform accepts
  (`pending-foundation-vpc_id`, an ARN-shaped value for `*_arn`), so every stack still plans alone.

A deploy plans a stack with inputs only once the stacks it reads from are settled: when one of them
changes an output it consumes (or has no state yet), its plan is deferred until that stack is applied
(see `blueprint.release.plans.plan_all`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from blueprint.errors import BlueprintError
from blueprint.naming import parse_input_variable, parse_stack_id
from blueprint.spec import DOMAINS

INPUTS_FILE = "blueprint_inputs.auto.tfvars.json"
PLACEHOLDER_ACCOUNT = "000000000000"


class OutputsReader(Protocol):
    """What filling inputs needs of a terraform runner: init a producing stack, read its outputs."""

    region: str

    def init(self, stack_dir: Path) -> None: ...

    def outputs(self, stack_dir: Path) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Input:
    name: str  # the variable, e.g. foundation__vpc_id
    domain: str  # the producing stack's domain
    output: str  # the producing stack's output
    is_list: bool

    def source(self, stack_id: str) -> str:
        """The producing stack of this input for the consuming stack `stack_id` (same env and cloud)."""
        return parse_stack_id(stack_id).sibling(self.domain)


def declared(stack_dir: Path) -> list[Input]:
    """The inputs a synthesized stack declares (its `<domain>__<output>` variables)."""
    doc = json.loads((stack_dir / "cdk.tf.json").read_text())
    found: list[Input] = []
    for name, body in sorted((doc.get("variable") or {}).items()):
        parsed = parse_input_variable(name)
        if parsed is not None and parsed[0] in DOMAINS:
            found.append(Input(name, *parsed, str(body.get("type", "")).startswith("list")))
    return found


def sources(stack_dir: Path) -> dict[str, set[str]]:
    """Producing stack id -> the outputs this stack reads from it."""
    result: dict[str, set[str]] = {}
    for inp in declared(stack_dir):
        result.setdefault(inp.source(stack_dir.name), set()).add(inp.output)
    return result


def placeholder(inp: Input, region: str) -> Any:
    """A value Terraform accepts where the real one is not known yet, saying what it stands for."""
    if inp.output.endswith("_arn"):
        one = f"arn:aws:kms:{region}:{PLACEHOLDER_ACCOUNT}:key/pending-{inp.domain}-{inp.output}"
    else:
        one = f"pending-{inp.domain}-{inp.output}"
    return [f"{one}-{i}" for i in range(2)] if inp.is_list else one


def write(stack_dir: Path, values: dict[str, Any]) -> None:
    path = stack_dir / INPUTS_FILE
    if values:
        path.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n")
    else:
        path.unlink(missing_ok=True)


def write_placeholders(stack_dir: Path, region: str) -> list[str]:
    """Placeholders for every input (offline); returns the input names."""
    found = declared(stack_dir)
    write(stack_dir, {inp.name: placeholder(inp, region) for inp in found})
    return [inp.name for inp in found]


def fill(runner: OutputsReader, stack_dir: Path, *, allow_missing: bool = False) -> list[str]:
    """Write this stack's inputs from the producing stacks' current outputs. Returns the inputs that
    have no value yet (placeholders are written for them when `allow_missing`, else it is an error)."""
    found = declared(stack_dir)
    if not found:
        write(stack_dir, {})
        return []
    outputs: dict[str, dict[str, Any]] = {}
    for source in sorted({inp.source(stack_dir.name) for inp in found}):
        source_dir = stack_dir.parent / source
        if not (source_dir / "cdk.tf.json").is_file():
            raise BlueprintError(
                f"stack {stack_dir.name} reads outputs of {source}, which was not synthesized",
                fix=f"enable the {parse_stack_id(source).domain} domain in the environment file",
            )
        if not (source_dir / ".terraform").is_dir():
            runner.init(source_dir)
        outputs[source] = runner.outputs(source_dir)
    values: dict[str, Any] = {}
    missing: list[str] = []
    for inp in found:
        value = outputs[inp.source(stack_dir.name)].get(inp.output)
        if value is None or value == "(sensitive)":
            missing.append(inp.name)
            value = placeholder(inp, runner.region)
        values[inp.name] = value
    if missing and not allow_missing:
        raise BlueprintError(
            f"stack {stack_dir.name} needs {', '.join(missing)}, but the producing stack has no such "
            "output yet",
            fix="deploy the environment's stacks in order (`blueprint deploy --env ENV` does)",
        )
    write(stack_dir, values)
    return missing
