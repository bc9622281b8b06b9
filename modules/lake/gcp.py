"""GCP data lake: zone buckets (raw, curated, analytics) and the artifacts bucket (models, DAGs).

Every bucket is a `gcs_bucket`: encrypted with the foundation's storage key (found by its
deterministic path, so this stack stands alone), uniform bucket-level access, public access
prevention enforced, versioned, logging to the foundation's access-log bucket.
"""

from __future__ import annotations

from cdktn_provider_google.storage_bucket import StorageBucket
from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from modules.primitives.gcp import GcpNames, gcs_bucket
from modules.primitives.vocabulary import ARTIFACTS, ZONES, LifecycleSettings, output


class GcpLake(Construct):
    """The lake of one environment on GCS. Attributes: `raw`, `curated`, `analytics`, `artifacts` and
    `buckets` (purpose -> `StorageBucket`)."""

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        names = GcpNames.of(spec, namer)
        lake = spec.domains.lake
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
        self.buckets: dict[str, StorageBucket] = {}
        for purpose in (*ZONES, ARTIFACTS):
            self.buckets[purpose] = gcs_bucket(
                self,
                purpose,
                name=names.lake_bucket(purpose),
                names=names,
                lifecycle=artifacts_lifecycle if purpose == ARTIFACTS else zone_lifecycle,
                protected=spec.protection.stateful,
                access_log_bucket=names.log_bucket,
            )
            output(self, f"{purpose}_bucket", self.buckets[purpose].name)
            output(self, f"{purpose}_bucket_url", self.buckets[purpose].url)
        self.raw = self.buckets["raw"]
        self.curated = self.buckets["curated"]
        self.analytics = self.buckets["analytics"]
        self.artifacts = self.buckets[ARTIFACTS]
