"""Unit: a plan that terraform refuses because `prevent_destroy` protects a resource (every bucket and key
outside `local`) is shown as a dangerous change, never as a quiet failure."""

from __future__ import annotations

import pytest

from blueprint.preview import MODE_NOTES
from blueprint.preview.affected import StackDelta, StackInfo, SynthDiff
from blueprint.preview.model import PolicySection, Report, blocked_destroys, error_summary, synth_report
from blueprint.preview.render import render_full

pytestmark = pytest.mark.unit

# terraform 1.11 `plan -no-color` output for a protected bucket whose name changes
TERRAFORM_ERROR = """
Error: Instance cannot be destroyed

  on cdk.tf.json line 212:
 212:       "lake_raw_bucket_1A2B3C4D": {

Resource aws_s3_bucket.lake_raw_bucket_1A2B3C4D has lifecycle.prevent_destroy set, but the plan calls
for this resource to be destroyed. To avoid this error and continue with the plan, either disable
lifecycle.prevent_destroy or reduce the scope of the plan using the -target option.
"""


def test_refused_destroys_are_dangerous_and_named() -> None:
    assert blocked_destroys(TERRAFORM_ERROR) == ["aws_s3_bucket.lake_raw_bucket_1A2B3C4D"]
    summary = error_summary(TERRAFORM_ERROR)
    assert summary == (
        "Error: Instance cannot be destroyed; "
        "aws_s3_bucket.lake_raw_bucket_1A2B3C4D: prevent_destroy refuses to destroy it"
    )
    delta = StackDelta(StackInfo("prod-aws-lake", "prod", "aws", "lake"), "changed")
    stack = synth_report(
        SynthDiff(changed={"aws_s3_bucket.lake_raw_bucket_1A2B3C4D": ["bucket"]}),
        delta,
        "plan failed",
        summary,
    )
    stack.blocked = blocked_destroys(TERRAFORM_ERROR)
    text = render_full(
        Report(
            "main", "pr", "emulator", MODE_NOTES["emulator"], [stack], PolicySection(False, "x"), "artifacts"
        )
    )
    lines = text.splitlines()
    refused = "1 refused by prevent_destroy (the plan failed)"
    assert f"**0 deletes, 0 replaces, {refused}**: review these before merging." in lines
    bucket = "`aws_s3_bucket.lake_raw_bucket_1A2B3C4D`"
    assert f"| `prod-aws-lake` | **destroy refused** | {bucket} | prevent_destroy is set |" in lines
    assert "| `prod-aws-lake` | synth diff (plan failed) | 0 | 1 | n/a | 0 |" in lines
    assert f"**plan failed**: {summary}" in lines
