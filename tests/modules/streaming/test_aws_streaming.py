"""AWS streaming with every domain enabled: MSK Serverless in dev, provisioned MSK in prod and zvar
(brokers per AZ x AZs, sizes, TLS, IAM, the streaming key, broker logs, private); the invariants catch a
broken cluster."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.synth

# env -> (brokers, instance type, volume GiB, subnets slice end or None)
PROVISIONED = {"prod": (3, "kafka.m7g.large", 100, None), "zvar": (6, "kafka.m5.large", 500, 3)}


def _sid(env: str) -> str:
    return f"{env}-aws-streaming"


def test_dev_is_msk_serverless_with_iam_in_the_private_subnets(domains_synth):
    stack = _sid("dev")
    assert domains_synth.resources(stack, "aws_msk_cluster") == {}
    cluster_lid, cluster = domains_synth.only(stack, "aws_msk_serverless_cluster")
    assert cluster["cluster_name"] == "acme-dev-kafka"
    assert cluster["client_authentication"]["sasl"]["iam"]["enabled"] is True
    sg_lid, _ = domains_synth.only(stack, "aws_security_group")
    assert cluster["vpc_config"][0]["subnet_ids"] == "${var.foundation__private_subnet_ids}"
    assert cluster["vpc_config"][0]["security_group_ids"] == [f"${{aws_security_group.{sg_lid}.id}}"]
    outputs = domains_synth.stack(stack)["output"]
    assert "cluster_arn" in outputs
    # Serverless has no bootstrap attribute: the data source reads them from the cluster it names.
    ((data_lid, data),) = domains_synth.stack(stack)["data"]["aws_msk_bootstrap_brokers"].items()
    assert data["cluster_arn"] == f"${{aws_msk_serverless_cluster.{cluster_lid}.arn}}"
    assert outputs["bootstrap_brokers_sasl_iam"]["value"] == (
        f"${{data.aws_msk_bootstrap_brokers.{data_lid}.bootstrap_brokers_sasl_iam}}"
    )
    assert set(domains_synth.stack(stack)["variable"]) == {
        "foundation__private_subnet_ids",
        "foundation__vpc_id",
    }


@pytest.mark.parametrize("env", sorted(PROVISIONED))
def test_provisioned_cluster(domains_synth, env):
    brokers, instance, volume, sliced = PROVISIONED[env]
    stack = _sid(env)
    _, c = domains_synth.only(stack, "aws_msk_cluster")
    assert c["number_of_broker_nodes"] == brokers
    info = c["broker_node_group_info"]
    assert info["instance_type"] == instance
    assert info["storage_info"]["ebs_storage_info"]["volume_size"] == volume
    assert info["connectivity_info"]["public_access"]["type"] == "DISABLED"
    want = (
        "${var.foundation__private_subnet_ids}"
        if sliced is None
        else f"${{slice(var.foundation__private_subnet_ids, 0, {sliced})}}"
    )
    assert info["client_subnets"] == want
    assert c["encryption_info"]["encryption_in_transit"] == {"client_broker": "TLS", "in_cluster": True}
    assert c["encryption_info"]["encryption_at_rest_kms_key_arn"] == "${var.foundation__streaming_key_arn}"
    assert c["client_authentication"] == {"sasl": {"iam": True}, "unauthenticated": False}
    assert c["enhanced_monitoring"] == "PER_BROKER"
    log_lid, group = domains_synth.only(stack, "aws_cloudwatch_log_group")
    assert group["kms_key_id"] == "${var.foundation__logs_key_arn}"
    assert c["logging_info"]["broker_logs"]["cloudwatch_logs"] == {
        "enabled": True,
        "log_group": f"${{aws_cloudwatch_log_group.{log_lid}.name}}",
    }
    _, conf = domains_synth.only(stack, "aws_msk_configuration")
    assert "auto.create.topics.enable=false" in conf["server_properties"]
    assert {"bootstrap_brokers_sasl_iam", "cluster_arn"} <= set(domains_synth.stack(stack)["output"])


@pytest.mark.parametrize("env", ["dev", "prod", "zvar"])
def test_security_group_allows_only_kafka_iam_from_the_vpc(domains_synth, env):
    stack = _sid(env)
    (rule,) = domains_synth.resources(stack, "aws_vpc_security_group_ingress_rule").values()
    cidr = "10.40.0.0/20" if env == "zvar" else "10.0.0.0/16"
    assert (rule["ip_protocol"], rule["from_port"], rule["to_port"], rule["cidr_ipv4"]) == (
        "tcp",
        9098,
        9098,
        cidr,
    )
    assert domains_synth.resources(stack, "aws_vpc_security_group_egress_rule") == {}


def test_no_topic_resources_on_msk(domains_synth):
    for env in ("dev", "prod"):
        assert not [t for t in domains_synth.stack(_sid(env))["resource"] if "topic" in t]


def _body(doc: dict[str, Any], rtype: str) -> dict[str, Any]:
    return next(iter(doc["resource"][rtype].values()))


def _plaintext(doc):
    _body(doc, "aws_msk_cluster")["encryption_info"]["encryption_in_transit"]["client_broker"] = (
        "TLS_PLAINTEXT"
    )


def _public(doc):
    _body(doc, "aws_msk_cluster")["broker_node_group_info"]["connectivity_info"]["public_access"]["type"] = (
        "SERVICE_PROVIDED_EIPS"
    )


def _no_key(doc):
    del _body(doc, "aws_msk_cluster")["encryption_info"]["encryption_at_rest_kms_key_arn"]


def _no_logs(doc):
    del _body(doc, "aws_msk_cluster")["logging_info"]


def _unprotected(doc):
    _body(doc, "aws_msk_cluster")["lifecycle"] = {"prevent_destroy": False}


def _plain_port(doc):
    _body(doc, "aws_vpc_security_group_ingress_rule").update(from_port=9092, to_port=9092)


def _serverless_no_iam(doc):
    _body(doc, "aws_msk_serverless_cluster")["client_authentication"]["sasl"]["iam"]["enabled"] = False


def _serverless_no_sg(doc):
    del _body(doc, "aws_msk_serverless_cluster")["vpc_config"][0]["security_group_ids"]


CASES = [
    ("prod", _plaintext, "tls-min-1-2"),
    ("prod", _public, "no-public-access"),
    ("prod", _public, "private-networking"),
    ("prod", _no_key, "cmk-encryption"),
    ("prod", _no_logs, "access-logging"),
    ("prod", _unprotected, "deletion-protection"),
    ("prod", _plain_port, "tls-min-1-2"),
    ("dev", _serverless_no_iam, "tls-min-1-2"),
    ("dev", _serverless_no_sg, "private-networking"),
]


@pytest.mark.policy
def test_streaming_passes_the_invariants(invariant_failures):
    for env in ("dev", "prod"):
        assert invariant_failures(_sid(env), lambda doc: None) == {}


@pytest.mark.policy
@pytest.mark.parametrize(("env", "change", "invariant"), CASES, ids=lambda v: getattr(v, "__name__", v))
def test_invariants_catch_a_broken_cluster(invariant_failures, env, change, invariant):
    assert invariant in invariant_failures(_sid(env), change)
