"""The environment's Terraform state bucket: created by `blueprint bootstrap` with boto3, read by `status`.

The bucket is versioned, encrypted and blocks all public access; stacks lock state in it with S3
native lock files (`use_lockfile`), so no DynamoDB table is needed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError, EndpointConnectionError

from blueprint.errors import BlueprintError, EmulatorError
from blueprint.naming import Namer, aws_partition
from blueprint.spec import PlatformSpec
from modules.primitives.policies import policy_json, s3_transport_statements


@dataclass(frozen=True)
class StackState:
    stack_id: str
    resources: int
    outputs: dict[str, Any]


def _region(spec: PlatformSpec) -> str:
    assert spec.clouds.aws is not None
    return spec.clouds.aws.region


def bootstrap(s3: Any, spec: PlatformSpec) -> tuple[str, bool]:
    """Create the state bucket if missing and (re)apply its settings. Returns (bucket, created)."""
    bucket = Namer(spec.prefix, spec.name).state_bucket()
    region = _region(spec)
    partition = aws_partition(region)
    created = False
    try:
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
                raise
            kwargs: dict[str, Any] = {"Bucket": bucket}
            if region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
            try:
                s3.create_bucket(**kwargs)
                created = True
            except ClientError as exc:  # a concurrent bootstrap of the same environment won the race
                if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                    raise
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        # The same promises as every bucket of the platform (SecureBucket): TLS only, TLS 1.2 or newer.
        s3.put_bucket_policy(
            Bucket=bucket,
            Policy=policy_json(*s3_transport_statements(f"arn:{partition}:s3:::{bucket}")),
        )
    except EndpointConnectionError as exc:
        raise EmulatorError(
            f"cannot reach the AWS endpoint to bootstrap state bucket {bucket}: {exc}",
            fix="start the emulator (`blueprint up`) or check BLUEPRINT_AWS_ENDPOINT",
        ) from None
    except ClientError as exc:
        raise BlueprintError(
            f"could not bootstrap state bucket {bucket}: {exc}",
            fix="check the credentials' s3:CreateBucket/PutBucket* permissions, or choose another prefix",
        ) from None
    return bucket, created


def read_stack_states(s3: Any, spec: PlatformSpec, stack_ids: list[str]) -> list[StackState]:
    """Resource counts and outputs per stack, read straight from the state objects (no terraform run)."""
    namer = Namer(spec.prefix, spec.name)
    bucket = namer.state_bucket()
    states: list[StackState] = []
    for stack_id in stack_ids:
        try:
            body = s3.get_object(Bucket=bucket, Key=namer.state_key(stack_id))["Body"].read()
        except ClientError:
            states.append(StackState(stack_id, 0, {}))
            continue
        doc = json.loads(body or b"{}")
        managed = [r for r in doc.get("resources", []) if r.get("mode") == "managed"]
        count = sum(len(r.get("instances", [])) for r in managed)
        outputs = {
            k: ("(sensitive)" if v.get("sensitive") else v.get("value"))
            for k, v in doc.get("outputs", {}).items()
        }
        states.append(StackState(stack_id, count, outputs))
    return states


def delete_state_bucket(s3: Any, spec: PlatformSpec) -> bool:
    """Remove every version of every state object, then the bucket (local environments only)."""
    bucket = Namer(spec.prefix, spec.name).state_bucket()
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        return False
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket):
        for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
    s3.delete_bucket(Bucket=bucket)
    return True


def bootstrap_environment(spec: PlatformSpec, workdir: Path) -> tuple[str, bool]:
    """Create (or re-apply the settings of) the environment's state bucket, on the emulator for an
    emulated environment (started when needed), else in AWS with the caller's credentials."""
    import boto3

    from blueprint import emulator

    region = spec.clouds.require("aws").region
    if spec.emulated:
        s3 = boto3.client("s3", **emulator.ensure(workdir).boto3_kwargs(region))
    else:
        s3 = boto3.client("s3", region_name=region)
    return bootstrap(s3, spec)
