"""Post-deploy smoke checks with boto3: every bucket the stacks promise exists with the promised settings,
and an object round trip (put, get, delete) works with the bucket's default encryption."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from blueprint.verify.checks import LAKE_PURPOSES, Check


def expected_buckets(spec: PlatformSpec) -> dict[str, str | None]:
    """bucket name -> expected KMS key alias (None means SSE-S3, the access-log bucket)."""
    namer = Namer(spec.prefix, spec.name)
    buckets: dict[str, str | None] = {}
    if "foundation" in spec.domains.enabled():
        buckets[namer.s3_bucket("logs", "access")] = None
    if "lake" in spec.domains.enabled():
        for purpose in LAKE_PURPOSES:
            buckets[namer.s3_bucket("lake", purpose)] = namer.kms_alias("data")
    return buckets


def _call(fn: Callable[..., Any], **kwargs: Any) -> tuple[Any, str]:
    try:
        return fn(**kwargs), ""
    except ClientError as exc:
        return None, exc.response.get("Error", {}).get("Code", str(exc))


def check_bucket(s3: Any, bucket: str, kms_alias: str | None, log_bucket: str | None) -> list[Check]:
    checks: list[Check] = []

    def add(name: str, ok: bool, detail: str = "") -> None:
        checks.append(Check(bucket, name, ok, detail))

    _, err = _call(s3.head_bucket, Bucket=bucket)
    add("exists", not err, err)
    if err:
        return checks

    enc, err = _call(s3.get_bucket_encryption, Bucket=bucket)
    rule = (enc or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [{}])[0]
    default = rule.get("ApplyServerSideEncryptionByDefault", {})
    if kms_alias:
        ok = default.get("SSEAlgorithm") == "aws:kms" and default.get("KMSMasterKeyID") == kms_alias
        add("encryption: SSE-KMS with the data key", ok, err or json.dumps(default))
        add("encryption: bucket key", bool(rule.get("BucketKeyEnabled")), err)
    else:
        add(
            "encryption: SSE-S3 (log delivery)",
            default.get("SSEAlgorithm") == "AES256",
            err or json.dumps(default),
        )

    ver, err = _call(s3.get_bucket_versioning, Bucket=bucket)
    add("versioning: Enabled", (ver or {}).get("Status") == "Enabled", err)

    pab, err = _call(s3.get_public_access_block, Bucket=bucket)
    cfg = (pab or {}).get("PublicAccessBlockConfiguration", {})
    flags = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    add("public access block: all four", all(cfg.get(f) is True for f in flags), err or json.dumps(cfg))

    own, err = _call(s3.get_bucket_ownership_controls, Bucket=bucket)
    rules = (own or {}).get("OwnershipControls", {}).get("Rules", [])
    add(
        "ownership: BucketOwnerEnforced",
        any(r.get("ObjectOwnership") == "BucketOwnerEnforced" for r in rules),
        err,
    )

    pol, err = _call(s3.get_bucket_policy, Bucket=bucket)
    sids = {s.get("Sid") for s in json.loads((pol or {}).get("Policy", "{}")).get("Statement", [])}
    add("policy: deny non-TLS", "DenyInsecureTransport" in sids, err or str(sorted(map(str, sids))))
    if kms_alias:
        add("policy: deny unencrypted puts", "DenyUnencryptedObjectUploads" in sids, err)

    life, err = _call(s3.get_bucket_lifecycle_configuration, Bucket=bucket)
    lrules = (life or {}).get("Rules", [])
    has_abort = any("AbortIncompleteMultipartUpload" in r for r in lrules)
    has_noncurrent = any("NoncurrentVersionExpiration" in r for r in lrules)
    add("lifecycle: abort uploads + expire old versions", has_abort and has_noncurrent, err)

    if log_bucket:
        logging, err = _call(s3.get_bucket_logging, Bucket=bucket)
        target = (logging or {}).get("LoggingEnabled", {}).get("TargetBucket")
        add("access logging", target == log_bucket, err or f"target={target}")
    return checks


def round_trip(s3: Any, bucket: str, kms_alias: str | None) -> Check:
    """Put, get and delete one object (every version), leaving the bucket as it was."""
    key = f"blueprint-verify/{uuid.uuid4().hex}.txt"
    body = b"platform blueprint smoke check"
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        got = s3.get_object(Bucket=bucket, Key=key)
        data = got["Body"].read()
        sse = got.get("ServerSideEncryption")
        versions = s3.list_object_versions(Bucket=bucket, Prefix=key)
        for item in [*versions.get("Versions", []), *versions.get("DeleteMarkers", [])]:
            s3.delete_object(Bucket=bucket, Key=key, VersionId=item["VersionId"])
        left = s3.list_object_versions(Bucket=bucket, Prefix=key)
    except ClientError as exc:
        return Check(bucket, "round trip put/get/delete", False, str(exc))
    expected_sse = "aws:kms" if kms_alias else "AES256"
    ok = data == body and sse == expected_sse and not left.get("Versions") and not left.get("DeleteMarkers")
    return Check(bucket, "round trip put/get/delete", ok, f"sse={sse}")


def verify_aws(s3: Any, spec: PlatformSpec) -> list[Check]:
    buckets = expected_buckets(spec)
    log_bucket = Namer(spec.prefix, spec.name).s3_bucket("logs", "access")
    checks: list[Check] = []
    for bucket, alias in buckets.items():
        bucket_checks = check_bucket(s3, bucket, alias, None if alias is None else log_bucket)
        checks.extend(bucket_checks)
        if bucket_checks and bucket_checks[0].ok:
            checks.append(round_trip(s3, bucket, alias))
    return checks
