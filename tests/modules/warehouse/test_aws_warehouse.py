"""AWS warehouse with every domain enabled (`domains_synth`): Redshift Serverless private and encrypted,
Glue databases per zone with catalog encryption, Athena enforcing encrypted results; inputs from the
foundation; the invariants catch a broken warehouse."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.synth

RPU = {"dev": 8, "prod": 8, "zvar": 32}
CIDR = {"dev": "10.0.0.0/16", "prod": "10.0.0.0/16", "zvar": "10.40.0.0/20"}
env_param = pytest.mark.parametrize("env", sorted(RPU))


def _sid(env: str) -> str:
    return f"{env}-aws-warehouse"


@env_param
def test_namespace_encrypted_with_the_warehouse_key_and_managed_password(domains_synth, env):
    _, ns = domains_synth.only(_sid(env), "aws_redshiftserverless_namespace")
    assert ns["kms_key_id"] == "${var.foundation__warehouse_key_arn}"
    assert ns["admin_password_secret_kms_key_id"] == "${var.foundation__warehouse_key_arn}"
    assert ns["manage_admin_password"] is True and "admin_user_password" not in ns
    assert sorted(ns["log_exports"]) == ["connectionlog", "useractivitylog", "userlog"]
    role_lid, _ = domains_synth.only(_sid(env), "aws_iam_role")
    assert ns["iam_roles"] == [f"${{aws_iam_role.{role_lid}.arn}}"]
    assert bool(ns.get("lifecycle", {}).get("prevent_destroy")) is (env != "zvar")


@env_param
def test_workgroup_private_in_the_vpc_with_its_own_group(domains_synth, env):
    stack = _sid(env)
    _, wg = domains_synth.only(stack, "aws_redshiftserverless_workgroup")
    assert wg["publicly_accessible"] is False and wg["enhanced_vpc_routing"] is True
    assert wg["base_capacity"] == RPU[env]
    assert wg["subnet_ids"] == "${var.foundation__private_subnet_ids}"
    sg_lid, sg = domains_synth.only(stack, "aws_security_group")
    assert sg["vpc_id"] == "${var.foundation__vpc_id}"
    assert wg["security_group_ids"] == [f"${{aws_security_group.{sg_lid}.id}}"]
    (ingress,) = domains_synth.resources(stack, "aws_vpc_security_group_ingress_rule").values()
    assert (ingress["from_port"], ingress["to_port"], ingress["cidr_ipv4"]) == (5439, 5439, CIDR[env])
    params = {p["parameter_key"]: p["parameter_value"] for p in wg["config_parameter"]}
    assert params["require_ssl"] == "true" and params["enable_user_activity_logging"] == "true"


@env_param
def test_role_names_only_the_lake_buckets_and_keys(domains_synth, env):
    _, policy = domains_synth.only(_sid(env), "aws_iam_role_policy")
    statements = json.loads(policy["policy"])["Statement"]
    resources = [
        r for s in statements for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    assert "*" not in resources
    s3 = {r for r in resources if r.startswith("arn:aws:s3:::")}
    assert {r.split(":::")[1].split("/")[0] for r in s3} == {
        f"acme-{env}-lake-{z}" for z in ("raw", "curated", "analytics")
    }
    assert "${var.foundation__data_key_arn}" in resources


@env_param
def test_glue_databases_per_zone_and_catalog_encryption(domains_synth, env):
    stack = _sid(env)
    dbs = {b["name"]: b for b in domains_synth.resources(stack, "aws_glue_catalog_database").values()}
    assert set(dbs) == {f"acme_{env}_{z}" for z in ("raw", "curated", "analytics")}
    assert dbs[f"acme_{env}_raw"]["location_uri"] == f"s3://acme-{env}-lake-raw/"
    _, enc = domains_synth.only(stack, "aws_glue_data_catalog_encryption_settings")
    settings = enc["data_catalog_encryption_settings"]
    assert settings["encryption_at_rest"] == {
        "catalog_encryption_mode": "SSE-KMS",
        "sse_aws_kms_key_id": "${var.foundation__data_key_arn}",
    }
    assert settings["connection_password_encryption"]["return_connection_password_encrypted"] is True


@env_param
def test_athena_enforces_encrypted_results_in_the_analytics_bucket(domains_synth, env):
    _, wg = domains_synth.only(_sid(env), "aws_athena_workgroup")
    config = wg["configuration"]
    assert config["enforce_workgroup_configuration"] is True
    assert config["publish_cloudwatch_metrics_enabled"] is True
    result = config["result_configuration"]
    assert result["output_location"] == f"s3://acme-{env}-lake-analytics/athena-results/"
    assert result["encryption_configuration"] == {
        "encryption_option": "SSE_KMS",
        "kms_key_arn": "${var.foundation__data_key_arn}",
    }


@env_param
def test_inputs_are_foundation_outputs(domains_synth, env):
    variables = domains_synth.stack(_sid(env))["variable"]
    assert set(variables) == {
        f"foundation__{o}"
        for o in ("private_subnet_ids", "vpc_id", "s3_prefix_list_id", "warehouse_key_arn", "data_key_arn")
    }
    assert variables["foundation__private_subnet_ids"]["type"] == "list(string)"
    foundation = domains_synth.stack(f"{env}-aws-foundation")["output"]
    assert {v.split("__", 1)[1] for v in variables} <= set(foundation)
    assert "data" not in domains_synth.stack(_sid(env))


def test_two_azs_are_refused_by_the_spec_with_a_fix(tmp_path):
    import yaml

    from blueprint.errors import SpecError
    from blueprint.paths import environments_dir
    from blueprint.spec import load_spec

    data = yaml.safe_load((environments_dir() / "dev.yaml").read_text())
    data["domains"]["warehouse"]["enabled"] = True
    data["domains"]["foundation"]["az_count"] = 2
    path = tmp_path / "dev.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert [p[0] for p in err.value.problems] == ["domains.foundation.az_count"]
    assert "az_count: 3" in err.value.problems[0][2] and "aws.redshift: false" in err.value.problems[0][2]
    data["domains"]["warehouse"]["aws"] = {"redshift": False}  # Glue and Athena only: any AZ count
    path.write_text(yaml.safe_dump(data))
    assert load_spec(path).domains.warehouse.aws.redshift is False


def test_without_redshift_only_the_catalog_and_athena_remain(tmp_path):
    import main
    from blueprint.spec import load_env

    spec = load_env("dev")
    aws = spec.domains.warehouse.aws.model_copy(update={"redshift": False})
    warehouse = spec.domains.warehouse.model_copy(update={"enabled": True, "aws": aws})
    spec = spec.model_copy(update={"domains": spec.domains.model_copy(update={"warehouse": warehouse})})
    app, _ = main.build_app([spec], {"aws"}, outdir=tmp_path)
    app.synth()
    doc = json.loads((tmp_path / "stacks" / "dev-aws-warehouse" / "cdk.tf.json").read_text())
    assert not [t for t in doc["resource"] if t.startswith(("aws_redshift", "aws_security_group", "aws_iam"))]
    assert {"aws_glue_catalog_database", "aws_athena_workgroup"} <= set(doc["resource"])
    assert set(doc["variable"]) == {"foundation__data_key_arn"}


def _body(doc: dict[str, Any], rtype: str) -> dict[str, Any]:
    return next(iter(doc["resource"][rtype].values()))


def _public(doc):
    _body(doc, "aws_redshiftserverless_workgroup")["publicly_accessible"] = True


def _no_ssl(doc):
    for p in _body(doc, "aws_redshiftserverless_workgroup")["config_parameter"]:
        if p["parameter_key"] == "require_ssl":
            p["parameter_value"] = "false"


def _no_routing(doc):
    _body(doc, "aws_redshiftserverless_workgroup")["enhanced_vpc_routing"] = False


def _no_key(doc):
    del _body(doc, "aws_redshiftserverless_namespace")["kms_key_id"]


def _no_logs(doc):
    _body(doc, "aws_redshiftserverless_namespace")["log_exports"] = []


def _unprotected(doc):
    _body(doc, "aws_redshiftserverless_namespace")["lifecycle"] = {"prevent_destroy": False}


def _athena_sse_s3(doc):
    enc = _body(doc, "aws_athena_workgroup")["configuration"]["result_configuration"][
        "encryption_configuration"
    ]
    enc.update(encryption_option="SSE_S3", kms_key_arn=None)


def _athena_no_metrics(doc):
    _body(doc, "aws_athena_workgroup")["configuration"]["publish_cloudwatch_metrics_enabled"] = False


CASES = [
    (_public, "no-public-access"),
    (_public, "private-networking"),
    (_no_routing, "private-networking"),
    (_no_ssl, "tls-min-1-2"),
    (_no_key, "cmk-encryption"),
    (_no_logs, "access-logging"),
    (_unprotected, "deletion-protection"),
    (_athena_sse_s3, "cmk-encryption"),
    (_athena_no_metrics, "access-logging"),
]


@pytest.mark.policy
def test_warehouse_passes_the_invariants(invariant_failures):
    assert invariant_failures(_sid("prod"), lambda doc: None) == {}


@pytest.mark.policy
@pytest.mark.parametrize(("change", "invariant"), CASES, ids=lambda v: getattr(v, "__name__", v))
def test_invariants_catch_a_broken_warehouse(invariant_failures, change, invariant):
    assert invariant in invariant_failures(_sid("prod"), change)
