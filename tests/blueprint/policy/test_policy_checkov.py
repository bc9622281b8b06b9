"""checkov really runs: a bad stack yields checkov failure ids, a stack checkov cannot parse fails the
gate instead of passing empty, and plan JSON is scanned with the terraform_plan framework."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from blueprint.errors import BlueprintError, ToolMissingError
from blueprint.policy.checkov import _run, find_checkov, scan_plans, scan_stacks, scannable
from blueprint.policy.model import StackDoc
from blueprint.policy.suppressions import apply_suppressions, load_suppressions

pytestmark = pytest.mark.policy

Doc = dict[str, Any]


def _strip_raw_bucket(doc: Doc) -> None:
    """No encryption and no access logging on the raw bucket."""
    for rtype in ("aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_logging"):
        group = doc["resource"][rtype]
        for name in [n for n in group if n.startswith("lake_raw_")]:
            del group[name]


def test_checkov_flags_a_bad_stack(
    mutated: Callable[[str, Callable[[Doc], None]], StackDoc], checkov_bin: str
) -> None:
    bad = mutated("dev-aws-lake", _strip_raw_bucket)
    run = scan_stacks([bad], checkov_bin)
    raw = {f.rule for f in run.findings if f.address.startswith("aws_s3_bucket.lake_raw_bucket_")}
    assert {"CKV_AWS_145", "CKV_AWS_18"} <= raw, raw
    others = {f.rule for f in run.findings if not f.address.startswith("aws_s3_bucket.lake_raw_")}
    assert "CKV_AWS_145" not in others and "CKV_AWS_18" not in others
    finding = next(f for f in run.findings if f.rule == "CKV_AWS_145")
    assert finding.file == bad.path and finding.line > 1 and finding.stack == "dev-aws-lake"
    assert "suppressions.yaml" in finding.fix and "CKV_AWS_145" in finding.fix
    # The checked-in suppressions do not hide it.
    apply_suppressions(run.findings, load_suppressions())
    assert "CKV_AWS_145" in {f.rule for f in run.findings if not f.suppressed}


def test_unparseable_stack_fails_closed(tmp_path: Path, checkov_bin: str) -> None:
    """A file checkov cannot parse is an error, never a silent zero-check pass."""
    broken = tmp_path / "broken" / "cdk.tf.json"
    broken.parent.mkdir()
    broken.write_text(
        json.dumps(
            {
                "resource": {"aws_s3_bucket": {"b": {"bucket": "x"}}},
                "terraform": {"required_version": ">= 1.10.0"},
            }
        )
    )
    with pytest.raises(BlueprintError, match="could not parse"):
        _run(checkov_bin, "terraform_json", [broken])


def test_scannable_drops_only_scalar_terraform_settings(shipped_stacks: dict[str, StackDoc]) -> None:
    doc = shipped_stacks["dev-aws-lake"].doc
    copy = scannable(doc)
    assert "required_version" in doc["terraform"] and "required_version" not in copy["terraform"]
    assert copy["terraform"]["backend"] == doc["terraform"]["backend"]
    assert copy["resource"] is doc["resource"] and copy["provider"] is doc["provider"]


def test_plan_json_is_scanned(tmp_path: Path, checkov_bin: str, bad_plan: Callable[[Path], Path]) -> None:
    plan = bad_plan(tmp_path / "dev-aws-lake")
    run = scan_plans({"dev-aws-lake": plan}, checkov_bin)
    ids = {f.rule for f in run.findings}
    assert {"CKV_AWS_145", "CKV_AWS_18"} <= ids, ids
    assert all(f.stack == "dev-aws-lake" and f.file == plan.resolve() for f in run.findings)
    assert all(f.address == "aws_s3_bucket.open" for f in run.findings)


def test_missing_checkov_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BLUEPRINT_CHECKOV", str(tmp_path / "no-checkov"))
    with pytest.raises(ToolMissingError) as info:
        find_checkov()
    assert "BLUEPRINT_CHECKOV" in info.value.render() and "scripts/setup.sh" in info.value.render()
