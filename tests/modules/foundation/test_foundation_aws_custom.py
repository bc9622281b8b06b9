"""AWS foundation of the custom `zopen` / `zlocked` specs (see conftest): every setting the foundation
reads from the spec (prefix, region, tags, key deletion window, log retention, protection) reaches the
synthesized JSON, and the secure defaults do not depend on protection.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.synth

# Written out, not imported from conftest: these are the values conftest puts in the custom YAML.
PREFIX = "zeta"
REGION = "ap-southeast-2"
PROTECTED = {"zopen": False, "zlocked": True}
env_param = pytest.mark.parametrize("env", sorted(PROTECTED))


def _stack_id(env: str) -> str:
    return f"{env}-aws-foundation"


def test_custom_specs_were_loaded_from_yaml(synth):
    for env, protected in PROTECTED.items():
        spec = synth.specs[env]
        assert (spec.name, spec.prefix, spec.protection.stateful) == (env, PREFIX, protected)


@env_param
def test_data_key_deletion_window_and_protection_come_from_the_spec(synth, env):
    _, key = synth.named(_stack_id(env), "aws_kms_key", "foundation_data_key_")
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == 10
    assert bool(key.get("lifecycle", {}).get("prevent_destroy", False)) is PROTECTED[env]


@env_param
def test_data_key_alias_uses_the_prefix(synth, env):
    key_lid, _ = synth.named(_stack_id(env), "aws_kms_key", "foundation_data_key_")
    _, alias = synth.named(_stack_id(env), "aws_kms_alias", "foundation_data_key_alias_")
    assert alias["name"] == f"alias/{PREFIX}-{env}-data"
    assert synth.ref(alias["target_key_id"]) == ("aws_kms_key", key_lid, "key_id")


@env_param
@pytest.mark.parametrize("domain", ["foundation", "lake"])
def test_provider_carries_region_and_extra_tags(synth, env, domain):
    (provider,) = synth.stack(f"{env}-aws-{domain}")["provider"]["aws"]
    assert provider["region"] == REGION
    assert "allowed_account_ids" not in provider  # no account_id in the spec
    assert provider["default_tags"] == [
        {
            "tags": {
                "owner": "data-platform",
                "cost_center": "cc-1234",
                "environment": env,
                "data_classification": "internal",
                "team": "ml",
                "managed_by": "platform-blueprint",
            }
        }
    ]


@env_param
@pytest.mark.parametrize("domain", ["foundation", "lake"])
def test_backend_uses_prefix_env_and_region(synth, env, domain):
    stack_id = f"{env}-aws-{domain}"
    terraform = synth.stack(stack_id)["terraform"]
    assert terraform["backend"] == {
        "s3": {
            "bucket": f"{PREFIX}-{env}-tfstate",
            "key": f"{stack_id}/terraform.tfstate",
            "region": REGION,
            "encrypt": True,
            "use_lockfile": True,
        }
    }
    assert terraform["required_providers"]["aws"]["version"] == "5.100.0"


@env_param
def test_access_log_bucket_name_retention_and_protection(synth, env):
    name = f"{PREFIX}-{env}-logs-access"
    lid, bucket = synth.bucket(_stack_id(env), name)
    assert bucket["force_destroy"] is (not PROTECTED[env])
    assert bool(bucket.get("lifecycle", {}).get("prevent_destroy", False)) is PROTECTED[env]
    lifecycle = synth.attached(_stack_id(env), "aws_s3_bucket_lifecycle_configuration", lid)
    (rule,) = lifecycle["rule"]
    assert rule["expiration"] == [{"days": 90}]


@env_param
def test_access_log_delivery_is_scoped_to_this_prefix_and_environment(synth, env):
    lid, _ = synth.bucket(_stack_id(env), f"{PREFIX}-{env}-logs-access")
    policy = json.loads(synth.attached(_stack_id(env), "aws_s3_bucket_policy", lid)["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert "DenyInsecureTransport" in statements
    (allow,) = [s for s in statements.values() if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert allow["Resource"] == f"arn:aws:s3:::{PREFIX}-{env}-logs-access/*"
    assert allow["Condition"] == {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{PREFIX}-{env}-*"}}


@env_param
def test_secure_defaults_do_not_depend_on_protection(synth, env):
    stack_id = _stack_id(env)
    lid, _ = synth.bucket(stack_id, f"{PREFIX}-{env}-logs-access")
    pab = synth.attached(stack_id, "aws_s3_bucket_public_access_block", lid)
    assert all(
        pab[f] is True
        for f in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    ownership = synth.attached(stack_id, "aws_s3_bucket_ownership_controls", lid)
    assert ownership["rule"]["object_ownership"] == "BucketOwnerEnforced"
    versioning = synth.attached(stack_id, "aws_s3_bucket_versioning", lid)
    assert versioning["versioning_configuration"]["status"] == "Enabled"
    encryption = synth.attached(stack_id, "aws_s3_bucket_server_side_encryption_configuration", lid)
    # SSE-S3: S3 server access log delivery cannot write to SSE-KMS buckets.
    assert encryption["rule"][0]["apply_server_side_encryption_by_default"]["sse_algorithm"] == "AES256"


@env_param
def test_outputs_exist(synth, env):
    outputs = synth.stack(_stack_id(env))["output"]
    # The keys and network the other domains read (tests/modules/foundation/test_aws_network.py checks them).
    network = {"logs_key_arn", "vpc_id", "vpc_cidr", "private_subnet_ids", "s3_prefix_list_id"}
    # plus a key per enabled service domain (none in local, all four in the cloud environments)
    service_keys = {o for o in outputs if o.endswith("_key_arn")} - {"data_key_arn", "logs_key_arn"}
    assert service_keys <= {f"{d}_key_arn" for d in ("warehouse", "streaming", "orchestration", "serving")}
    assert set(outputs) == {"data_key_arn", "data_key_alias", "access_log_bucket", *network, *service_keys}
