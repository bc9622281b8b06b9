"""Unit: a canary secret in sensitive attributes never reaches the markdown or any file a preview writes.

The plan below carries the canary where terraform marks values sensitive (`before_sensitive` /
`after_sensitive`), in attributes named like secrets without any marking (`master_password`,
`api_token`), in a sensitive `name` (which would otherwise be shown as the resource's identity), in a
sensitive output, and in the configuration of a stack that is only synth-diffed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from blueprint.preview import MODE_NOTES, write_outputs
from blueprint.preview.affected import StackDelta, StackInfo, synth_diff
from blueprint.preview.model import PolicySection, Report, summarize_plan, synth_report
from blueprint.preview.render import render_comment, render_full

pytestmark = pytest.mark.unit

CANARY = "canary-5f3c9e1d-do-not-print"


def _plan() -> dict:
    return {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": "aws_db_instance.warehouse",
                "mode": "managed",
                "type": "aws_db_instance",
                "name": "warehouse",
                "change": {
                    "actions": ["update"],
                    "before": {
                        "identifier": "acme-dev-wh",
                        "master_password": CANARY + "-old",
                        "api_token": CANARY + "-token",
                        "settings": {"blob": CANARY + "-nested"},
                        "name": CANARY + "-name",
                    },
                    "after": {
                        "identifier": "acme-dev-wh",
                        "master_password": CANARY,
                        "api_token": CANARY + "-token2",
                        "settings": {"blob": CANARY + "-nested2"},
                        "name": CANARY + "-name2",
                    },
                    "after_unknown": {},
                    # the provider marks the password and the nested blob; api_token is not marked at all
                    "before_sensitive": {"master_password": True, "settings": {"blob": True}, "name": True},
                    "after_sensitive": {"master_password": True, "settings": {"blob": True}, "name": True},
                },
            },
            {
                "address": "aws_secretsmanager_secret_version.db",
                "mode": "managed",
                "type": "aws_secretsmanager_secret_version",
                "name": "db",
                "change": {
                    "actions": ["delete", "create"],
                    "before": {"secret_string": CANARY, "secret_id": "acme-dev-db"},
                    "after": {"secret_string": CANARY + "-new", "secret_id": "acme-dev-db-v2"},
                    "after_unknown": {"version_id": True},
                    "before_sensitive": True,  # the whole object
                    "after_sensitive": True,
                    "replace_paths": [["secret_id"]],
                },
            },
            {
                "address": "aws_ssm_parameter.key",
                "mode": "managed",
                "type": "aws_ssm_parameter",
                "name": "key",
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": {"name": f"/acme/{CANARY}", "value": CANARY},
                    "after_unknown": {},
                    "before_sensitive": False,
                    "after_sensitive": {"value": True, "name": True},
                },
            },
        ],
        "output_changes": {
            "db_password": {
                "actions": ["update"],
                "before": CANARY,
                "after": CANARY + "2",
                "after_sensitive": True,
            }
        },
    }


def _report() -> Report:
    planned = summarize_plan(
        _plan(), StackDelta(StackInfo("dev-aws-warehouse", "dev", "aws", "warehouse"), "changed"), "emulator"
    )
    config = {"resource": {"google_sql_user": {"admin": {"name": "admin", "password": CANARY}}}}
    changed = {"resource": {"google_sql_user": {"admin": {"name": "admin", "password": CANARY + "-rotated"}}}}
    synthed = synth_report(
        synth_diff(config, changed),
        StackDelta(StackInfo("dev-gcp-warehouse", "dev", "gcp", "warehouse"), "changed"),
        "not planned here",
    )
    return Report(
        "main (abc1234)",
        "pr (def5678)",
        "emulator",
        MODE_NOTES["emulator"],
        [planned, synthed],
        PolicySection(False, "test"),
        "the artifacts",
    )


def test_canary_never_appears_in_the_markdown_or_any_output_file(tmp_path: Path) -> None:
    report = _report()
    comment = render_comment(report)
    assert CANARY not in comment.text
    assert CANARY not in render_full(report)
    write_outputs(report, comment, tmp_path)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"comment.md", "preview.md", "report.json", "dev-aws-warehouse.json"}
    for path in written:
        assert CANARY not in path.read_text(), path


def test_sensitive_attributes_are_named_and_marked_never_valued() -> None:
    text = render_full(_report())
    row = next(ln for ln in text.splitlines() if ln.startswith("| update | `aws_db_instance.warehouse`"))
    # The resource identity would be `name`, but it is sensitive: no identity is shown.
    assert row.startswith("| update | `aws_db_instance.warehouse` | ")
    for name in ("`master_password` (sensitive)", "`api_token` (sensitive)", "`settings.blob` (sensitive)"):
        assert name in row
    replace = next(
        ln for ln in text.splitlines() if ln.startswith("| replace | `aws_secretsmanager_secret_version")
    )
    assert (
        "`secret_string` (sensitive)" in replace and "`secret_id` (forces replacement, sensitive)" in replace
    )
    assert (
        "acme-dev-db" not in text
    )  # identities come from a safe list of keys, never from a sensitive object
    gcp = next(ln for ln in text.splitlines() if ln.startswith("| update | `google_sql_user.admin`"))
    assert "`password` (sensitive)" in gcp
    assert "synth diff (not planned here)" in text
    assert "outputs changing: `db_password`" in text
