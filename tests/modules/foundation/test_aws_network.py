"""AWS foundation network and per-purpose keys with every domain enabled (`domains_synth`, see conftest):
VPC, subnets per AZ, NAT only when asked, endpoints, flow logs, default group, keys and outputs; the
invariants catch a broken network; the whole policy gate passes on every domain stack.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.synth

# Written out, not read from the spec: env -> (cidr, az_count, nat, region, protected)
NETWORK = {
    "dev": ("10.0.0.0/16", 3, False, "eu-west-1", True),
    "prod": ("10.0.0.0/16", 3, True, "eu-west-1", True),
    "zvar": ("10.40.0.0/20", 4, False, "eu-west-1", False),
}
PRIVATE_CIDRS = {
    "10.0.0.0/16": ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"],
    "10.40.0.0/20": ["10.40.0.0/24", "10.40.1.0/24", "10.40.2.0/24", "10.40.3.0/24"],
}
ENDPOINTS = {
    "sts", "logs", "kms", "secretsmanager", "glue", "athena", "redshift-serverless",
    "airflow.api", "airflow.env", "airflow.ops", "sqs", "monitoring", "ecr.api", "ecr.dkr",
    "sagemaker.api", "sagemaker.runtime",
}  # fmt: skip
KEY_PURPOSES = ("data", "logs", "warehouse", "streaming", "orchestration", "serving")
# Kafka mode per env: MSK Serverless takes no customer-managed key, so dev (serverless) has no streaming key.
PROVISIONED_KAFKA = {"dev": False, "prod": True, "zvar": True}


def _key_purposes(env: str) -> tuple[str, ...]:
    return tuple(p for p in KEY_PURPOSES if p != "streaming" or PROVISIONED_KAFKA[env])


env_param = pytest.mark.parametrize("env", sorted(NETWORK))


def _sid(env: str) -> str:
    return f"{env}-aws-foundation"


def _ref(synth: Any, token: str) -> tuple[str, str, str]:
    return synth.ref(token)  # type: ignore[no-any-return]


@env_param
def test_vpc_uses_the_spec_cidr_with_dns(domains_synth, env):
    _, vpc = domains_synth.only(_sid(env), "aws_vpc")
    assert vpc["cidr_block"] == NETWORK[env][0]
    assert vpc["enable_dns_support"] is True and vpc["enable_dns_hostnames"] is True


@env_param
def test_private_subnets_one_per_az_deterministic(domains_synth, env):
    cidr, azs, nat, region, _ = NETWORK[env]
    subnets = domains_synth.resources(_sid(env), "aws_subnet")
    private = sorted(
        (b for b in subnets.values() if b["tags"]["tier"] == "private"), key=lambda b: b["cidr_block"]
    )
    assert [s["availability_zone"] for s in private] == [f"{region}{c}" for c in "abcd"[:azs]]
    assert sorted(s["cidr_block"] for s in private) == sorted(PRIVATE_CIDRS[cidr])
    assert all(s["map_public_ip_on_launch"] is False for s in subnets.values())
    assert len(subnets) == azs + (1 if nat else 0)


@env_param
def test_nat_gateway_only_when_asked(domains_synth, env):
    _, azs, nat, _, _ = NETWORK[env]
    stack = _sid(env)
    assert len(domains_synth.resources(stack, "aws_nat_gateway")) == (1 if nat else 0)
    assert len(domains_synth.resources(stack, "aws_internet_gateway")) == (1 if nat else 0)
    assert len(domains_synth.resources(stack, "aws_eip")) == (1 if nat else 0)
    routes = domains_synth.resources(stack, "aws_route")
    assert len(routes) == ((azs + 1) if nat else 0)
    if nat:
        nat_lid, _ = domains_synth.only(stack, "aws_nat_gateway")
        to_nat = [r for r in routes.values() if r.get("nat_gateway_id")]
        assert len(to_nat) == azs
        assert all(_ref(domains_synth, r["nat_gateway_id"])[1] == nat_lid for r in to_nat)


@env_param
def test_s3_gateway_endpoint_on_every_private_route_table(domains_synth, env):
    endpoints = domains_synth.resources(_sid(env), "aws_vpc_endpoint")
    (s3,) = [e for e in endpoints.values() if e["vpc_endpoint_type"] == "Gateway"]
    assert s3["service_name"] == "com.amazonaws.eu-west-1.s3"
    tables = domains_synth.resources(_sid(env), "aws_route_table")
    private = {lid for lid, b in tables.items() if "private" in b["tags"]["Name"]}
    assert {_ref(domains_synth, t)[1] for t in s3["route_table_ids"]} == private
    assert len(private) == NETWORK[env][1]


@env_param
def test_interface_endpoints_private_dns_in_every_private_subnet(domains_synth, env):
    stack = _sid(env)
    endpoints = [
        e
        for e in domains_synth.resources(stack, "aws_vpc_endpoint").values()
        if e["vpc_endpoint_type"] == "Interface"
    ]
    assert {e["service_name"].removeprefix("com.amazonaws.eu-west-1.") for e in endpoints} == ENDPOINTS
    (sg_lid, _sg) = domains_synth.only(stack, "aws_security_group")
    for e in endpoints:
        assert e["private_dns_enabled"] is True
        assert len(e["subnet_ids"]) == NETWORK[env][1]
        assert [_ref(domains_synth, g)[1] for g in e["security_group_ids"]] == [sg_lid]
    (rule,) = domains_synth.resources(stack, "aws_vpc_security_group_ingress_rule").values()
    assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 443, 443)
    assert rule["cidr_ipv4"] == NETWORK[env][0]
    assert domains_synth.resources(stack, "aws_vpc_security_group_egress_rule") == {}


@env_param
def test_default_security_group_has_no_rules(domains_synth, env):
    _, default = domains_synth.only(_sid(env), "aws_default_security_group")
    assert "ingress" not in default and "egress" not in default


@env_param
def test_flow_logs_all_traffic_to_a_kms_encrypted_log_group(domains_synth, env):
    stack = _sid(env)
    _, flow = domains_synth.only(stack, "aws_flow_log")
    vpc_lid, _ = domains_synth.only(stack, "aws_vpc")
    group_lid, group = domains_synth.only(stack, "aws_cloudwatch_log_group")
    assert flow["traffic_type"] == "ALL" and flow["log_destination_type"] == "cloud-watch-logs"
    assert _ref(domains_synth, flow["vpc_id"]) == ("aws_vpc", vpc_lid, "id")
    assert _ref(domains_synth, flow["log_destination"]) == ("aws_cloudwatch_log_group", group_lid, "arn")
    assert group["retention_in_days"] == 365
    assert _ref(domains_synth, group["kms_key_id"])[1].startswith("foundation_logs_key")
    assert bool(group.get("lifecycle", {}).get("prevent_destroy")) is NETWORK[env][4]
    _, role = domains_synth.only(stack, "aws_iam_role")
    trust = json.loads(role["assume_role_policy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    _, policy = domains_synth.only(stack, "aws_iam_role_policy")
    (stmt,) = json.loads(policy["policy"])["Statement"]
    group_arn = f"${{aws_cloudwatch_log_group.{group_lid}.arn}}"
    assert stmt["Resource"] == [group_arn, f"{group_arn}:*"]
    assert all(a.startswith("logs:") for a in stmt["Action"])


@env_param
def test_one_rotating_key_per_purpose_with_alias(domains_synth, env):
    stack = _sid(env)
    keys = domains_synth.resources(stack, "aws_kms_key")
    aliases = {a["name"]: a for a in domains_synth.resources(stack, "aws_kms_alias").values()}
    assert set(aliases) == {f"alias/acme-{env}-{p}" for p in _key_purposes(env)}
    assert len(keys) == len(_key_purposes(env))
    for key in keys.values():
        assert key["enable_key_rotation"] is True
        assert bool(key.get("lifecycle", {}).get("prevent_destroy")) is NETWORK[env][4]
    for purpose in _key_purposes(env):
        lid = _ref(domains_synth, aliases[f"alias/acme-{env}-{purpose}"]["target_key_id"])[1]
        assert lid.startswith(f"foundation_{purpose}_key")


@env_param
def test_logs_and_orchestration_key_policies_let_cloudwatch_logs_in(domains_synth, env):
    keys = domains_synth.resources(_sid(env), "aws_kms_key")
    for lid, key in keys.items():
        purpose = lid.removeprefix("foundation_").split("_key")[0]
        if purpose == "data":
            assert "policy" not in key  # the default key policy (see policy/suppressions.yaml)
            continue
        statements = {s["Sid"]: s for s in json.loads(key["policy"])["Statement"]}
        root = statements["AccountAdministersThroughIam"]
        assert root["Principal"]["AWS"].startswith("arn:aws:iam::${aws_vpc.")
        logs = statements.get("CloudWatchLogsEncryptsThisAccountsLogGroups")
        assert (logs is not None) is (purpose in ("logs", "orchestration")), purpose
        if logs:
            assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
            assert "kms:EncryptionContext:aws:logs:arn" in logs["Condition"]["ArnLike"]


@env_param
def test_outputs_the_dependents_read(domains_synth, env):
    outputs = domains_synth.stack(_sid(env))["output"]
    wanted = {"vpc_id", "vpc_cidr", "private_subnet_ids", "s3_prefix_list_id", "data_key_arn"}
    wanted |= {f"{p}_key_arn" for p in _key_purposes(env)}
    assert wanted <= set(outputs)
    assert ("streaming_key_arn" in outputs) is PROVISIONED_KAFKA[env]
    assert len(outputs["private_subnet_ids"]["value"]) == NETWORK[env][1]


def test_shipped_foundation_keys_only_for_enabled_domains(synth):
    """`local` runs the Glue catalog, Athena, MSK Serverless and serving: the data, logs and serving keys
    and their endpoints, none for Redshift, none for MSK Serverless (it takes no customer-managed key);
    dev enables every domain with MSK Serverless: a key per purpose but streaming."""
    aliases = {a["name"] for a in synth.resources("local-aws-foundation", "aws_kms_alias").values()}
    assert aliases == {f"alias/acme-local-{p}" for p in ("data", "logs", "serving")}
    endpoints = synth.resources("local-aws-foundation", "aws_vpc_endpoint").values()
    services = {e["service_name"].removeprefix("com.amazonaws.us-east-1.") for e in endpoints}
    assert services == {
        *("s3", "sts", "logs", "kms", "glue", "athena"),
        *("sagemaker.api", "sagemaker.runtime", "monitoring"),
    }
    aliases = {a["name"] for a in synth.resources("dev-aws-foundation", "aws_kms_alias").values()}
    assert aliases == {f"alias/acme-dev-{p}" for p in _key_purposes("dev")}


# --- the policy gate --------------------------------------------------------------------------------


def _first(doc: dict[str, Any], rtype: str, where: Any = lambda b: True) -> dict[str, Any]:
    return next(b for b in doc["resource"][rtype].values() if where(b))


def _public_subnet(doc: dict[str, Any]) -> None:
    _first(doc, "aws_subnet")["map_public_ip_on_launch"] = True


def _public_dns_endpoint(doc: dict[str, Any]) -> None:
    _first(doc, "aws_vpc_endpoint", lambda b: b["vpc_endpoint_type"] == "Interface")[
        "private_dns_enabled"
    ] = False


def _no_flow_log(doc: dict[str, Any]) -> None:
    del doc["resource"]["aws_flow_log"]


def _default_sg_open(doc: dict[str, Any]) -> None:
    _first(doc, "aws_default_security_group")["ingress"] = [
        {"protocol": "-1", "from_port": 0, "to_port": 0, "self": True}
    ]


def _plain_log_group(doc: dict[str, Any]) -> None:
    del _first(doc, "aws_cloudwatch_log_group")["kms_key_id"]


def _unprotected_log_group(doc: dict[str, Any]) -> None:
    _first(doc, "aws_cloudwatch_log_group")["lifecycle"] = {"prevent_destroy": False}


def _open_ingress(doc: dict[str, Any]) -> None:
    rule = _first(doc, "aws_vpc_security_group_ingress_rule")
    rule.update(cidr_ipv4="0.0.0.0/0", from_port=80, to_port=80)


def _public_trust(doc: dict[str, Any]) -> None:
    stmt = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    _first(doc, "aws_iam_role")["assume_role_policy"] = json.dumps({"Statement": [stmt]})


def _wildcard_role_policy(doc: dict[str, Any]) -> None:
    stmt = {"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"}
    _first(doc, "aws_iam_role_policy")["policy"] = json.dumps({"Statement": [stmt]})


def _tag_override(doc: dict[str, Any]) -> None:
    _first(doc, "aws_vpc")["tags"]["owner"] = "someone-else"


NETWORK_CASES = [
    (_public_subnet, "no-public-access", "map_public_ip_on_launch"),
    (_public_subnet, "private-networking", "map_public_ip_on_launch"),
    (_public_dns_endpoint, "private-networking", "private_dns_enabled"),
    (_no_flow_log, "access-logging", "no aws_flow_log"),
    (_default_sg_open, "private-networking", "default group must allow nothing"),
    (_default_sg_open, "no-public-access", "default group must allow nothing"),
    (_plain_log_group, "cmk-encryption", "kms_key_id"),
    (_unprotected_log_group, "deletion-protection", "prevent_destroy"),
    (_open_ingress, "no-public-access", "0.0.0.0/0"),
    (_open_ingress, "tls-min-1-2", "not a TLS port"),
    (_public_trust, "no-public-access", "assumed by anyone"),
    (_wildcard_role_policy, "no-wildcard-iam", "allows * on *"),
    (_tag_override, "required-tags", "overrides required tags"),
]


@pytest.mark.policy
def test_shipped_shape_passes_the_invariants(invariant_failures):
    for env in ("dev", "prod"):
        assert invariant_failures(_sid(env), lambda doc: None) == {}


@pytest.mark.policy
@pytest.mark.parametrize(
    ("change", "invariant", "words"), NETWORK_CASES, ids=lambda v: getattr(v, "__name__", v)
)
def test_invariants_catch_a_broken_network(invariant_failures, change, invariant, words):
    failures = invariant_failures(_sid("prod"), change)
    assert invariant in failures, failures
    assert any(words in m for m in failures[invariant]), failures[invariant]


@pytest.mark.policy
def test_policy_gate_passes_every_domain_stack(domains_policy, domains_synth):
    """Invariants and checkov on all six domains of dev, prod and zvar: zero unsuppressed failures,
    except deletion-protection in zvar (protection off outside an emulator is refused on purpose)."""
    failures = [
        f"{f.rule} {f.stack}/{f.address}: {f.message}"
        for f in domains_policy.failures
        if not (f.stack.startswith("zvar-") and f.rule == "deletion-protection")
    ]
    assert failures == []
    assert domains_policy.checkov is not None and domains_policy.checkov.passed > 0
    assert {s.stack_id for s in domains_policy.stacks} == set(domains_synth.manifest["stacks"])
    zvar = [f for f in domains_policy.failures if f.stack.startswith("zvar-")]
    assert zvar and all(f.rule == "deletion-protection" for f in zvar)
