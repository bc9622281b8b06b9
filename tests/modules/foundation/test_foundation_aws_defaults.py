"""AWS foundation of the shipped `local` and `prod` environments: data key, provider, backend, log bucket.

Expected values are written out here (not read back from the spec), so a spec default or a module that
drops a setting both fail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from blueprint.pins import PROVIDER_PINS

pytestmark = pytest.mark.synth


@dataclass(frozen=True)
class Expected:
    region: str
    protected: bool
    key_deletion_window_days: int
    access_log_retention_days: int
    tags: dict[str, str]
    allowed_account_ids: list[str] | None


EXPECTED = {
    "local": Expected(
        region="us-east-1",
        protected=False,
        key_deletion_window_days=7,
        access_log_retention_days=30,
        tags={
            "owner": "data-platform",
            "cost_center": "cc-0000",
            "environment": "local",
            "data_classification": "internal",
        },
        allowed_account_ids=["123456789012"],
    ),
    "prod": Expected(
        region="eu-west-1",
        protected=True,
        key_deletion_window_days=30,  # the spec default
        access_log_retention_days=365,  # the spec default
        tags={
            "owner": "data-platform",
            "cost_center": "cc-1234",
            "environment": "prod",
            "data_classification": "confidential",
        },
        allowed_account_ids=None,
    ),
}
ENVS = sorted(EXPECTED)
env_param = pytest.mark.parametrize("env", ENVS)


def _stack_id(env: str) -> str:
    return f"{env}-aws-foundation"


def _prevent_destroy(body: dict[str, Any]) -> bool:
    return bool(body.get("lifecycle", {}).get("prevent_destroy", False))


def _log_bucket(synth, env: str) -> tuple[str, dict[str, Any]]:
    return synth.bucket(_stack_id(env), f"acme-{env}-logs-access")


def _statements(policy_body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    doc = json.loads(policy_body["policy"])
    assert doc["Version"] == "2012-10-17"
    sids = [s["Sid"] for s in doc["Statement"]]
    assert len(sids) == len(set(sids)), f"duplicate Sids: {sids}"
    return {s["Sid"]: s for s in doc["Statement"]}


# --- data key ------------------------------------------------------------------------------------------


@env_param
def test_data_key_rotates_with_the_spec_deletion_window(synth, env):
    _, key = synth.named(_stack_id(env), "aws_kms_key", "foundation_data_key_")
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == EXPECTED[env].key_deletion_window_days


@env_param
def test_data_key_prevent_destroy_follows_protection(synth, env):
    _, key = synth.named(_stack_id(env), "aws_kms_key", "foundation_data_key_")
    assert _prevent_destroy(key) is EXPECTED[env].protected


@env_param
def test_data_key_alias_is_deterministic_and_targets_the_key(synth, env):
    key_lid, _ = synth.named(_stack_id(env), "aws_kms_key", "foundation_data_key_")
    _, alias = synth.named(_stack_id(env), "aws_kms_alias", "foundation_data_key_alias_")
    # The lake finds the key by this name, so it must never change shape.
    assert alias["name"] == f"alias/acme-{env}-data"
    assert synth.ref(alias["target_key_id"]) == ("aws_kms_key", key_lid, "key_id")


# --- provider, pin, backend ----------------------------------------------------------------------------


@env_param
@pytest.mark.parametrize("domain", ["foundation", "lake"])
def test_provider_region_account_guard_and_default_tags(synth, env, domain):
    providers = synth.stack(f"{env}-aws-{domain}")["provider"]["aws"]
    assert len(providers) == 1
    provider = providers[0]
    assert provider["region"] == EXPECTED[env].region
    assert provider.get("allowed_account_ids") == EXPECTED[env].allowed_account_ids
    assert provider["default_tags"] == [{"tags": {**EXPECTED[env].tags, "managed_by": "platform-blueprint"}}]


def test_provider_pin_is_the_offline_mirror_version():
    # CI validates against an offline provider mirror holding exactly this version; bump both together.
    assert PROVIDER_PINS["aws"] == ("hashicorp/aws", "5.100.0")


@env_param
@pytest.mark.parametrize("domain", ["foundation", "lake"])
def test_required_provider_and_terraform_versions(synth, env, domain):
    terraform = synth.stack(f"{env}-aws-{domain}")["terraform"]
    assert terraform["required_providers"]["aws"] == {"source": "hashicorp/aws", "version": "5.100.0"}
    # use_lockfile (S3 native locking) needs terraform >= 1.10.
    assert terraform["required_version"] == ">= 1.10.0"


@env_param
@pytest.mark.parametrize("domain", ["foundation", "lake"])
def test_backend_is_encrypted_locked_s3_with_one_key_per_stack(synth, env, domain):
    stack_id = f"{env}-aws-{domain}"
    assert synth.stack(stack_id)["terraform"]["backend"] == {
        "s3": {
            "bucket": f"acme-{env}-tfstate",
            "key": f"{stack_id}/terraform.tfstate",
            "region": EXPECTED[env].region,
            "encrypt": True,
            "use_lockfile": True,
        }
    }


# --- access-log bucket ---------------------------------------------------------------------------------


@env_param
def test_access_log_bucket_uses_sse_s3(synth, env):
    lid, _ = _log_bucket(synth, env)
    encryption = synth.attached(_stack_id(env), "aws_s3_bucket_server_side_encryption_configuration", lid)
    # S3 server access log delivery writes only to buckets encrypted with SSE-S3 (AES256), never SSE-KMS,
    # so this is the one bucket without the customer-managed key.
    assert encryption["rule"] == [{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]


@env_param
def test_access_log_bucket_blocks_public_access_and_acls(synth, env):
    lid, _ = _log_bucket(synth, env)
    pab = synth.attached(_stack_id(env), "aws_s3_bucket_public_access_block", lid)
    for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
        assert pab[flag] is True, flag
    ownership = synth.attached(_stack_id(env), "aws_s3_bucket_ownership_controls", lid)
    assert ownership["rule"] == {"object_ownership": "BucketOwnerEnforced"}


@env_param
def test_access_log_bucket_is_versioned(synth, env):
    lid, _ = _log_bucket(synth, env)
    versioning = synth.attached(_stack_id(env), "aws_s3_bucket_versioning", lid)
    assert versioning["versioning_configuration"] == {"status": "Enabled"}


@env_param
def test_access_log_bucket_policy_denies_plain_http(synth, env):
    lid, _ = _log_bucket(synth, env)
    statements = _statements(synth.attached(_stack_id(env), "aws_s3_bucket_policy", lid))
    deny = statements["DenyInsecureTransport"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    bucket_arn, objects_arn = deny["Resource"]
    assert synth.ref(bucket_arn) == ("aws_s3_bucket", lid, "arn")
    assert objects_arn == f"{bucket_arn}/*"


@env_param
def test_access_log_bucket_policy_allows_only_s3_log_delivery_from_this_environment(synth, env):
    lid, _ = _log_bucket(synth, env)
    statements = _statements(synth.attached(_stack_id(env), "aws_s3_bucket_policy", lid))
    allows = [s for s in statements.values() if s["Effect"] == "Allow"]
    assert len(allows) == 1, allows
    allow = allows[0]
    assert allow["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert allow["Action"] == "s3:PutObject"
    assert allow["Resource"] == f"arn:aws:s3:::acme-{env}-logs-access/*"
    assert allow["Condition"] == {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::acme-{env}-*"}}


@env_param
def test_access_log_bucket_expires_logs_after_the_retention(synth, env):
    lid, _ = _log_bucket(synth, env)
    lifecycle = synth.attached(_stack_id(env), "aws_s3_bucket_lifecycle_configuration", lid)
    (rule,) = lifecycle["rule"]
    assert rule["status"] == "Enabled"
    assert rule["expiration"] == [{"days": EXPECTED[env].access_log_retention_days}]
    assert "transition" not in rule
    assert rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]


@env_param
def test_access_log_bucket_does_not_log_to_itself(synth, env):
    assert synth.resources(_stack_id(env), "aws_s3_bucket_logging") == {}


@env_param
def test_access_log_bucket_protection(synth, env):
    _, bucket = _log_bucket(synth, env)
    assert bucket["force_destroy"] is (not EXPECTED[env].protected)
    assert _prevent_destroy(bucket) is EXPECTED[env].protected


# --- outputs -------------------------------------------------------------------------------------------


@env_param
def test_outputs_reference_the_key_alias_and_log_bucket(synth, env):
    stack_id = _stack_id(env)
    key_lid, _ = synth.named(stack_id, "aws_kms_key", "foundation_data_key_")
    alias_lid, _ = synth.named(stack_id, "aws_kms_alias", "foundation_data_key_alias_")
    log_lid, _ = _log_bucket(synth, env)
    outputs = synth.stack(stack_id)["output"]
    # The keys and network the other domains read (tests/modules/foundation/test_aws_network.py checks them).
    network = {"logs_key_arn", "vpc_id", "vpc_cidr", "private_subnet_ids", "s3_prefix_list_id"}
    # plus a key per enabled service domain (none in local, all four in the cloud environments)
    service_keys = {o for o in outputs if o.endswith("_key_arn")} - {"data_key_arn", "logs_key_arn"}
    assert service_keys <= {f"{d}_key_arn" for d in ("warehouse", "streaming", "orchestration", "serving")}
    assert set(outputs) == {"data_key_arn", "data_key_alias", "access_log_bucket", *network, *service_keys}
    assert synth.ref(outputs["data_key_arn"]["value"]) == ("aws_kms_key", key_lid, "arn")
    assert synth.ref(outputs["data_key_alias"]["value"]) == ("aws_kms_alias", alias_lid, "name")
    assert synth.ref(outputs["access_log_bucket"]["value"]) == ("aws_s3_bucket", log_lid, "bucket")
