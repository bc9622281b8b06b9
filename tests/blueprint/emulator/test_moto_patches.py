"""The in-process moto patches (blueprint/emulator/moto_patches.py): each fixes the behaviour it names, and
unpatched moto still has the bug (when upstream fixes it, this test says the patch can go)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[3]

SCENARIO = """
import json, sys, boto3
from moto import mock_aws
patched = sys.argv[1] == "patched"
if patched:
    sys.path.insert(0, {repo!r})
    from blueprint.emulator import moto_patches
    moto_patches.apply_all()
with mock_aws():
    s3 = boto3.client("s3", region_name="us-east-1")
    for b in ("bp-logs", "bp-data"):
        s3.create_bucket(Bucket=b)
    tls_only = {{"Version": "2012-10-17", "Statement": [{{"Sid": "DenyInsecureTransport", "Effect": "Deny",
        "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::bp-data", "arn:aws:s3:::bp-data/*"],
        "Condition": {{"Bool": {{"aws:SecureTransport": "false"}}}}}}]}}
    s3.put_bucket_policy(Bucket="bp-data", Policy=json.dumps(tls_only))
    result = {{}}
    try:
        s3.put_object(Bucket="bp-data", Key="k", Body=b"v")
        result["put_with_tls_policy"] = s3.get_object(Bucket="bp-data", Key="k")["Body"].read().decode()
    except Exception as exc:
        result["put_with_tls_policy"] = type(exc).__name__
    logs_policy = {{"Version": "2012-10-17", "Statement": [
        {{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
          "Resource": ["arn:aws:s3:::bp-logs/*"],
          "Condition": {{"Bool": {{"aws:SecureTransport": "false"}}}}}},
        {{"Effect": "Allow", "Principal": {{"Service": "logging.s3.amazonaws.com"}}, "Action": "s3:PutObject",
          "Resource": "arn:aws:s3:::bp-logs/*"}}]}}
    s3.put_bucket_policy(Bucket="bp-logs", Policy=json.dumps(logs_policy))
    try:
        s3.put_bucket_logging(Bucket="bp-data", BucketLoggingStatus={{"LoggingEnabled": {{
            "TargetBucket": "bp-logs", "TargetPrefix": "bp-data/"}}}})
        result["logging"] = s3.get_bucket_logging(Bucket="bp-data")["LoggingEnabled"]["TargetBucket"]
    except Exception as exc:
        result["logging"] = type(exc).__name__
    aas = boto3.client("application-autoscaling", region_name="us-east-1")
    arn = aas.register_scalable_target(ServiceNamespace="sagemaker", ResourceId="endpoint/e/variant/v",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount", MinCapacity=1, MaxCapacity=2,
        Tags={{"owner": "data-platform"}})["ScalableTargetARN"]
    try:
        aas.tag_resource(ResourceARN=arn, Tags={{"env": "local"}})
        aas.untag_resource(ResourceARN=arn, TagKeys=["owner"])
        result["autoscaling_tags"] = aas.list_tags_for_resource(ResourceARN=arn)["Tags"]
    except Exception as exc:
        result["autoscaling_tags"] = type(exc).__name__
    sm = boto3.client("sagemaker", region_name="us-east-1")
    sm.create_model(ModelName="m", ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
        PrimaryContainer={{"Image": "i"}}, EnableNetworkIsolation=True)
    result["network_isolation"] = sm.describe_model(ModelName="m")["EnableNetworkIsolation"]
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.create_security_group(GroupName="g", Description="d", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[{{"IpProtocol": "tcp", "FromPort": 443,
        "ToPort": 443, "PrefixListIds": [{{"PrefixListId": "pl-12345678", "Description": "to S3"}}]}}])
    rules = ec2.describe_security_group_rules(Filters=[{{"Name": "group-id", "Values": [sg]}}])
    result["prefix_list_rule"] = [r.get("Description") for r in rules["SecurityGroupRules"]
                                  if r.get("PrefixListId") == "pl-12345678"]
    sm.create_model_package_group(ModelPackageGroupName="g")
    try:
        sm.delete_model_package_group(ModelPackageGroupName="g")
        result["groups_after_delete"] = len(sm.list_model_package_groups()["ModelPackageGroupSummaryList"])
    except Exception as exc:
        result["groups_after_delete"] = type(exc).__name__
    kafka = boto3.client("kafka", region_name="us-east-1")
    serverless = kafka.create_cluster_v2(ClusterName="k", Serverless={{"VpcConfigs": [{{"SubnetIds": ["s"]}}],
        "ClientAuthentication": {{"Sasl": {{"Iam": {{"Enabled": True}}}}}}}})["ClusterArn"]
    result["msk_state"] = kafka.describe_cluster_v2(ClusterArn=serverless)["ClusterInfo"]["State"]
    try:
        brokers = kafka.get_bootstrap_brokers(ClusterArn=serverless)
        result["msk_brokers"] = brokers["BootstrapBrokerStringSaslIam"]
    except Exception as exc:
        result["msk_brokers"] = type(exc).__name__
    kafka.delete_cluster(ClusterArn=serverless)
    try:
        kafka.describe_cluster_v2(ClusterArn=serverless)
        result["msk_deleted"] = "still there"
    except Exception as exc:
        code = getattr(exc, "response", {{}}).get("Error", {{}}).get("Code")
        result["msk_deleted"] = code or type(exc).__name__
    print(json.dumps(result))
"""


def run(mode: str) -> dict[str, str]:
    proc = subprocess.run(
        [sys.executable, "-c", SCENARIO.format(repo=str(REPO)), mode],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "PATH": "/usr/bin:/bin",
            "BLUEPRINT_KAFKA_BOOTSTRAP": "127.0.0.1:19092",
        },
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_patched_moto_behaves_like_aws() -> None:
    assert run("patched") == {
        "put_with_tls_policy": "v",
        "logging": "bp-logs",
        "autoscaling_tags": {"env": "local"},
        "network_isolation": True,
        "prefix_list_rule": ["to S3"],
        "groups_after_delete": 0,
        "msk_state": "ACTIVE",
        "msk_brokers": "127.0.0.1:19092",
        "msk_deleted": "NotFoundException",
    }


def test_unpatched_moto_still_has_the_bugs() -> None:
    result = run("unpatched")
    assert result["autoscaling_tags"] == "NotImplementedError" or "Error" in result["autoscaling_tags"]
    assert result["network_isolation"] is False
    assert result["prefix_list_rule"] == [None]
    assert result["groups_after_delete"] in ("ClientError", "NotImplementedError")  # 500 in the server
    assert result["put_with_tls_policy"] == "ClientError"  # every request denied
    assert result["logging"] in ("ClientError", "AttributeError")  # crash on Principal "*" (500 in server)
    assert result["msk_state"] == "CREATING"  # and it stays so
    assert result["msk_brokers"] == "NotImplementedError"  # 500 in the server
    assert result["msk_deleted"] == "KeyError"  # 500 in the server


def test_patches_refuse_another_moto_version(monkeypatch: pytest.MonkeyPatch) -> None:
    import moto

    from blueprint.emulator import moto_patches as patches

    monkeypatch.setattr(moto, "__version__", "0.0.1")
    with pytest.raises(RuntimeError, match="written for moto"):
        patches.apply_all()


def test_emulator_refuses_non_loopback_host() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "blueprint.emulator.server", "--host", "0.0.0.0", "--port", "5999"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2 and "loopback" in proc.stderr
    assert boto3  # imported for the scenario's environment
