"""AWS foundation: the customer-managed keys, the access-log bucket (a `SecureBucket` of
modules/primitives/aws.py) and the private network (modules/foundation/aws_network.py)."""

from __future__ import annotations

import json
from typing import Any

from cdktn_provider_aws.kms_alias import KmsAlias
from cdktn_provider_aws.kms_key import KmsKey
from constructs import Construct

from blueprint.naming import Namer, aws_partition
from blueprint.spec import PlatformSpec
from modules.foundation.aws_network import AwsNetwork
from modules.primitives.aws import DATA_KEY_PURPOSE, BucketSettings, SecureBucket
from modules.primitives.vocabulary import (
    LOG_BUCKET_DOMAIN,
    LOG_BUCKET_PURPOSE,
    LifecycleSettings,
    output,
    protect,
)

# Customer-managed keys besides the data key, one per purpose: `logs` always (flow logs, broker logs),
# and one per enabled domain among these, output as `<purpose>_key_arn` for that domain's stack.
LOGS_KEY_PURPOSE = "logs"
DOMAIN_KEY_PURPOSES = ("warehouse", "streaming", "orchestration", "serving")
# Keys whose policy lets CloudWatch Logs use them: MWAA writes its log groups with its environment key.
LOGS_SERVICE_KEYS = (LOGS_KEY_PURPOSE, "orchestration")


def key_purposes(spec: PlatformSpec) -> list[str]:
    """The per-purpose keys (besides `data`) the foundation makes for this spec."""
    enabled = set(spec.domains.enabled())
    if not spec.domains.warehouse.aws.redshift:
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
        region = spec.clouds.require("aws").region
        partition = aws_partition(region)
        self.data_key = KmsKey(
            self,
            "data_key",
            description=f"{namer.base(DATA_KEY_PURPOSE)}: data at rest of the {spec.name} platform",
            enable_key_rotation=True,
            deletion_window_in_days=settings.key_deletion_window_days,
            lifecycle=protect(protected),
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
                lifecycle=protect(protected),
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
                lifecycle=LifecycleSettings(
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
