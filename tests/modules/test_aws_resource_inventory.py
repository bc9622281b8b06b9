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


# The foundation's network: VPC, default group stripped, per AZ a private subnet with its route table,
# the S3 gateway endpoint + interface endpoints (sts, logs, kms, and those of the enabled domains) and
# their group with one HTTPS rule, flow logs (log group, role, policy); with NAT: IGW, EIP, NAT, a public
# subnet and route table, and a default route per route table.
def network(az_count: int, nat: bool, endpoints: int) -> Counter[str]:
    rt = az_count + (1 if nat else 0)
    counts = {
        "aws_vpc": 1,
        "aws_default_security_group": 1,
        "aws_subnet": rt,
        "aws_route_table": rt,
        "aws_route_table_association": rt,
        "aws_vpc_endpoint": endpoints,
        "aws_security_group": 1,
        "aws_vpc_security_group_ingress_rule": 1,
        "aws_cloudwatch_log_group": 1,
        "aws_iam_role": 1,
        "aws_iam_role_policy": 1,
        "aws_flow_log": 1,
    }
    if nat:
        counts.update(aws_internet_gateway=1, aws_eip=1, aws_nat_gateway=1, aws_route=rt)
    return Counter(counts)


# Interface endpoints per enabled domain, besides the S3 gateway and sts, logs, kms.
DOMAIN_ENDPOINTS = {"warehouse": 4, "orchestration": 7, "serving": 3, "streaming": 0}
ALL_DOMAINS = ("foundation", "lake", "warehouse", "streaming", "orchestration", "serving")
# env -> (az_count, nat_gateway, enabled domains), as written in environments/<env>.yaml
NETWORKS = {
    "dev": (3, False, ALL_DOMAINS),
    "local": (2, False, ("foundation", "lake", "warehouse", "streaming", "serving")),
    "prod": (3, True, ALL_DOMAINS),
    "staging": (3, False, ALL_DOMAINS),
}


# local runs the warehouse without Redshift (no warehouse key, no Redshift/Secrets Manager endpoints);
# serving and orchestration share the monitoring endpoint.
REDSHIFT = {"dev": True, "local": False, "prod": True, "staging": True}
# Only provisioned MSK takes a customer-managed key; the other environments run MSK Serverless.
PROVISIONED_KAFKA = {"dev": False, "local": False, "prod": True, "staging": False}


def foundation(env: str) -> Counter[str]:
    az_count, nat, domains = NETWORKS[env]
    keyed = [
        d
        for d in domains
        if d in DOMAIN_ENDPOINTS
        and (d != "warehouse" or REDSHIFT[env])
        and (d != "streaming" or PROVISIONED_KAFKA[env])
    ]
    keys = 2 + len(keyed)  # data, logs + one per service domain that encrypts with its own key
    endpoints = 4 + sum(DOMAIN_ENDPOINTS.get(d, 0) for d in domains)
    endpoints -= 0 if REDSHIFT[env] or "warehouse" not in domains else 2
    endpoints -= 1 if {"orchestration", "serving"} <= set(domains) else 0
    return Counter(
        {
            "aws_kms_key": keys,
            "aws_kms_alias": keys,
            "aws_s3_bucket": 1,
            **dict.fromkeys(BUCKET_COMPANIONS, 1),
        }
    ) + network(az_count, nat, endpoints)


EXPECTED = {
    "foundation": {env: foundation(env) for env in SHIPPED_ENVS},
    "lake": {
        key: Counter({"aws_s3_bucket": 4, "aws_s3_bucket_logging": 4, **dict.fromkeys(BUCKET_COMPANIONS, 4)})
        for key in SHIPPED_ENVS
    },
}


def test_manifest_holds_exactly_the_expected_aws_stacks(synth):
    stacks = set(synth.manifest["stacks"])
    shipped = {s for s in stacks if s.split("-aws-")[0] in SHIPPED_ENVS}
    assert shipped == {f"{env}-aws-{domain}" for env in SHIPPED_ENVS for domain in NETWORKS[env][2]}


@pytest.mark.parametrize("env", SHIPPED_ENVS)
@pytest.mark.parametrize("domain", sorted(EXPECTED))
def test_stack_resources_are_exactly_the_expected_types(synth, env, domain):
    stack = synth.stack(f"{env}-aws-{domain}")
    found = Counter({rtype: len(bodies) for rtype, bodies in stack.get("resource", {}).items()})
    assert found == EXPECTED[domain][env]
    assert "data" not in stack, "unexpected data sources"
    assert set(stack["provider"]) == {"aws"}
