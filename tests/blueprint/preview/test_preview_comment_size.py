"""Unit: a preview comment never exceeds 60,000 characters, degrades step by step and says what it
left out."""

from __future__ import annotations

import pytest

from blueprint.preview import MODE_NOTES
from blueprint.preview.affected import StackDelta, StackInfo
from blueprint.preview.model import PolicyFinding, PolicySection, Report, summarize_plan
from blueprint.preview.render import COMMENT_LIMIT, render_comment, render_full

pytestmark = pytest.mark.unit


def _change(i: int, action: list[str]) -> dict:
    before = {
        "bucket": f"acme-dev-lake-zone{i}",
        "tags": {"owner": "data"},
        "versioning": [{"enabled": True}],
    }
    after = {"bucket": f"acme-dev-lake-zone{i}", "tags": {"owner": "ml"}, "versioning": [{"enabled": False}]}
    return {
        "address": f"aws_s3_bucket.lake_zone_{i:05d}_bucket_0123ABCD",
        "mode": "managed",
        "type": "aws_s3_bucket",
        "name": f"lake_zone_{i:05d}_bucket_0123ABCD",
        "change": {
            "actions": action,
            "before": None if action == ["create"] else before,
            "after": None if action == ["delete"] else after,
            "after_unknown": {},
            "before_sensitive": {},
            "after_sensitive": {},
            "replace_paths": [["bucket"]] if "delete" in action and "create" in action else None,
        },
    }


def _plan(n: int, danger_every: int = 10) -> dict:
    changes = []
    for i in range(n):
        if i % danger_every == 0:
            action = ["delete"] if i % (2 * danger_every) == 0 else ["delete", "create"]
        else:
            action = ["update"] if i % 2 else ["create"]
        changes.append(_change(i, action))
    return {"format_version": "1.2", "resource_changes": changes, "output_changes": {}}


def _report(plans: dict[str, dict], findings: int = 0) -> Report:
    stacks = []
    for stack_id, plan in plans.items():
        env, cloud, domain = stack_id.split("-")
        delta = StackDelta(StackInfo(stack_id, env, cloud, domain), "changed")
        stacks.append(summarize_plan(plan, delta, "emulator"))
    policy = PolicySection(
        True,
        "",
        [PolicyFinding(stacks[0].stack, "versioning", f"aws_s3_bucket.b{i}", "off") for i in range(findings)],
    )
    return Report(
        "main (abc1234)", "pr (def5678)", "emulator", MODE_NOTES["emulator"], stacks, policy, "the artifacts"
    )


def test_3000_changed_resources_fit_in_one_comment_and_say_it_was_shortened() -> None:
    report = _report({"dev-aws-lake": _plan(3000)})
    assert sum(report.totals().values()) == 3000
    full = render_full(report)
    assert len(full) > COMMENT_LIMIT  # the case this test is about
    assert full.count("| update | `aws_s3_bucket.lake_zone_") == 1500  # the full report keeps every row
    comment = render_comment(report)
    assert len(comment.text) <= COMMENT_LIMIT
    assert comment.shortened and comment.level != "full"
    lines = comment.text.splitlines()
    notice = next(
        ln for ln in lines if ln.startswith("> **Shortened** to fit one comment (60,000 characters): ")
    )
    assert "The full report is in the artifacts." in notice
    # Dangerous changes stay at the top, with the totals; counts per stack are always there.
    assert lines.index("### Dangerous changes") < lines.index("### Environment `dev`")
    assert "**150 deletes, 150 replaces**: review these before merging." in lines
    assert "| `dev-aws-lake` | plan (emulator) | 1200 | 1500 | 150 | 150 |" in lines


@pytest.mark.parametrize("n", [3000, 20000])
def test_every_dangerous_change_is_counted_even_when_not_listed(n: int) -> None:
    report = _report({"dev-aws-lake": _plan(n, danger_every=1)})  # everything is a delete or replace
    comment = render_comment(report)
    assert len(comment.text) <= COMMENT_LIMIT
    assert f"**{n // 2} deletes, {n // 2} replaces**: review these before merging." in comment.text
    assert "more dangerous changes (all of them are in the full report)." in comment.text
    assert any("dangerous changes beyond the first" in o for o in comment.omitted)


def test_degrades_step_by_step() -> None:
    report = _report({f"{env}-aws-lake": _plan(120) for env in ("dev", "staging", "prod")}, findings=30)
    full = render_comment(report, limit=10**6)
    assert full.level == "full" and not full.shortened and "<details>" not in full.text

    folded = render_comment(report, limit=len(full.text) - 1)
    assert (
        folded.level.startswith("folded")
        and "<details><summary>120 changed resources</summary>" in folded.text
    )
    assert "tables cut to" in folded.text and len(folded.text) < len(full.text)

    summary = render_comment(report, limit=6_000)
    assert summary.level.startswith("summary") and len(summary.text) <= 6_000
    assert "| action | resource | attributes that change |" not in summary.text
    assert "summary per stack only" in summary.text
    for env in ("dev", "staging", "prod"):
        assert f"| `{env}-aws-lake` | plan (emulator) | 48 | 60 | 6 | 6 |" in summary.text


def test_a_small_report_is_not_shortened() -> None:
    comment = render_comment(_report({"dev-aws-lake": _plan(5)}))
    assert comment.level == "full" and not comment.shortened and "Shortened" not in comment.text
