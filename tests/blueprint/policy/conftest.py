"""Policy-tier fixtures: every shipped environment synthesized on AWS once per session.

Synthesis costs seconds (the jsii runtime starts node), and a checkov run ~4 s, so tests share one
synthesis, mutate deep copies of its JSON for the bad stacks, and run checkov only where that is the
point of the test.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from blueprint.policy.checkov import find_checkov
from blueprint.policy.gate import PolicyReport, evaluate, load_stacks
from blueprint.policy.model import StackDoc
from blueprint.policy.suppressions import load_suppressions
from blueprint.spec import load_all

Doc = dict[str, Any]


@pytest.fixture(scope="session")
def shipped_stacks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, StackDoc]:
    """stack id -> StackDoc for every environment in environments/, on every cloud it enables."""
    outdir = tmp_path_factory.mktemp("policy") / "cdktf.out"
    stacks = load_stacks(list(load_all().values()), None, outdir)
    return {s.stack_id: s for s in stacks}


@pytest.fixture(scope="session")
def checkov_bin() -> str:
    """The checkov binary; the policy tier needs it (scripts/setup.sh installs .venv-checkov)."""
    return find_checkov()


@pytest.fixture
def mutated(
    shipped_stacks: dict[str, StackDoc], tmp_path: Path
) -> Callable[[str, Callable[[dict[str, Any]], None]], StackDoc]:
    """`mutated(stack_id, change)`: a deep copy of a shipped stack, changed and written to tmp_path."""

    def make(stack_id: str, change: Callable[[dict[str, Any]], None]) -> StackDoc:
        original = shipped_stacks[stack_id]
        doc = copy.deepcopy(original.doc)
        change(doc)
        path = tmp_path / "stacks" / stack_id / "cdk.tf.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
        return replace(original, doc=doc, path=path)

    return make


@pytest.fixture(scope="session")
def shipped_report(shipped_stacks: dict[str, StackDoc], checkov_bin: str) -> PolicyReport:
    """Invariants and checkov on every shipped stack, with the checked-in suppressions."""
    return evaluate(
        list(shipped_stacks.values()), suppressions=load_suppressions(), checkov_binary=checkov_bin
    )


PLAN: Doc = {
    "format_version": "1.2",
    "terraform_version": "1.11.4",
    "planned_values": {
        "root_module": {
            "resources": [
                {
                    "address": "aws_s3_bucket.open",
                    "mode": "managed",
                    "type": "aws_s3_bucket",
                    "name": "open",
                    "provider_name": "registry.terraform.io/hashicorp/aws",
                    "schema_version": 0,
                    "values": {"bucket": "acme-dev-open", "force_destroy": False},
                }
            ]
        }
    },
    "resource_changes": [
        {
            "address": "aws_s3_bucket.open",
            "mode": "managed",
            "type": "aws_s3_bucket",
            "name": "open",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": ["create"], "before": None, "after": {"bucket": "acme-dev-open"}},
        }
    ],
    "configuration": {
        "root_module": {
            "resources": [
                {
                    "address": "aws_s3_bucket.open",
                    "mode": "managed",
                    "type": "aws_s3_bucket",
                    "name": "open",
                    "provider_config_key": "aws",
                    "expressions": {"bucket": {"constant_value": "acme-dev-open"}},
                }
            ]
        }
    },
}


@pytest.fixture
def bad_plan() -> Callable[[Path], Path]:
    """`bad_plan(dir)` writes dir/plan.json: `terraform show -json` of a plan creating one bare bucket
    (no encryption, no logging), as checkov's terraform_plan framework reads it."""

    def write(directory: Path) -> Path:
        path = directory / "plan.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(PLAN, indent=2))
        return path

    return write
