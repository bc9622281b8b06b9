"""AWS lake of the shipped `local` and `prod` environments: four secure buckets on the foundation's key
and access-log bucket, found by deterministic name.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.synth

PURPOSES = ("raw", "curated", "analytics", "artifacts")
ZONES = ("raw", "curated", "analytics")

# env -> (protected, abort days, noncurrent days, IA days, archive days); written out, not read back.
EXPECTED = {
    "local": (False, 7, 7, 30, 180),
    "prod": (True, 7, 365, 30, 180),
}
env_param = pytest.mark.parametrize("env", sorted(EXPECTED))
purpose_param = pytest.mark.parametrize("purpose", PURPOSES)


def _stack_id(env: str) -> str:
    return f"{env}-aws-lake"


def _bucket(synth, env: str, purpose: str) -> tuple[str, dict[str, Any]]:
    return synth.bucket(_stack_id(env), f"acme-{env}-lake-{purpose}")


def _statements(synth, env: str, lid: str) -> dict[str, dict[str, Any]]:
    doc = json.loads(synth.attached(_stack_id(env), "aws_s3_bucket_policy", lid)["policy"])
    return {s["Sid"]: s for s in doc["Statement"]}


@env_param
def test_exactly_four_named_buckets(synth, env):
    names = sorted(b["bucket"] for b in synth.resources(_stack_id(env), "aws_s3_bucket").values())
    assert names == sorted(f"acme-{env}-lake-{p}" for p in PURPOSES)


@env_param
@purpose_param
def test_bucket_encrypted_with_the_foundation_key_alias(synth, env, purpose):
    lid, _ = _bucket(synth, env, purpose)
    encryption = synth.attached(_stack_id(env), "aws_s3_bucket_server_side_encryption_configuration", lid)
    assert encryption["rule"] == [
        {
            "apply_server_side_encryption_by_default": {
                "sse_algorithm": "aws:kms",
                "kms_master_key_id": f"alias/acme-{env}-data",
            },
            "bucket_key_enabled": True,
        }
    ]


@env_param
def test_lake_key_alias_and_log_bucket_are_the_ones_foundation_creates(synth, env):
    """The lake refers to foundation resources by name only; the names must agree across stacks."""
    _, alias = synth.named(f"{env}-aws-foundation", "aws_kms_alias", "foundation_data_key_alias_")
    foundation_buckets = synth.resources(f"{env}-aws-foundation", "aws_s3_bucket").values()
    log_bucket_names = {b["bucket"] for b in foundation_buckets}
    for purpose in PURPOSES:
        lid, _ = _bucket(synth, env, purpose)
        encryption = synth.attached(_stack_id(env), "aws_s3_bucket_server_side_encryption_configuration", lid)
        key_id = encryption["rule"][0]["apply_server_side_encryption_by_default"]["kms_master_key_id"]
        assert key_id == alias["name"]
        logging = synth.attached(_stack_id(env), "aws_s3_bucket_logging", lid)
        assert logging["target_bucket"] in log_bucket_names


@env_param
@purpose_param
def test_bucket_versioned_private_and_owner_enforced(synth, env, purpose):
    lid, _ = _bucket(synth, env, purpose)
    stack_id = _stack_id(env)
    versioning = synth.attached(stack_id, "aws_s3_bucket_versioning", lid)
    assert versioning["versioning_configuration"] == {"status": "Enabled"}
    pab = synth.attached(stack_id, "aws_s3_bucket_public_access_block", lid)
    for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
        assert pab[flag] is True, flag
    ownership = synth.attached(stack_id, "aws_s3_bucket_ownership_controls", lid)
    assert ownership["rule"] == {"object_ownership": "BucketOwnerEnforced"}


@env_param
@purpose_param
def test_bucket_policy_denies_http_old_tls_and_other_encryption(synth, env, purpose):
    lid, _ = _bucket(synth, env, purpose)
    statements = _statements(synth, env, lid)
    assert set(statements) == {"DenyInsecureTransport", "DenyOutdatedTLS", "DenyUnencryptedObjectUploads"}
    assert all(s["Effect"] == "Deny" and s["Principal"] == "*" for s in statements.values())

    bucket_arn = f"${{aws_s3_bucket.{lid}.arn}}"
    objects_arn = f"{bucket_arn}/*"
    http = statements["DenyInsecureTransport"]
    assert http["Action"] == "s3:*"
    assert http["Resource"] == [bucket_arn, objects_arn]
    assert http["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}

    tls = statements["DenyOutdatedTLS"]
    assert tls["Action"] == "s3:*"
    assert tls["Resource"] == [bucket_arn, objects_arn]
    assert tls["Condition"] == {"NumericLessThan": {"s3:TlsVersion": "1.2"}}

    uploads = statements["DenyUnencryptedObjectUploads"]
    assert uploads["Action"] == "s3:PutObject"
    assert uploads["Resource"] == objects_arn
    assert uploads["Condition"]["StringNotEquals"] == {"s3:x-amz-server-side-encryption": "aws:kms"}
    # A put without the header is allowed (the bucket default applies SSE-KMS); another value is denied.
    assert uploads["Condition"]["Null"] == {"s3:x-amz-server-side-encryption": "false"}


@env_param
@purpose_param
def test_lifecycle_days_from_the_spec_and_tiering_only_for_zones(synth, env, purpose):
    _, abort, noncurrent, ia, archive = EXPECTED[env]
    lid, _ = _bucket(synth, env, purpose)
    lifecycle = synth.attached(_stack_id(env), "aws_s3_bucket_lifecycle_configuration", lid)
    (rule,) = lifecycle["rule"]
    assert rule["status"] == "Enabled"
    assert rule["filter"] == [{"prefix": ""}]  # the whole bucket
    assert rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": abort}]
    assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": noncurrent}]
    assert "expiration" not in rule  # lake data never expires by age
    if purpose in ZONES:
        assert rule["transition"] == [
            {"days": ia, "storage_class": "STANDARD_IA"},
            {"days": archive, "storage_class": "GLACIER_IR"},
        ]
    else:
        # Artifacts (models, DAGs) are read often: tiering them would cost retrieval fees.
        assert "transition" not in rule


@env_param
@purpose_param
def test_bucket_logs_to_the_access_log_bucket_under_its_own_prefix(synth, env, purpose):
    lid, bucket = _bucket(synth, env, purpose)
    logging = synth.attached(_stack_id(env), "aws_s3_bucket_logging", lid)
    assert logging["target_bucket"] == f"acme-{env}-logs-access"
    assert logging["target_prefix"] == f"{bucket['bucket']}/"


@env_param
@purpose_param
def test_bucket_protection_follows_the_spec(synth, env, purpose):
    protected = EXPECTED[env][0]
    _, bucket = _bucket(synth, env, purpose)
    assert bucket["force_destroy"] is (not protected)
    assert bool(bucket.get("lifecycle", {}).get("prevent_destroy", False)) is protected


@env_param
def test_lake_stack_depends_on_foundation(synth, env):
    stacks = synth.manifest["stacks"]
    assert stacks[_stack_id(env)]["dependencies"] == [f"{env}-aws-foundation"]
    assert stacks[f"{env}-aws-foundation"]["dependencies"] == []


@env_param
def test_outputs_name_and_arn_of_every_bucket(synth, env):
    outputs = synth.stack(_stack_id(env))["output"]
    assert set(outputs) == {f"{p}_bucket{s}" for p in PURPOSES for s in ("", "_arn")}
    for purpose in PURPOSES:
        lid, _ = _bucket(synth, env, purpose)
        assert synth.ref(outputs[f"{purpose}_bucket"]["value"]) == ("aws_s3_bucket", lid, "bucket")
        assert synth.ref(outputs[f"{purpose}_bucket_arn"]["value"]) == ("aws_s3_bucket", lid, "arn")
