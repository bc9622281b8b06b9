"""AWS foundation: the provider with default tags, the customer-managed keys, the access-log bucket and
the private network (modules/foundation/aws_network.py).

Also home of `SecureBucket`, the one place where the secure S3 bucket defaults live; the lake and
later domains build their buckets from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cdktn import TerraformOutput, TerraformResourceLifecycle, TerraformStack, TerraformVariable
from cdktn_provider_aws.kms_alias import KmsAlias
from cdktn_provider_aws.kms_key import KmsKey
from cdktn_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from cdktn_provider_aws.s3_bucket import S3Bucket
from cdktn_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketLifecycleConfigurationRuleTransition,
)
from cdktn_provider_aws.s3_bucket_logging import S3BucketLoggingA
from cdktn_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktn_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktn_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktn_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktn_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from constructs import Construct

from blueprint.naming import Namer, aws_partition, input_variable
from blueprint.spec import PlatformSpec
from modules.foundation.aws_network import AwsNetwork

DATA_KEY_PURPOSE = "data"
LOG_BUCKET_DOMAIN, LOG_BUCKET_PURPOSE = "logs", "access"


def configure_aws_stack(stack: TerraformStack, spec: PlatformSpec, namer: Namer) -> AwsProvider:
    """The AWS provider of one stack: region, account guard, default tags (the stack pins its version)."""
    aws = spec.clouds.aws
    assert aws is not None, "configure_aws_stack called for an environment without AWS"
    provider = AwsProvider(
        stack,
        "aws",
        region=aws.region,
        allowed_account_ids=[aws.account_id] if aws.account_id else None,
        default_tags=[
            AwsProviderDefaultTags(tags={**spec.tags.as_dict(), "managed_by": "platform-blueprint"})
        ],
    )
    return provider


@dataclass(frozen=True)
class LifecyclePolicy:
    """Lifecycle of a bucket's objects; `None` disables a rule."""

    abort_incomplete_upload_days: int = 7
    noncurrent_version_expiration_days: int = 90
    transition_to_ia_days: int | None = None
    transition_to_archive_days: int | None = None
    expiration_days: int | None = None


@dataclass(frozen=True)
class BucketSettings:
    """Everything that varies between the project's buckets. Defaults are the secure ones."""

    name: str
    kms_key_alias: str | None  # None -> SSE-S3; only for log buckets, which S3 log delivery requires
    lifecycle: LifecyclePolicy
    protected: bool = True
    access_log_bucket: str | None = None  # None only for the access-log bucket itself
    extra_statements: list[dict[str, Any]] = field(default_factory=list)


