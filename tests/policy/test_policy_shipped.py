"""The bar: zero unsuppressed failures for every shipped environment on AWS, with checkov and every
invariant actually looking at resources, and every checked-in suppression still needed."""

from __future__ import annotations

import pytest

from blueprint.policy import PolicyReport
from blueprint.policy_model import INVARIANT_NAMES, StackDoc
from blueprint.spec import load_all

pytestmark = pytest.mark.policy

# What each stack must have been checked for (private-networking has nothing to look at yet).
APPLICABLE = {
    "cmk-encryption",
    "no-public-access",
    "tls-min-1-2",
    "versioning",
    "access-logging",
    "required-tags",
    "no-wildcard-iam",
}


def test_every_shipped_environment_is_synthesized(shipped_stacks: dict[str, StackDoc]) -> None:
    envs = {s.spec.name for s in shipped_stacks.values()}
    assert envs == set(load_all())
    assert all(s.cloud == "aws" for s in shipped_stacks.values())


def test_no_unsuppressed_failures(shipped_report: PolicyReport) -> None:
    failures = [
        f"{f.rule} {f.stack}/{f.address}: {f.message} (fix: {f.fix})" for f in shipped_report.failures
    ]
    assert failures == []
    shipped_report.raise_on_failures()  # does not raise


def test_checkov_ran_on_every_stack(
    shipped_report: PolicyReport, shipped_stacks: dict[str, StackDoc]
) -> None:
    run = shipped_report.checkov
    assert run is not None
    assert sorted(run.files) == sorted(s.path for s in shipped_stacks.values())
    assert run.passed > 20 * len(shipped_stacks), "checkov checked resources in every stack"
    assert run.version.startswith("3.")


def test_every_invariant_checked_resources(
    shipped_report: PolicyReport, shipped_stacks: dict[str, StackDoc]
) -> None:
    for stack in shipped_stacks.values():
        cov = {c.rule: c for c in shipped_report.coverage if c.stack == stack.stack_id}
        assert tuple(cov) == INVARIANT_NAMES
        for rule in APPLICABLE:
            assert cov[rule].checked > 0, (stack.stack_id, rule)
        protected = stack.spec.protection.stateful or not stack.spec.emulated
        assert (cov["deletion-protection"].checked > 0) == protected, stack.stack_id


def test_every_suppression_is_still_needed(shipped_report: PolicyReport) -> None:
    """An entry that matches nothing across all environments is stale: delete it."""
    assert [(s.entry, s.id, s.resource) for s in shipped_report.unused] == []


def test_suppressions_cover_only_what_they_say(shipped_report: PolicyReport) -> None:
    """The access-log bucket's SSE-S3 and missing self-logging are the only invariant exceptions."""
    accepted = {
        (f.rule, f.address.rsplit("_", 1)[0]) for f in shipped_report.suppressed if f.source == "invariant"
    }
    assert accepted == {
        ("cmk-encryption", "aws_s3_bucket.foundation_access_logs_bucket"),
        ("access-logging", "aws_s3_bucket.foundation_access_logs_bucket"),
    }
