"""AWS lake of the custom `zopen` / `zlocked` specs (see conftest): the prefix, every lifecycle day and
protection come from the spec; artifacts stay untiered whatever the zone settings.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.synth

PREFIX = "zeta"
PURPOSES = ("raw", "curated", "analytics", "artifacts")
ZONES = ("raw", "curated", "analytics")
PROTECTED = {"zopen": False, "zlocked": True}
# The lake settings conftest writes into the custom YAML (none equals a spec default or a shipped value).
ABORT_DAYS, NONCURRENT_DAYS, IA_DAYS, ARCHIVE_DAYS = 3, 45, 60, 120
env_param = pytest.mark.parametrize("env", sorted(PROTECTED))
purpose_param = pytest.mark.parametrize("purpose", PURPOSES)


def _stack_id(env: str) -> str:
    return f"{env}-aws-lake"


@env_param
def test_bucket_names_use_the_prefix(synth, env):
    names = sorted(b["bucket"] for b in synth.resources(_stack_id(env), "aws_s3_bucket").values())
    assert names == sorted(f"{PREFIX}-{env}-lake-{p}" for p in PURPOSES)


@env_param
@purpose_param
def test_lifecycle_days_come_from_the_spec(synth, env, purpose):
    lid, _ = synth.bucket(_stack_id(env), f"{PREFIX}-{env}-lake-{purpose}")
    (rule,) = synth.attached(_stack_id(env), "aws_s3_bucket_lifecycle_configuration", lid)["rule"]
    assert rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": ABORT_DAYS}]
    assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": NONCURRENT_DAYS}]
    if purpose in ZONES:
        assert rule["transition"] == [
            {"days": IA_DAYS, "storage_class": "STANDARD_IA"},
            {"days": ARCHIVE_DAYS, "storage_class": "GLACIER_IR"},
        ]
    else:
        assert "transition" not in rule


@env_param
@purpose_param
def test_key_alias_and_log_target_use_the_prefix(synth, env, purpose):
    name = f"{PREFIX}-{env}-lake-{purpose}"
    lid, _ = synth.bucket(_stack_id(env), name)
    sse = synth.attached(_stack_id(env), "aws_s3_bucket_server_side_encryption_configuration", lid)
    (rule,) = sse["rule"]
    assert rule["apply_server_side_encryption_by_default"] == {
        "sse_algorithm": "aws:kms",
        "kms_master_key_id": f"alias/{PREFIX}-{env}-data",
    }
    assert rule["bucket_key_enabled"] is True
    logging = synth.attached(_stack_id(env), "aws_s3_bucket_logging", lid)
    assert (logging["target_bucket"], logging["target_prefix"]) == (f"{PREFIX}-{env}-logs-access", f"{name}/")


@env_param
@purpose_param
def test_protection_follows_the_spec(synth, env, purpose):
    _, bucket = synth.bucket(_stack_id(env), f"{PREFIX}-{env}-lake-{purpose}")
    assert bucket["force_destroy"] is (not PROTECTED[env])
    assert bool(bucket.get("lifecycle", {}).get("prevent_destroy", False)) is PROTECTED[env]


@env_param
@purpose_param
def test_unprotected_buckets_keep_every_secure_default(synth, env, purpose):
    stack_id = _stack_id(env)
    lid, _ = synth.bucket(stack_id, f"{PREFIX}-{env}-lake-{purpose}")
    pab = synth.attached(stack_id, "aws_s3_bucket_public_access_block", lid)
    assert all(
        pab[f] is True
        for f in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    assert synth.attached(stack_id, "aws_s3_bucket_versioning", lid)["versioning_configuration"] == {
        "status": "Enabled"
    }
    assert synth.attached(stack_id, "aws_s3_bucket_ownership_controls", lid)["rule"] == {
        "object_ownership": "BucketOwnerEnforced"
    }
    policy = json.loads(synth.attached(stack_id, "aws_s3_bucket_policy", lid)["policy"])
    assert {s["Sid"] for s in policy["Statement"]} == {
        "DenyInsecureTransport",
        "DenyOutdatedTLS",
        "DenyUnencryptedObjectUploads",
    }


@env_param
def test_lake_stack_depends_on_foundation(synth, env):
    assert synth.manifest["stacks"][_stack_id(env)]["dependencies"] == [f"{env}-aws-foundation"]


@env_param
def test_outputs(synth, env):
    outputs = synth.stack(_stack_id(env))["output"]
    assert set(outputs) == {f"{p}_bucket{s}" for p in PURPOSES for s in ("", "_arn")}
