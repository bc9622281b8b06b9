"""AWS orchestration with every domain enabled: MWAA private, in two private subnets, encrypted with the
orchestration key, all logs on, DAGs from the artifacts bucket; DAG files become KMS-encrypted objects;
the invariants catch a broken environment."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.synth

SIZES = {"dev": ("mw1.small", 2), "prod": ("mw1.small", 2), "zvar": ("mw1.medium", 5)}
env_param = pytest.mark.parametrize("env", sorted(SIZES))


def _sid(env: str) -> str:
    return f"{env}-aws-orchestration"


@env_param
def test_mwaa_environment(domains_synth, env):
    stack = _sid(env)
    _, mwaa = domains_synth.only(stack, "aws_mwaa_environment")
    assert (mwaa["environment_class"], mwaa["max_workers"]) == SIZES[env]
    assert mwaa["webserver_access_mode"] == "PRIVATE_ONLY"
    assert mwaa["kms_key"] == "${var.foundation__orchestration_key_arn}"
    assert mwaa["source_bucket_arn"] == f"arn:aws:s3:::acme-{env}-lake-artifacts"
    assert mwaa["dag_s3_path"] == "dags/"
    assert mwaa["airflow_version"].startswith("3.")
    net = mwaa["network_configuration"]
    assert net["subnet_ids"] == "${slice(var.foundation__private_subnet_ids, 0, 2)}"
    sg_lid, _sg = domains_synth.only(stack, "aws_security_group")
    assert net["security_group_ids"] == [f"${{aws_security_group.{sg_lid}.id}}"]
    logs = mwaa["logging_configuration"]
    assert set(logs) == {
        "dag_processing_logs",
        "scheduler_logs",
        "task_logs",
        "webserver_logs",
        "worker_logs",
    }
    assert all(v["enabled"] is True for v in logs.values())
    assert bool(mwaa.get("lifecycle", {}).get("prevent_destroy")) is (env != "zvar")


@env_param
def test_security_group_self_referencing_and_https_out(domains_synth, env):
    stack = _sid(env)
    sg_lid, _ = domains_synth.only(stack, "aws_security_group")
    (ingress,) = domains_synth.resources(stack, "aws_vpc_security_group_ingress_rule").values()
    assert ingress["referenced_security_group_id"] == f"${{aws_security_group.{sg_lid}.id}}"
    egress = list(domains_synth.resources(stack, "aws_vpc_security_group_egress_rule").values())
    assert all(e.get("referenced_security_group_id") or e["from_port"] == 443 for e in egress)
    assert not [e for e in egress if e.get("cidr_ipv4") == "0.0.0.0/0"]


@env_param
def test_execution_role_is_scoped(domains_synth, env):
    _, role = domains_synth.only(_sid(env), "aws_iam_role")
    trust = json.loads(role["assume_role_policy"])["Statement"][0]["Principal"]["Service"]
    assert sorted(trust) == ["airflow-env.amazonaws.com", "airflow.amazonaws.com"]
    _, policy = domains_synth.only(_sid(env), "aws_iam_role_policy")
    statements = {s["Sid"]: s for s in json.loads(policy["policy"])["Statement"]}
    assert statements["ReadDags"]["Resource"] == f"arn:aws:s3:::acme-{env}-lake-artifacts/dags/*"
    assert statements["UseTheEnvironmentAndDataKeys"]["Resource"] == [
        "${var.foundation__orchestration_key_arn}",
        "${var.foundation__data_key_arn}",
    ]
    star = [sid for sid, s in statements.items() if s["Resource"] == "*"]
    assert sorted(star) == ["CheckPublicAccessBlock", "DescribeLogGroupsAndPutMetrics"]
    for sid in star:  # only actions without a resource type may name "*"
        actions = statements[sid]["Action"]
        assert set([actions] if isinstance(actions, str) else actions) <= {
            "s3:GetAccountPublicAccessBlock", "logs:DescribeLogGroups", "cloudwatch:PutMetricData"
        }  # fmt: skip


def test_the_shipped_dags_are_uploaded(domains_synth):
    keys = {o["key"] for o in domains_synth.resources(_sid("dev"), "aws_s3_object").values()}
    assert keys == {"dags/lake_to_model.py", "dags/lake_platform.py"}


def test_no_dag_files_without_the_pipelines_dir(tmp_path: Path):
    from modules.orchestration.dags import dag_files

    assert dag_files(tmp_path / "missing") == []


def test_dag_files_become_kms_encrypted_objects(tmp_path: Path, monkeypatch, domains_env_dir):
    from cdktn import App, TerraformStack, Testing

    import modules.orchestration.aws as orchestration
    from blueprint.naming import Namer
    from blueprint.spec import load_spec
    from modules.primitives.aws import configure_aws_stack

    dags = tmp_path / "airflow"
    (dags / "sub").mkdir(parents=True)
    (dags / "ingest.py").write_text("print('ingest')\n")
    (dags / "sub" / "train.py").write_text("print('train')\n")
    (dags / "README.md").write_text("not a DAG\n")
    monkeypatch.setattr(orchestration, "DAGS_DIR", dags)
    spec = load_spec(domains_env_dir / "dev.yaml")
    stack = TerraformStack(App(), "s")
    namer = Namer(spec.prefix, spec.name)
    configure_aws_stack(stack, spec, namer)
    orchestration.AwsOrchestration(stack, "orchestration", spec=spec, namer=namer)
    doc = json.loads(Testing.synth(stack))
    objects = {o["key"]: o for o in doc["resource"]["aws_s3_object"].values()}
    assert set(objects) == {"dags/ingest.py", "dags/sub/train.py"}
    obj = objects["dags/ingest.py"]
    assert obj["bucket"] == "acme-dev-lake-artifacts"
    assert obj["content"] == "print('ingest')\n"
    assert obj["source_hash"] == hashlib.md5(b"print('ingest')\n").hexdigest()
    assert obj["kms_key_id"] == "${var.foundation__data_key_arn}"
    assert obj["server_side_encryption"] == "aws:kms"
    mwaa = next(iter(doc["resource"]["aws_mwaa_environment"].values()))
    assert len(mwaa["depends_on"]) == 3  # the role policy and both DAGs exist before the environment


def _body(doc: dict[str, Any], rtype: str) -> dict[str, Any]:
    return next(iter(doc["resource"][rtype].values()))


def _public(doc):
    _body(doc, "aws_mwaa_environment")["webserver_access_mode"] = "PUBLIC_ONLY"


def _no_key(doc):
    del _body(doc, "aws_mwaa_environment")["kms_key"]


def _no_task_logs(doc):
    _body(doc, "aws_mwaa_environment")["logging_configuration"]["task_logs"]["enabled"] = False


def _unprotected(doc):
    _body(doc, "aws_mwaa_environment")["lifecycle"] = {"prevent_destroy": False}


def _unpinned_requirements(doc):
    _body(doc, "aws_mwaa_environment")["requirements_s3_path"] = "requirements.txt"


def _egress_anywhere(doc):
    rule = next(r for r in doc["resource"]["aws_vpc_security_group_egress_rule"].values() if "cidr_ipv4" in r)
    rule.update(ip_protocol="-1", from_port=None, to_port=None, cidr_ipv4="0.0.0.0/0")


def _wildcard(doc):
    policy = json.loads(_body(doc, "aws_iam_role_policy")["policy"])
    policy["Statement"].append({"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"})
    _body(doc, "aws_iam_role_policy")["policy"] = json.dumps(policy)


CASES = [
    (_public, "no-public-access"),
    (_public, "private-networking"),
    (_no_key, "cmk-encryption"),
    (_no_task_logs, "access-logging"),
    (_unprotected, "deletion-protection"),
    (_unpinned_requirements, "versioning"),
    (_egress_anywhere, "tls-min-1-2"),
    (_wildcard, "no-wildcard-iam"),
]


@pytest.mark.policy
def test_orchestration_passes_the_invariants(invariant_failures):
    assert invariant_failures(_sid("prod"), lambda doc: None) == {}


@pytest.mark.policy
@pytest.mark.parametrize(("change", "invariant"), CASES, ids=lambda v: getattr(v, "__name__", v))
def test_invariants_catch_a_broken_environment(invariant_failures, change, invariant):
    assert invariant in invariant_failures(_sid("prod"), change)
