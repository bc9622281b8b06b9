"""AWS data lake: zone buckets (raw, curated, analytics) and the artifacts bucket (models, DAGs).

Every bucket is a `SecureBucket` encrypted with the foundation's data key (found by its deterministic
alias, so this stack stands alone) and logging to the foundation's access-log bucket.
"""

from __future__ import annotations

from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from modules.primitives.aws import DATA_KEY_PURPOSE, BucketSettings, SecureBucket
from modules.primitives.vocabulary import (
    ARTIFACTS,
    LOG_BUCKET_DOMAIN,
    LOG_BUCKET_PURPOSE,
    ZONES,
    LifecycleSettings,
    output,
)


class AwsLake(Construct):
    """The lake of one environment. Attributes: `raw`, `curated`, `analytics`, `artifacts` and
    `buckets` (purpose -> `SecureBucket`), for the warehouse, orchestration and serving stacks."""

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        lake = spec.domains.lake
        key_alias = namer.kms_alias(DATA_KEY_PURPOSE)
        log_bucket = namer.s3_bucket(LOG_BUCKET_DOMAIN, LOG_BUCKET_PURPOSE)
        zone_lifecycle = LifecycleSettings(
            abort_incomplete_upload_days=lake.abort_incomplete_upload_days,
            noncurrent_version_expiration_days=lake.noncurrent_version_expiration_days,
            transition_to_ia_days=lake.transition_to_ia_days,
            transition_to_archive_days=lake.transition_to_archive_days,
        )
        # Artifacts (models, DAGs) are read often: no tiering, the same retention of old versions.
        artifacts_lifecycle = LifecycleSettings(
            abort_incomplete_upload_days=lake.abort_incomplete_upload_days,
            noncurrent_version_expiration_days=lake.noncurrent_version_expiration_days,
        )
        self.buckets: dict[str, SecureBucket] = {}
        for purpose in (*ZONES, ARTIFACTS):
            name = namer.s3_bucket("lake", purpose)
            self.buckets[purpose] = SecureBucket(
                self,
                purpose,
                BucketSettings(
                    name=name,
                    kms_key_alias=key_alias,
                    protected=spec.protection.stateful,
                    lifecycle=artifacts_lifecycle if purpose == ARTIFACTS else zone_lifecycle,
                    access_log_bucket=log_bucket,
                ),
            )
            output(self, f"{purpose}_bucket", self.buckets[purpose].bucket.bucket)
            output(self, f"{purpose}_bucket_arn", self.buckets[purpose].bucket.arn)
        self.raw = self.buckets["raw"]
        self.curated = self.buckets["curated"]
        self.analytics = self.buckets["analytics"]
        self.artifacts = self.buckets[ARTIFACTS]
