"""Plan tier: `--offline` plans head against empty state and says so; a removed stack, which has no state
to destroy offline, gets a labelled synth-level diff and still shows up as dangerous."""

from __future__ import annotations

from pathlib import Path

import pytest

from blueprint.preview import PreviewOptions, preview

pytestmark = pytest.mark.plan


def test_offline_preview_is_all_creates_and_says_so(tmp_path: Path, repo_tools) -> None:
    repo = repo_tools.copy_project(tmp_path / "repo")
    base = repo_tools.git(repo, "rev-parse", "HEAD")
    local = repo / "environments" / "local.yaml"
    repo_tools.edit(local, "key_deletion_window_days: 7", "key_deletion_window_days: 10")
    repo_tools.edit(local, "  lake:\n    enabled: true", "  lake:\n    enabled: false")
    # head = the working tree (uncommitted edits), the command's default
    result = preview(
        PreviewOptions(base=base, repo=repo, out=tmp_path / "out", envs={"local"}, mode="offline")
    )
    lines = result.comment.text.splitlines()
    assert lines[3].startswith(f"base `{base[:7]}` → head `working tree`. Planned **offline against empty")
    assert "every resource shows as a create" in lines[3]
    # 29: keys (data, logs), access-log bucket (7), VPC, 2 private subnets, endpoints, flow logs
    assert "| `local-aws-foundation` | plan (offline, empty state) | 29 | 0 | 0 | 0 |" in lines
    assert "| `local-aws-lake` | synth diff (not planned offline: no state) | 0 | 0 | n/a | 32 |" in lines
    assert "#### `local-aws-lake` · synth diff (not planned offline: no state) · stack removed" in lines
    danger = lines[lines.index("### Dangerous changes") : lines.index("### Overview")]
    assert "**32 deletes, 0 replaces**: review these before merging." in danger
    assert sum(ln.startswith("| `local-aws-lake` | **delete** |") for ln in danger) == 32
    assert all(
        "synth diff (not planned offline: no state)" in ln for ln in danger if ln.startswith("| `local")
    )
    assert "  class s_local_aws_lake synth" in lines
