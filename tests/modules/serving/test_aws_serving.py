"""AWS serving with every domain enabled: a network-isolated SageMaker model in the VPC, an endpoint
configuration encrypted with the serving key capturing data into the raw zone, the endpoint, and
target-tracking auto scaling between the spec's bounds; the invariants catch a broken endpoint."""

from __future__ import annotations

import json
from typing import Any

import pytest

from blueprint.errors import BlueprintError

pytestmark = pytest.mark.synth

SIZES = {"dev": ("ml.m5.large", 1, 2), "prod": ("ml.m5.large", 1, 2), "zvar": ("ml.c5.xlarge", 2, 6)}
env_param = pytest.mark.parametrize("env", sorted(SIZES))


def _sid(env: str) -> str:
    return f"{env}-aws-serving"


@env_param
def test_model_isolated_in_the_vpc(domains_synth, env):
    stack = _sid(env)
    _, model = domains_synth.only(stack, "aws_sagemaker_model")
    assert model["enable_network_isolation"] is True
    sg_lid, _ = domains_synth.only(stack, "aws_security_group")
    assert model["vpc_config"] == {
        "subnets": "${var.foundation__private_subnet_ids}",
        "security_group_ids": [f"${{aws_security_group.{sg_lid}.id}}"],
    }
    container = model["primary_container"]
    assert (
        container["image"]
        == "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
    )
    assert (
        container["model_data_url"]
        == f"s3://acme-{env}-lake-artifacts/models/acme-{env}-serving-model/model.tar.gz"
    )
    assert domains_synth.resources(stack, "aws_vpc_security_group_ingress_rule") == {}


@env_param
def test_endpoint_configuration_and_scaling(domains_synth, env):
    instance, low, high = SIZES[env]
    stack = _sid(env)
    _, config = domains_synth.only(stack, "aws_sagemaker_endpoint_configuration")
    assert config["kms_key_arn"] == "${var.foundation__serving_key_arn}"
    (variant,) = config["production_variants"]
    assert (variant["instance_type"], variant["initial_instance_count"]) == (instance, low)
    capture = config["data_capture_config"]
    assert capture["enable_capture"] is True
    assert capture["destination_s3_uri"] == f"s3://acme-{env}-lake-raw/data-capture/"
    assert capture["kms_key_id"] == "${var.foundation__data_key_arn}"
    endpoint_lid, _endpoint = domains_synth.only(stack, "aws_sagemaker_endpoint")
    _, target = domains_synth.only(stack, "aws_appautoscaling_target")
    assert (target["min_capacity"], target["max_capacity"]) == (low, high)
    assert (
        target["resource_id"] == f"endpoint/${{aws_sagemaker_endpoint.{endpoint_lid}.name}}/variant/primary"
    )
    assert target["scalable_dimension"] == "sagemaker:variant:DesiredInstanceCount"
    _, policy = domains_synth.only(stack, "aws_appautoscaling_policy")
    tracking = policy["target_tracking_scaling_policy_configuration"]
    assert policy["policy_type"] == "TargetTrackingScaling"
    assert (
        tracking["predefined_metric_specification"]["predefined_metric_type"]
        == "SageMakerVariantInvocationsPerInstance"
    )


@env_param
def test_role_scoped_to_artifacts_raw_capture_and_keys(domains_synth, env):
    _, policy = domains_synth.named(_sid(env), "aws_iam_role_policy", "serving_role_policy_")
    statements = {s["Sid"]: s for s in json.loads(policy["policy"])["Statement"]}
    assert (
        statements["ReadModelArtifacts"]["Resource"]
        == f"arn:aws:s3:::acme-{env}-lake-artifacts/models/acme-{env}-serving-model/*"
    )
    assert statements["WriteCapturedData"]["Resource"] == f"arn:aws:s3:::acme-{env}-lake-raw/data-capture/*"
    assert statements["UseTheServingAndDataKeys"]["Resource"] == [
        "${var.foundation__serving_key_arn}",
        "${var.foundation__data_key_arn}",
    ]
    assert [sid for sid, s in statements.items() if s["Resource"] == "*"] == ["DescribeTheVpc"]


