"""AWS building blocks with the secure defaults written once: the provider of a stack (region, account
guard, default tags), `SecureBucket` (every S3 promise in one place), `IamRole` (a service role with
named resources only) and `PrivateSecurityGroup` (rules as separate, described resources)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cdktn import TerraformResourceLifecycle, TerraformStack
from cdktn_provider_aws.iam_role import IamRole as IamRoleResource
from cdktn_provider_aws.iam_role_policy import IamRolePolicy
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
from cdktn_provider_aws.security_group import SecurityGroup
from cdktn_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktn_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from modules.primitives.policies import policy_json, s3_encrypted_uploads_statement, s3_transport_statements
from modules.primitives.vocabulary import LifecycleSettings, protect, resource_tags

HTTPS = 443
DATA_KEY_PURPOSE = "data"  # the key of the lake's data, alias alias/<prefix>-<env>-data
# Log groups keep a year: the CIS/checkov baseline for audit logs (no spec field yet).
LOG_RETENTION_DAYS = 365
PREFIX_LIST = "prefix_list:"


def configure_aws_stack(stack: TerraformStack, spec: PlatformSpec, namer: Namer) -> AwsProvider:
    """The AWS provider of one stack: region, account guard, default tags (the stack pins its version)."""
    aws = spec.clouds.require("aws")
    provider = AwsProvider(
        stack,
        "aws",
        region=aws.region,
        allowed_account_ids=[aws.account_id] if aws.account_id else None,
        default_tags=[AwsProviderDefaultTags(tags=resource_tags(spec))],
    )
    return provider


@dataclass(frozen=True)
class BucketSettings:
    """Everything that varies between the project's buckets. Defaults are the secure ones."""

    name: str
    kms_key_alias: str | None  # None -> SSE-S3; only for log buckets, which S3 log delivery requires
    lifecycle: LifecycleSettings
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
            lifecycle=protect(settings.protected),
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
        arn = self.bucket.arn
        statements = s3_transport_statements(arn)
        if kms:
            statements.append(s3_encrypted_uploads_statement(arn))
        statements.extend(self.settings.extra_statements)
        return {"Version": "2012-10-17", "Statement": statements}

    @staticmethod
    def _lifecycle_rules(policy: LifecycleSettings) -> list[S3BucketLifecycleConfigurationRule]:
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


class IamRole(Construct):
    """A role assumable by `services`, with one inline policy of `statements` (named resources only).

    Attributes: `role`, `policy`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        services: list[str],
        statements: list[dict[str, Any]],
        description: str,
        trust_condition: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id_)
        trust: dict[str, Any] = {
            "Sid": "TrustedServices",
            "Effect": "Allow",
            "Principal": {"Service": services if len(services) > 1 else services[0]},
            "Action": "sts:AssumeRole",
        }
        if trust_condition:
            trust["Condition"] = trust_condition
        self.role = IamRoleResource(
            self, "role", name=name, description=description, assume_role_policy=policy_json(trust)
        )
        self.policy = IamRolePolicy(
            self, "policy", name=f"{name}-access", role=self.role.id, policy=policy_json(*statements)
        )


class PrivateSecurityGroup(Construct):
    """A security group with no inline rules; its rules are separate resources with descriptions.

    `ingress`/`egress` entries: (description, protocol, port or None for all, source), where source is a
    CIDR, a prefix list id (`pl-...` or a token marked `prefix_list:`), or "self".
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        description: str,
        vpc_id: str,
        ingress: list[tuple[str, str, int | None, str]],
        egress: list[tuple[str, str, int | None, str]],
    ) -> None:
        super().__init__(scope, id_)
        self.group = SecurityGroup(
            self,
            "group",
            name=name,
            description=description,
            vpc_id=vpc_id,
            revoke_rules_on_delete=True,
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        for i, rule in enumerate(ingress):
            VpcSecurityGroupIngressRule(self, f"ingress_{i}", **self._rule(rule))
        for i, rule in enumerate(egress):
            VpcSecurityGroupEgressRule(self, f"egress_{i}", **self._rule(rule))

    def _rule(self, rule: tuple[str, str, int | None, str]) -> dict[str, Any]:
        description, protocol, port, source = rule
        args: dict[str, Any] = {
            "security_group_id": self.group.id,
            "description": description,
            "ip_protocol": protocol,
        }
        if port is not None:
            args.update(from_port=port, to_port=port)
        if source == "self":
            args["referenced_security_group_id"] = self.group.id
        elif source.startswith(PREFIX_LIST):
            args["prefix_list_id"] = source[len(PREFIX_LIST) :]
        else:
            args["cidr_ipv4"] = source
        return args


PREFIX_LIST = "prefix_list:"
