"""Report formats (table, JSON, SARIF 2.1.0) and the `check` command end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from blueprint.cli.policy import check
from blueprint.errors import BlueprintError
from blueprint.policy.gate import PolicyReport, PolicyViolation, evaluate
from blueprint.policy.model import INVARIANT_NAMES, StackDoc
from blueprint.policy.report import render_table, to_json, to_sarif
from blueprint.policy.suppressions import load_suppressions

pytestmark = pytest.mark.policy

Doc = dict[str, Any]
SARIF_LEVELS = {"none", "note", "warning", "error"}


def assert_sarif(doc: Doc) -> None:
    """The parts of SARIF 2.1.0 that code scanning reads, checked field by field."""
    assert doc["version"] == "2.1.0" and "sarif-2.1.0" in doc["$schema"]
    assert isinstance(doc["runs"], list) and doc["runs"]
    for run in doc["runs"]:
        driver = run["tool"]["driver"]
        assert isinstance(driver["name"], str) and driver["name"]
        ids = [r["id"] for r in driver["rules"]]
        assert len(ids) == len(set(ids)), "rule ids are unique"
        for rule in driver["rules"]:
            assert rule["shortDescription"]["text"]
            assert rule["defaultConfiguration"]["level"] in SARIF_LEVELS
        for result in run["results"]:
            assert result["ruleId"] in ids
            assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
            assert result["level"] in SARIF_LEVELS
            assert result["message"]["text"]
            for location in result["locations"]:
                physical = location["physicalLocation"]
                assert physical["artifactLocation"]["uri"]
                assert (
                    isinstance(physical["region"]["startLine"], int) and physical["region"]["startLine"] >= 1
                )
            for suppression in result.get("suppressions", []):
                assert suppression["kind"] in {"inSource", "external"}
                assert suppression["status"] in {"accepted", "underReview", "rejected"}
                assert suppression["justification"]


@pytest.fixture
def bad_report(mutated: Callable[[str, Callable[[Doc], None]], StackDoc]) -> PolicyReport:
    """dev-aws-foundation with the access-log bucket's versioning removed (invariants only)."""

    def change(doc: Doc) -> None:
        doc["resource"].pop("aws_s3_bucket_versioning")

    return evaluate([mutated("dev-aws-foundation", change)], suppressions=load_suppressions(), checkov=False)


def test_sarif_of_the_shipped_report(shipped_report: PolicyReport) -> None:
    sarif = to_sarif(shipped_report)
    assert_sarif(sarif)
    run = sarif["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rule_ids[: len(INVARIANT_NAMES)] == list(INVARIANT_NAMES)
    assert any(r.startswith("CKV") for r in rule_ids), "checkov ids seen become rules"
    # Only accepted findings: each result carries its suppression, and the URI is the stack's file.
    assert run["results"] and all(r["suppressions"] for r in run["results"])
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert all(u.endswith("cdk.tf.json") for u in uris)


def test_sarif_of_a_failing_report(bad_report: PolicyReport) -> None:
    sarif = to_sarif(bad_report)
    assert_sarif(sarif)
    failing = [r for r in sarif["runs"][0]["results"] if not r.get("suppressions")]
    assert [r["ruleId"] for r in failing] == ["versioning"]
    location = failing[0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"].endswith("dev-aws-foundation/cdk.tf.json")
    assert location["physicalLocation"]["region"]["startLine"] > 1
    assert location["logicalLocations"][0]["name"].startswith("aws_s3_bucket.foundation_access_logs_bucket_")
    assert "Fix:" in failing[0]["message"]["text"]


def test_json_report(shipped_report: PolicyReport, bad_report: PolicyReport) -> None:
    data = json.loads(json.dumps(to_json(shipped_report)))
    assert data["summary"]["passed"] is True and data["summary"]["failures"] == 0
    assert data["checkov"]["version"].startswith("3.")
    statuses = {(c["invariant"], c["status"]) for c in data["coverage"]}
    assert ("private-networking", "not applicable") in statuses
    assert all(c["note"] for c in data["coverage"] if c["status"] == "not applicable")
    bad = to_json(bad_report)
    assert bad["summary"]["passed"] is False
    [failure] = [f for f in bad["findings"] if not f["suppressed"]]
    assert failure["rule"] == "versioning" and failure["fix"]


def test_table_report(bad_report: PolicyReport) -> None:
    console = Console(record=True, width=200)
    render_table(bad_report, console)
    text = console.export_text()
    assert "FAIL versioning dev-aws-foundation/aws_s3_bucket.foundation_access_logs_bucket_" in text
    assert "fix: add aws_s3_bucket_versioning" in text
    # The foundation holds the network now, so every invariant looked at something in it.
    assert "not applicable in any stack" not in text
    assert "accepted in policy/suppressions.yaml" in text


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(check)
    app.command("noop")(lambda: None)  # two commands, so `check` is a subcommand as in blueprint.cli
    return app


def test_check_command_scans_plans_writes_sarif_and_fails(
    tmp_path: Path, bad_plan: Callable[[Path], Path]
) -> None:
    plan = bad_plan(tmp_path / "plans")
    out = tmp_path / "report.sarif"
    result = CliRunner().invoke(
        _app(),
        [
            "check",
            "--env",
            "dev",
            "--outdir",
            str(tmp_path / "out"),
            "--format",
            "sarif",
            "--output",
            str(out),
            "--plan",
            f"dev-aws-lake={plan}",
        ],
    )
    assert isinstance(result.exception, PolicyViolation), result.output
    assert result.exception.exit_code == 1
    message = result.exception.render()
    assert "CKV_AWS_145 dev-aws-lake/aws_s3_bucket.open" in message and "fix:" in message
    sarif = json.loads(out.read_text())
    assert_sarif(sarif)
    plan_results = [
        r
        for r in sarif["runs"][0]["results"]
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("plan.json")
    ]
    assert "CKV_AWS_145" in {r["ruleId"] for r in plan_results if not r.get("suppressions")}
    assert (tmp_path / "out" / "stacks" / "dev-aws-lake" / "cdk.tf.json").is_file()


def test_check_refuses_expired_suppressions_before_synthesizing(tmp_path: Path) -> None:
    expired = tmp_path / "suppressions.yaml"
    expired.write_text(
        "suppressions:\n  - id: versioning\n    resource: aws_s3_bucket.x\n"
        "    reason: accepted for a migration that has ended\n    expires: 2020-01-01\n"
    )
    result = CliRunner().invoke(
        _app(), ["check", "--env", "dev", "--outdir", str(tmp_path / "out"), "--suppressions", str(expired)]
    )
    assert isinstance(result.exception, BlueprintError) and result.exception.exit_code == 2
    assert "suppressions[0].expires" in result.exception.render()
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [(["--cloud", "oracle"], "unknown cloud"), (["--plan", "/no/such/plan.json"], "does not exist")],
)
def test_check_bad_options(tmp_path: Path, args: list[str], needle: str) -> None:
    result = CliRunner().invoke(_app(), ["check", "--env", "dev", "--outdir", str(tmp_path / "out"), *args])
    assert isinstance(result.exception, BlueprintError) and needle in result.exception.render()
    assert not (tmp_path / "out").exists()
