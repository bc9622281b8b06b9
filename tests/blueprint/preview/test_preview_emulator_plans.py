"""Plan tier: real plans of a pull request, on the emulator, asserted line by line.

A throwaway repository holds a copy of the project. Its head commit, against the base:
- adds a bucket (zone `landing`) and deletes one (zone `analytics`) in modules/lake/aws.py,
- forces a replacement (the `curated` bucket gets another name: `bucket` forces a new bucket),
- changes settings in environments/local.yaml (noncurrent versions 7 -> 14 days: the lifecycle rules;
  KMS key deletion window 7 -> 10 days: the foundation's two keys, data and logs).
The preview applies base once to a fresh emulator and plans head once (the lifecycle rules cost ~55 s to
apply on any emulator), for the `local` environment only.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from blueprint.cli.preview import affected
from blueprint.preview import PreviewOptions, PreviewResult, preview

pytestmark = [
    pytest.mark.apply,
    pytest.mark.aws(services={"s3", "kms", "iam", "ec2", "logs", "sts"}, embedded=True),
]  # it applies (terraform state, or the base on an emulator)

HEX = "[0-9A-F]{8}"


@dataclass
class Scenario:
    repo: Path
    base: str
    head: str
    result: PreviewResult

    @property
    def lines(self) -> list[str]:
        return self.result.comment.text.splitlines()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, repo_tools) -> Scenario:
    repo = repo_tools.copy_project(tmp_path_factory.mktemp("repo"))
    base = repo_tools.git(repo, "rev-parse", "HEAD")
    lake = repo / "modules" / "lake" / "aws.py"
    vocabulary = (
        repo / "modules" / "primitives" / "vocabulary.py"
    )  # local's copy keeps foundation + lake only
    repo_tools.edit(
        vocabulary, 'ZONES = ("raw", "curated", "analytics")', 'ZONES = ("raw", "curated", "landing")'
    )
    repo_tools.edit(
        lake,
        'name = namer.s3_bucket("lake", purpose)',
        'name = namer.s3_bucket("lake", "curated-v2" if purpose == "curated" else purpose)',
    )
    repo_tools.edit(
        lake, 'self.analytics = self.buckets["analytics"]', 'self.analytics = self.buckets.get("analytics")'
    )
    local = repo / "environments" / "local.yaml"
    repo_tools.edit(local, "noncurrent_version_expiration_days: 7", "noncurrent_version_expiration_days: 14")
    repo_tools.edit(local, "key_deletion_window_days: 7", "key_deletion_window_days: 10")
    head = repo_tools.commit(repo, "head: add landing, drop analytics, rename curated, longer retention")
    out = tmp_path_factory.mktemp("out")
    result = preview(
        PreviewOptions(base=base, head=head, repo=repo, out=out, envs={"local"}, mode="emulator")
    )
    return Scenario(repo, base, head, result)


def _section(lines: list[str], title: str) -> list[str]:
    start = lines.index(title)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("### ")), len(lines))
    return lines[start:end]


def test_header_and_totals(scenario: Scenario) -> None:
    lines = scenario.lines
    assert lines[0] == "<!-- blueprint-preview -->"
    assert lines[1] == "## Plan preview: 2 stacks in 1 environment"
    assert lines[3].startswith(
        f"base `{scenario.base[:7]}` → head `{scenario.head[:7]}`. Planned on the emulator"
    )
    assert "the base revision's affected stacks were applied to a fresh emulator" in lines[3]
    assert "**Total: create 8 · update 4 · replace 8 · delete 8**" in lines
    assert scenario.result.comment.level == "full" and not scenario.result.comment.omitted


def test_dangerous_section_comes_first_and_lists_every_delete_and_replace(scenario: Scenario) -> None:
    lines = scenario.lines
    danger = _section(lines, "### Dangerous changes")
    assert (
        lines.index("### Dangerous changes")
        < lines.index("### Overview")
        < lines.index("### Environment `local`")
    )
    assert "**8 deletes, 8 replaces**: review these before merging." in danger
    rows = [ln for ln in danger if ln.startswith("| `local-aws-lake` |")]
    assert len(rows) == 16
    deletes = [r for r in rows if "| **delete** |" in r]
    replaces = [r for r in rows if "| **replace** |" in r]
    assert len(deletes) == 8 and len(replaces) == 8
    assert all("lake_analytics_" in r and "delete because no resource config" in r for r in deletes)
    assert all("lake_curated_" in r and "forces replacement: `bucket`" in r for r in replaces)
    assert any(
        re.fullmatch(
            rf"\| `local-aws-lake` \| \*\*delete\*\* \| `aws_s3_bucket\.lake_analytics_bucket_{HEX}` "
            r"\(`acme-local-lake-analytics`\) \| delete because no resource config \|",
            r,
        )
        for r in deletes
    ), deletes
    assert any(
        re.fullmatch(
            rf"\| `local-aws-lake` \| \*\*replace\*\* \| `aws_s3_bucket\.lake_curated_bucket_{HEX}` "
            r"\(`acme-local-lake-curated-v2`\) \| forces replacement: `bucket` \|",
            r,
        )
        for r in replaces
    ), replaces
    assert not any("foundation" in r for r in danger if r.startswith("| `"))


def test_counts_per_environment_and_stack(scenario: Scenario) -> None:
    env = _section(scenario.lines, "### Environment `local`")
    assert env[2:6] == [
        "| stack | how | create | update | replace | delete |",
        "|---|---|--:|--:|--:|--:|",
        "| `local-aws-foundation` | plan (emulator) | 0 | 2 | 0 | 0 |",
        "| `local-aws-lake` | plan (emulator) | 8 | 2 | 8 | 8 |",
    ]
    assert "#### `local-aws-foundation` · plan (emulator) · stack changed" in env
    assert "create 0 · update 2 · replace 0 · delete 0" in env
    assert "#### `local-aws-lake` · plan (emulator) · stack changed" in env
    assert any(
        ln.startswith("create 8 · update 2 · replace 8 · delete 8 · outputs changing: `analytics_bucket`")
        for ln in env
    )


def test_changed_attribute_names(scenario: Scenario) -> None:
    rows = scenario.lines
    expected = [
        rf"\| update \| `aws_kms_key\.foundation_data_key_{HEX}` \| `deletion_window_in_days` \|",
        rf"\| update \| `aws_kms_key\.foundation_logs_key_{HEX}` \| `deletion_window_in_days` \|",
        rf"\| update \| `aws_s3_bucket_lifecycle_configuration\.lake_raw_lifecycle_{HEX}` "
        r"\(`acme-local-lake-raw`\) \| `rule\.noncurrent_version_expiration\.noncurrent_days` \|",
        rf"\| update \| `aws_s3_bucket_lifecycle_configuration\.lake_artifacts_lifecycle_{HEX}` "
        r"\(`acme-local-lake-artifacts`\) \| `rule\.noncurrent_version_expiration\.noncurrent_days` \|",
        rf"\| replace \| `aws_s3_bucket\.lake_curated_bucket_{HEX}` \(`acme-local-lake-curated-v2`\) \| "
        r"`bucket` \(forces replacement\) \|",
        rf"\| create \| `aws_s3_bucket\.lake_landing_bucket_{HEX}` \(`acme-local-lake-landing`\) "
        r"\| \(new\) \|",
        rf"\| delete \| `aws_s3_bucket\.lake_analytics_bucket_{HEX}` \(`acme-local-lake-analytics`\) \| "
        r"\(removed\) \|",
    ]
    for pattern in expected:
        assert any(re.fullmatch(pattern, ln) for ln in rows), pattern
    lifecycle_replace = [
        ln for ln in rows if ln.startswith("| replace | `aws_s3_bucket_lifecycle_configuration")
    ]
    assert len(lifecycle_replace) == 1
    assert "`rule.noncurrent_version_expiration.noncurrent_days`" in lifecycle_replace[0]


def test_mermaid_diagram(scenario: Scenario) -> None:
    text = scenario.result.comment.text
    block = text[text.index("```mermaid") : text.index("```", text.index("```mermaid") + 3)]
    assert "graph LR" in block
    assert 's_local_aws_foundation["local-aws-foundation<br/>update 2"]' in block
    assert 's_local_aws_lake["local-aws-lake<br/>create 8, update 2, replace 8, delete 8"]' in block
    assert "s_local_aws_foundation --> s_local_aws_lake" in block
    assert "class s_local_aws_lake danger" in block


def test_policy_section(scenario: Scenario) -> None:
    policy = _section(scenario.lines, "### Policy findings new in head")
    body = [ln for ln in policy[1:] if ln and ln != "---"]
    # The scenario changes lifecycle settings and bucket purposes within the invariants: the policy
    # step ran on both revisions and found nothing new.
    assert body and body[0].startswith("No new findings. Project invariants"), body


def test_artifacts_are_written_and_hold_no_values(scenario: Scenario) -> None:
    out = scenario.result.out
    assert (out / "comment.md").read_text() == scenario.result.comment.text
    assert (
        out / "preview.md"
    ).read_text() == scenario.result.comment.text  # small: the comment is the full report
    lake = json.loads((out / "stacks" / "local-aws-lake.json").read_text())
    assert lake["counts"] == {"create": 8, "update": 2, "replace": 8, "delete": 8}
    assert lake["method"] == "plan" and lake["mode"] == "emulator"
    report = json.loads((out / "report.json").read_text())
    assert [s["stack"] for s in report["stacks"]] == ["local-aws-foundation", "local-aws-lake"]
    # Values never leave the plan: tag values, policy documents, ARNs, KMS key ids.
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_text()
            for value in ("cc-0000", "data-platform", "aws:SecureTransport", "arn:aws:", "tfplan"):
                assert value not in text, (value, path)


def test_emulator_and_worktrees_are_gone(scenario: Scenario) -> None:
    workspace = str(scenario.result.workspace)
    assert not scenario.result.workspace.exists()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            assert workspace not in cmdline, f"process {proc.name} still runs from the preview workspace"
    listed = subprocess.run(
        ["git", "-C", str(scenario.repo), "worktree", "list"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert len(listed.splitlines()) == 1, listed


def test_render_from_ci_summaries(scenario: Scenario, tmp_path: Path) -> None:
    """The comment job of the workflow: render from the matrix jobs' summaries, plan nothing."""
    result = preview(
        PreviewOptions(
            base=scenario.base,
            head=scenario.head,
            repo=scenario.repo,
            out=tmp_path / "report",
            envs={"local"},
            summaries=scenario.result.out / "stacks",
        )
    )
    lines = result.comment.text.splitlines()
    assert "Rendered from the per-stack plan summaries of the plan jobs." in lines[3]
    assert "| `local-aws-lake` | plan (emulator) | 8 | 2 | 8 | 8 |" in lines
    assert "**8 deletes, 8 replaces**: review these before merging." in lines


def test_affected_prints_a_matrix(scenario: Scenario) -> None:
    app = typer.Typer()
    app.command()(affected)
    app.command("noop")(lambda: None)  # two commands: typer keeps the subcommand name
    args = ["affected", "--base", scenario.base, "--head", scenario.head, "--env", "local", "--json"]
    result = CliRunner().invoke(app, [*args, "--repo", str(scenario.repo)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "include": [
            {
                "stack": "local-aws-foundation",
                "env": "local",
                "cloud": "aws",
                "domain": "foundation",
                "change": "changed",
            },
            {
                "stack": "local-aws-lake",
                "env": "local",
                "cloud": "aws",
                "domain": "lake",
                "change": "changed",
            },
        ]
    }
