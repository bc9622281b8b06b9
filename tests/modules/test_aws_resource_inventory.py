"""Every AWS stack of every shipped environment holds exactly the resources we expect: a new resource
type, a missing companion of a bucket or a stray data source fails here and must be added on purpose.
"""

from __future__ import annotations

from collections import Counter

import pytest

pytestmark = pytest.mark.synth

SHIPPED_ENVS = ("dev", "local", "prod", "staging")

# What a SecureBucket creates besides the bucket itself (logging only when it has a log target).
BUCKET_COMPANIONS = (
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_lifecycle_configuration",
)

EXPECTED = {
    "foundation": Counter(
        {"aws_kms_key": 1, "aws_kms_alias": 1, "aws_s3_bucket": 1, **dict.fromkeys(BUCKET_COMPANIONS, 1)}
    ),
    "lake": Counter({"aws_s3_bucket": 4, "aws_s3_bucket_logging": 4, **dict.fromkeys(BUCKET_COMPANIONS, 4)}),
}


def test_manifest_holds_exactly_the_expected_aws_stacks(synth):
    stacks = set(synth.manifest["stacks"])
    shipped = {s for s in stacks if s.split("-aws-")[0] in SHIPPED_ENVS}
    assert shipped == {f"{env}-aws-{domain}" for env in SHIPPED_ENVS for domain in EXPECTED}


@pytest.mark.parametrize("env", SHIPPED_ENVS)
@pytest.mark.parametrize("domain", sorted(EXPECTED))
def test_stack_resources_are_exactly_the_expected_types(synth, env, domain):
    stack = synth.stack(f"{env}-aws-{domain}")
    found = Counter({rtype: len(bodies) for rtype, bodies in stack.get("resource", {}).items()})
    assert found == EXPECTED[domain]
    assert "data" not in stack, "unexpected data sources"
    assert set(stack["provider"]) == {"aws"}