class SecureBucket(Construct):
    """An S3 bucket with every secure default: encryption, versioning, no public access, TLS only,
    bucket-owner-enforced ownership, lifecycle and access logging.

    Attributes are the created resources, so callers never dig through children.
    """

    def __init__(self, scope: Construct, id_: str, settings: BucketSettings) -> None:
        super().__init__(scope, id_)
        self.settings = settings
        self.bucket = S3Bucket(
            self,
            "bucket",
            bucket=settings.name,
            force_destroy=not settings.protected,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=settings.protected),
        )
        self.ownership = S3BucketOwnershipControls(
            self,
            "ownership",
            bucket=self.bucket.id,
            rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        )
        self.public_access_block = S3BucketPublicAccessBlock(
            self,
            "public_access_block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        self.versioning = S3BucketVersioningA(
            self,
            "versioning",
            bucket=self.bucket.id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        kms = settings.kms_key_alias is not None
        self.encryption = S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                        sse_algorithm="aws:kms" if kms else "AES256",
                        kms_master_key_id=settings.kms_key_alias,
                    ),
                    bucket_key_enabled=True if kms else None,
                )
            ],
        )
        self.policy = S3BucketPolicy(
            self,
            "policy",
            bucket=self.bucket.id,
            policy=json.dumps(self._policy_document(kms)),
            depends_on=[self.public_access_block],
        )
        self.lifecycle = S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=self.bucket.id,
            rule=self._lifecycle_rules(settings.lifecycle),
            depends_on=[self.versioning],
        )
        self.logging: S3BucketLoggingA | None = None
        if settings.access_log_bucket is not None:
            self.logging = S3BucketLoggingA(
                self,
                "logging",
                bucket=self.bucket.id,
                target_bucket=settings.access_log_bucket,
                target_prefix=f"{settings.name}/",
            )

    def _policy_document(self, kms: bool) -> dict[str, Any]:
        arn, objects = self.bucket.arn, f"{self.bucket.arn}/*"
        statements: list[dict[str, Any]] = [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, objects],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "DenyOutdatedTLS",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, objects],
                "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
            },
        ]
        if kms:
            # A put may omit the header (the bucket default applies SSE-KMS) but may not ask for less.
            statements.append(
                {
                    "Sid": "DenyUnencryptedObjectUploads",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Resource": objects,
                    "Condition": {
                        "Null": {"s3:x-amz-server-side-encryption": "false"},
                        "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
                    },
                }
            )
        statements.extend(self.settings.extra_statements)
        return {"Version": "2012-10-17", "Statement": statements}

    @staticmethod
    def _lifecycle_rules(policy: LifecyclePolicy) -> list[S3BucketLifecycleConfigurationRule]:
        transitions = [
            S3BucketLifecycleConfigurationRuleTransition(days=days, storage_class=cls)
            for days, cls in (
                (policy.transition_to_ia_days, "STANDARD_IA"),
                (policy.transition_to_archive_days, "GLACIER_IR"),
            )
            if days is not None
        ]
        return [
            S3BucketLifecycleConfigurationRule(
                id="baseline",
                status="Enabled",
                filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                abort_incomplete_multipart_upload=[
                    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                        days_after_initiation=policy.abort_incomplete_upload_days
                    )
                ],
                noncurrent_version_expiration=[
                    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                        noncurrent_days=policy.noncurrent_version_expiration_days
                    )
                ],
                transition=transitions or None,
                expiration=(
                    [S3BucketLifecycleConfigurationRuleExpiration(days=policy.expiration_days)]
                    if policy.expiration_days
                    else None
                ),
            )
        ]


# Customer-managed keys besides the data key, one per purpose: `logs` always (flow logs, broker logs),
# and one per enabled domain among these, output as `<purpose>_key_arn` for that domain's stack.
LOGS_KEY_PURPOSE = "logs"
DOMAIN_KEY_PURPOSES = ("warehouse", "streaming", "orchestration", "serving")
# Keys whose policy lets CloudWatch Logs use them: MWAA writes its log groups with its environment key.
LOGS_SERVICE_KEYS = (LOGS_KEY_PURPOSE, "orchestration")


def key_purposes(spec: PlatformSpec) -> list[str]:
    """The per-purpose keys (besides `data`) the foundation makes for this spec."""
    enabled = set(spec.domains.enabled())
    if not spec.domains.warehouse.redshift:
        enabled.discard("warehouse")  # the warehouse key encrypts Redshift only
    if spec.domains.streaming.mode == "serverless":
        enabled.discard("streaming")  # MSK Serverless encrypts at rest with its own key; it takes no CMK
    return [LOGS_KEY_PURPOSE, *(p for p in DOMAIN_KEY_PURPOSES if p in enabled)]