@env_param
def test_model_pipeline_registered_with_the_stacks_role_bucket_and_endpoint(domains_synth, env):
    stack = _sid(env)
    _, pipeline = domains_synth.only(stack, "aws_sagemaker_pipeline")
    role_lid, _ = domains_synth.named(stack, "aws_iam_role", "serving_pipeline_role_")
    group_lid, group = domains_synth.only(stack, "aws_sagemaker_model_package_group")
    assert pipeline["pipeline_name"] == f"acme-{env}-model-pipeline"
    assert pipeline["role_arn"] == f"${{aws_iam_role.{role_lid}.arn}}"
    text = pipeline["pipeline_definition"]
    assert "blueprint-placeholder" not in text and "000000000000" not in text
    definition = json.loads(text.replace(f"${{aws_iam_role.{role_lid}.arn}}", "ROLE"))
    steps = {step["Name"]: step for step in definition["Steps"]}
    assert steps["Train"]["Arguments"]["RoleArn"] == "ROLE"
    uris = [u for u in _strings(definition) if u.startswith("s3://")]
    assert uris and all(u.startswith(f"s3://acme-{env}-lake-artifacts/model-pipeline/") for u in uris)
    assert f"${{aws_sagemaker_model_package_group.{group_lid}.model_package_group_name}}" in text
    assert group["model_package_group_name"] == f"acme-{env}-model"
    assert f'"acme-{env}-serving"' in text  # the endpoint the pipeline updates
    _, code = domains_synth.only(stack, "aws_s3_object")
    assert (code["bucket"], code["key"]) == (f"acme-{env}-lake-artifacts", "model-pipeline/code/evaluate.py")
    assert code["kms_key_id"] == "${var.foundation__data_key_arn}"
    _, endpoint = domains_synth.only(stack, "aws_sagemaker_endpoint")
    assert endpoint["lifecycle"]["ignore_changes"] == ["endpoint_config_name"]  # the pipeline deploys


@env_param
def test_pipeline_role_passes_only_itself_and_names_its_prefixes(domains_synth, env):
    _, policy = domains_synth.named(_sid(env), "aws_iam_role_policy", "serving_pipeline_role_policy_")
    statements = {s["Sid"]: s for s in json.loads(policy["policy"])["Statement"]}
    assert statements["PassOnlyItself"]["Resource"] == f"arn:aws:iam::*:role/acme-{env}-model-pipeline"
    assert (
        statements["PipelineArtifacts"]["Resource"]
        == f"arn:aws:s3:::acme-{env}-lake-artifacts/model-pipeline/*"
    )
    assert (
        f"arn:aws:sagemaker:eu-west-1:*:endpoint/acme-{env}-serving" in statements["RunTheSteps"]["Resource"]
    )
    assert not [sid for sid, s in statements.items() if s["Resource"] == "*"]


def test_a_region_without_a_pipeline_definition_is_refused_with_a_fix():
    from modules.serving.aws import pipeline_definition

    with pytest.raises(BlueprintError, match="mars-west-1") as err:
        pipeline_definition("mars-west-1", role_arn="r", bucket="b", endpoint="e", group="g")
    assert "build.py --placeholders --region mars-west-1" in (err.value.fix or "")


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def test_unknown_region_image_is_refused_with_a_fix():
    from modules.serving.aws import serving_image_uri

    with pytest.raises(BlueprintError, match="mars-west-1"):
        serving_image_uri("mars-west-1")
    assert serving_image_uri("us-east-1").startswith("683313688378.dkr.ecr.us-east-1.amazonaws.com/")


def _body(doc: dict[str, Any], rtype: str) -> dict[str, Any]:
    return next(iter(doc["resource"][rtype].values()))


def _no_isolation(doc):
    _body(doc, "aws_sagemaker_model")["enable_network_isolation"] = False


def _no_vpc(doc):
    del _body(doc, "aws_sagemaker_model")["vpc_config"]


def _no_key(doc):
    del _body(doc, "aws_sagemaker_endpoint_configuration")["kms_key_arn"]


def _no_capture(doc):
    _body(doc, "aws_sagemaker_endpoint_configuration")["data_capture_config"]["enable_capture"] = False


def _http_out(doc):
    next(iter(doc["resource"]["aws_vpc_security_group_egress_rule"].values())).update(
        from_port=80, to_port=80
    )


CASES = [
    (_no_isolation, "private-networking"),
    (_no_vpc, "private-networking"),
    (_no_key, "cmk-encryption"),
    (_no_capture, "access-logging"),
    (_http_out, "tls-min-1-2"),
]


@pytest.mark.policy
def test_serving_passes_the_invariants(invariant_failures):
    assert invariant_failures(_sid("prod"), lambda doc: None) == {}


@pytest.mark.policy
@pytest.mark.parametrize(("change", "invariant"), CASES, ids=lambda v: getattr(v, "__name__", v))
def test_invariants_catch_a_broken_endpoint(invariant_failures, change, invariant):
    assert invariant in invariant_failures(_sid("prod"), change)
