"""GCP building blocks with the secure defaults written once: the provider of a stack (project, region,
default labels), `GcpNames` (the deterministic names and resource paths every GCP stack uses to find
the foundation's and the lake's resources, from the spec alone), `gcs_bucket` (every GCS promise in one
place) and `deletion_policy` (the provider's own lock beside `protect`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktn import ITerraformDependable, TerraformStack
from cdktn_provider_google.provider import GoogleProvider
from cdktn_provider_google.storage_bucket import (
    StorageBucket,
    StorageBucketEncryption,
    StorageBucketLifecycleRule,
    StorageBucketLifecycleRuleAction,
    StorageBucketLifecycleRuleCondition,
    StorageBucketLogging,
    StorageBucketVersioning,
)
from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from modules.primitives.vocabulary import (
    LOG_BUCKET_DOMAIN,
    LOG_BUCKET_PURPOSE,
    LifecycleSettings,
    protect,
    resource_tags,
)

# Key purpose -> the domain whose data it protects. `storage` always exists (the log bucket uses it).
KEY_PURPOSES: dict[str, str] = {
    "storage": "foundation",
    "bigquery": "warehouse",
    "kafka": "streaming",
    "composer": "orchestration",
    "vertex": "serving",
}

# Workload service account -> (the domain that needs it, its project-level predefined roles).
# Data access is granted on the data itself (datasets, buckets) by the stack that owns or uses it.
WORKLOADS: dict[str, tuple[str, tuple[str, ...]]] = {
    "warehouse": ("warehouse", ("roles/bigquery.jobUser",)),
    "kafka": ("streaming", ("roles/managedkafka.client",)),
    # Google's minimal role for a Composer environment's service account.
    "composer": ("orchestration", ("roles/composer.worker",)),
    "vertex": ("serving", ("roles/logging.logWriter", "roles/monitoring.metricWriter")),
}


def configure_gcp_stack(stack: TerraformStack, spec: PlatformSpec, namer: Namer) -> GoogleProvider:
    """The google provider of one stack: project, region, default labels (the stack pins its version)."""
    gcp = spec.clouds.require("gcp")
    provider = GoogleProvider(
        stack,
        "google",
        project=gcp.project,
        region=gcp.region,
        default_labels=resource_tags(spec),
        # The provider's own goog-terraform-provisioned label would be one more, unrequested label.
        add_terraform_attribution_label=False,
    )
    return provider


@dataclass(frozen=True)
class GcpNames:
    """Deterministic names and resource paths of one environment's GCP resources, from the spec alone."""

    namer: Namer
    project: str
    region: str

    @classmethod
    def of(cls, spec: PlatformSpec, namer: Namer) -> GcpNames:
        gcp = spec.clouds.require("gcp")
        return cls(namer, gcp.project, gcp.region)

    @property
    def location(self) -> str:
        """GCS / BigQuery location: the region (data stays in one region, like the AWS stacks)."""
        return self.region

    @property
    def network(self) -> str:
        return self.namer.gcp_resource("vpc")

    @property
    def network_path(self) -> str:
        return f"projects/{self.project}/global/networks/{self.network}"

    @property
    def subnet(self) -> str:
        return self.namer.gcp_resource("private", self.region)

    @property
    def subnet_path(self) -> str:
        return f"projects/{self.project}/regions/{self.region}/subnetworks/{self.subnet}"

    @property
    def key_ring(self) -> str:
        return self.namer.gcp_kms("keyring")

    def key(self, purpose: str) -> str:
        assert purpose in KEY_PURPOSES, f"unknown key purpose {purpose!r}"
        return self.namer.gcp_kms(purpose)

    def key_path(self, purpose: str) -> str:
        """`projects/<p>/locations/<region>/keyRings/<ring>/cryptoKeys/<key>`: what CMEK fields take."""
        return (
            f"projects/{self.project}/locations/{self.region}/keyRings/{self.key_ring}"
            f"/cryptoKeys/{self.key(purpose)}"
        )

    def service_account_email(self, workload: str) -> str:
        assert workload in WORKLOADS, f"unknown workload {workload!r}"
        return f"{self.namer.gcp_service_account(workload)}@{self.project}.iam.gserviceaccount.com"

    def service_account_member(self, workload: str) -> str:
        return f"serviceAccount:{self.service_account_email(workload)}"

    @property
    def log_bucket(self) -> str:
        return self.namer.gcs_bucket(LOG_BUCKET_DOMAIN, LOG_BUCKET_PURPOSE)

    def lake_bucket(self, purpose: str) -> str:
        """The lake's buckets: zones (raw, curated, analytics) and `artifacts` (models, DAGs)."""
        return self.namer.gcs_bucket("lake", purpose)


def deletion_policy(protected: bool) -> str:
    """The provider's own lock: with PREVENT a destroy fails in the provider even if a refactoring
    drops the lifecycle block."""
    return "PREVENT" if protected else "DELETE"


def _lifecycle_rules(policy: LifecycleSettings) -> list[StorageBucketLifecycleRule]:
    rule, action, condition = (
        StorageBucketLifecycleRule,
        StorageBucketLifecycleRuleAction,
        StorageBucketLifecycleRuleCondition,
    )
    rules = [
        rule(
            action=action(type="AbortIncompleteMultipartUpload"),
            condition=condition(age=policy.abort_incomplete_upload_days),
        ),
        rule(
            action=action(type="Delete"),
            condition=condition(
                days_since_noncurrent_time=policy.noncurrent_version_expiration_days, with_state="ARCHIVED"
            ),
        ),
    ]
    for days, storage_class, source in (
        (policy.transition_to_ia_days, "NEARLINE", ["STANDARD"]),
        (policy.transition_to_archive_days, "COLDLINE", ["STANDARD", "NEARLINE"]),
    ):
        if days is not None:
            rules.append(
                rule(
                    action=action(type="SetStorageClass", storage_class=storage_class),
                    condition=condition(age=days, matches_storage_class=source, with_state="LIVE"),
                )
            )
    if policy.expiration_days is not None:
        rules.append(
            rule(
                action=action(type="Delete"),
                condition=condition(age=policy.expiration_days, with_state="LIVE"),
            )
        )
    return rules


def gcs_bucket(
    scope: Construct,
    id_: str,
    *,
    name: str,
    names: GcpNames,
    lifecycle: LifecycleSettings,
    protected: bool,
    access_log_bucket: str | None,
    depends_on: Sequence[ITerraformDependable] | None = None,
) -> StorageBucket:
    """A GCS bucket with every secure default: CMEK (the storage key), uniform bucket-level access,
    public access prevention enforced, versioning, lifecycle, usage logs, protection."""
    return StorageBucket(
        scope,
        id_,
        name=name,
        location=names.location.upper(),
        storage_class="STANDARD",
        uniform_bucket_level_access=True,
        public_access_prevention="enforced",
        versioning=StorageBucketVersioning(enabled=True),
        encryption=StorageBucketEncryption(default_kms_key_name=names.key_path("storage")),
        lifecycle_rule=_lifecycle_rules(lifecycle),
        logging=(
            StorageBucketLogging(log_bucket=access_log_bucket, log_object_prefix=f"{name}/")
            if access_log_bucket
            else None
        ),
        force_destroy=not protected,
        depends_on=depends_on,
        lifecycle=protect(protected),
        deletion_policy=deletion_policy(protected),
    )