class AwsFoundation(Construct):
    """The environment's base: customer-managed keys (data, logs and one per enabled domain; rotation,
    aliases), the access-log bucket and the private network (`AwsNetwork`).

    Attributes: `data_key`, `data_key_alias`, `keys` (purpose -> KmsKey, `data` included),
    `access_logs` (a `SecureBucket`), `network`.
    """

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        settings = spec.domains.foundation
        protected = spec.protection.stateful
        assert spec.clouds.aws is not None
        region = spec.clouds.aws.region
        partition = aws_partition(region)
        self.data_key = KmsKey(
            self,
            "data_key",
            description=f"{namer.base(DATA_KEY_PURPOSE)}: data at rest of the {spec.name} platform",
            enable_key_rotation=True,
            deletion_window_in_days=settings.key_deletion_window_days,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=protected),
        )
        self.data_key_alias = KmsAlias(
            self, "data_key_alias", name=namer.kms_alias(DATA_KEY_PURPOSE), target_key_id=self.data_key.key_id
        )
        self.keys: dict[str, KmsKey] = {DATA_KEY_PURPOSE: self.data_key}

        self.network = AwsNetwork(self, "network", spec=spec, namer=namer)
        # The account id without a data source: the VPC's owner (known after it exists).
        account = self.network.vpc.owner_id
        for purpose in key_purposes(spec):
            statements: list[dict[str, Any]] = [
                {
                    "Sid": "AccountAdministersThroughIam",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ]
            if purpose in LOGS_SERVICE_KEYS:
                statements.append(
                    {
                        "Sid": "CloudWatchLogsEncryptsThisAccountsLogGroups",
                        "Effect": "Allow",
                        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                        "Action": [
                            "kms:Encrypt*",
                            "kms:Decrypt*",
                            "kms:ReEncrypt*",
                            "kms:GenerateDataKey*",
                            "kms:Describe*",
                        ],
                        "Resource": "*",
                        "Condition": {
                            "ArnLike": {
                                "kms:EncryptionContext:aws:logs:arn": (
                                    f"arn:{partition}:logs:{region}:{account}:log-group:*"
                                )
                            }
                        },
                    }
                )
            key = KmsKey(
                self,
                f"{purpose}_key",
                description=f"{namer.base(purpose)}: {purpose} of the {spec.name} platform",
                enable_key_rotation=True,
                deletion_window_in_days=settings.key_deletion_window_days,
                policy=json.dumps({"Version": "2012-10-17", "Statement": statements}),
                lifecycle=TerraformResourceLifecycle(prevent_destroy=protected),
            )
            KmsAlias(self, f"{purpose}_key_alias", name=namer.kms_alias(purpose), target_key_id=key.key_id)
            self.keys[purpose] = key
        self.network.add_flow_logs(spec, namer, self.keys[LOGS_KEY_PURPOSE].arn)

        log_bucket = namer.s3_bucket(LOG_BUCKET_DOMAIN, LOG_BUCKET_PURPOSE)
        self.access_logs = SecureBucket(
            self,
            "access_logs",
            BucketSettings(
                name=log_bucket,
                kms_key_alias=None,  # S3 server access logging delivers only to SSE-S3 buckets
                protected=protected,
                lifecycle=LifecyclePolicy(
                    noncurrent_version_expiration_days=7,
                    expiration_days=spec.domains.lake.access_log_retention_days,
                ),
                extra_statements=[
                    {
                        "Sid": "AllowS3ServerAccessLogDelivery",
                        "Effect": "Allow",
                        "Principal": {"Service": "logging.s3.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"arn:{partition}:s3:::{log_bucket}/*",
                        "Condition": {"ArnLike": {"aws:SourceArn": f"arn:{partition}:s3:::{namer.base()}-*"}},
                    }
                ],
            ),
        )
        output(self, "data_key_arn", self.data_key.arn)
        output(self, "data_key_alias", self.data_key_alias.name)
        output(self, "access_log_bucket", self.access_logs.bucket.bucket)
        for purpose in key_purposes(spec):
            output(self, f"{purpose}_key_arn", self.keys[purpose].arn)
        output(self, "vpc_id", self.network.vpc.id)
        output(self, "vpc_cidr", self.network.vpc.cidr_block)
        output(self, "private_subnet_ids", [s.id for s in self.network.private_subnets])
        output(self, "s3_prefix_list_id", self.network.s3_endpoint.prefix_list_id)


def output(scope: Construct, name: str, value: Any) -> TerraformOutput:
    """A stack output with a stable, readable name (no construct-path hash)."""
    out = TerraformOutput(scope, f"output_{name}", value=value)
    out.override_logical_id(name)
    return out


def input_from(scope: Construct, domain: str, output_name: str, *, list_of_strings: bool = False) -> Any:
    """The value of another stack's output, as an explicit input of this stack (no remote state, no
    data source: every stack still plans alone). Returns a token for a string or a list of strings."""
    var = TerraformVariable(
        scope,
        input_variable(domain, output_name),
        type="list(string)" if list_of_strings else "string",
        description=f"output {output_name} of this environment's {domain} stack (filled by blueprint)",
        nullable=False,
    )
    var.override_logical_id(input_variable(domain, output_name))
    return var.list_value if list_of_strings else var.string_value
