"""The bar: zero unsuppressed failures for every shipped environment on AWS, with checkov and every
invariant actually looking at resources, and every checked-in suppression still needed."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from blueprint.policy.gate import PolicyReport
from blueprint.policy.model import INVARIANT_NAMES, StackDoc
from blueprint.spec import load_all

pytestmark = pytest.mark.policy


def test_every_shipped_environment_is_synthesized(shipped_stacks: dict[str, StackDoc]) -> None:
    envs = {s.spec.name for s in shipped_stacks.values()}
    assert envs == set(load_all())
    pairs = {(s.spec.name, s.cloud) for s in shipped_stacks.values()}
    assert pairs == {(n, c) for n, spec in load_all().items() for c in spec.clouds.enabled()}
    assert {c for _, c in pairs} == {"aws", "gcp", "azure"}  # the bar covers every cloud


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
    """Per environment and cloud, every invariant looked at resources (a stack may have nothing an
    invariant applies to, e.g. no data store in serving: it says so in a note, never silently)."""
    checked: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for stack in shipped_stacks.values():
        cov = {c.rule: c for c in shipped_report.coverage if c.stack == stack.stack_id}
        assert tuple(cov) == INVARIANT_NAMES, stack.stack_id
        assert cov["required-tags"].checked > 0, stack.stack_id
        for rule, c in cov.items():
            checked[(stack.spec.name, stack.cloud)][rule] += c.checked
            assert c.checked > 0 or c.note, (stack.stack_id, rule, "nothing checked and no note why")
    for (env, cloud), counts in checked.items():
        spec = next(s.spec for s in shipped_stacks.values() if s.spec.name == env)
        protected = spec.protection.stateful or not spec.emulated
        for rule in INVARIANT_NAMES:
            if rule == "deletion-protection":
                assert (counts[rule] > 0) == protected, (env, cloud)
            elif rule == "private-networking" and set(spec.domains.enabled()) <= {"foundation", "lake"}:
                continue  # nothing but buckets, keys and the network itself
            else:
                assert counts[rule] > 0, (env, cloud, rule)


def test_every_suppression_is_still_needed(shipped_report: PolicyReport) -> None:
    """An entry that matches nothing across all environments is stale: delete it."""
    assert [(s.entry, s.id, s.resource) for s in shipped_report.unused] == []


def test_suppressions_cover_only_what_they_say(shipped_report: PolicyReport) -> None:
    """The only invariant exceptions: the access-log buckets' own logging (and SSE-S3 on AWS, which S3
    log delivery requires), and Event Hubs Standard, which cannot use a customer-managed key."""
    accepted = {
        (f.rule, f.address.rsplit("_", 1)[0]) for f in shipped_report.suppressed if f.source == "invariant"
    }
    assert accepted == {
        ("cmk-encryption", "aws_s3_bucket.foundation_access_logs_bucket"),
        ("access-logging", "aws_s3_bucket.foundation_access_logs_bucket"),
        ("access-logging", "google_storage_bucket.foundation_access_logs"),
        ("cmk-encryption", "azurerm_eventhub_namespace.streaming_namespace_standard"),
    }
