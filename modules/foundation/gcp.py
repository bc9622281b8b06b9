"""GCP foundation: the provider with default labels, the private network, Cloud KMS keys per purpose, a
service account per workload, the grants letting Google's service agents use the keys (CMEK), the
project's TLS and audit-log guards, and the access-log bucket.

Also home of `GcpNames`, the deterministic names and paths every GCP stack uses to find the
foundation's (and the lake's) resources, and of `gcs_bucket`, the one place where the secure GCS
bucket defaults live. Other stacks never read this stack's state or use data sources: they rebuild
the same names from the spec.

The one data source here reads this project's *number* (`google_project`): Google names its service
agents by project number (`service-<number>@gs-project-accounts...`), the spec carries the project id
only. It reads the project, not another stack.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cdktn import ITerraformDependable, TerraformOutput, TerraformResourceLifecycle, TerraformStack
from cdktn_provider_google.compute_firewall import (
    ComputeFirewall,
    ComputeFirewallDeny,
    ComputeFirewallLogConfig,
)
from cdktn_provider_google.compute_network import ComputeNetwork
from cdktn_provider_google.compute_router import ComputeRouter
from cdktn_provider_google.compute_router_nat import (
    ComputeRouterNat,
    ComputeRouterNatLogConfig,
    ComputeRouterNatSubnetwork,
)
from cdktn_provider_google.compute_subnetwork import ComputeSubnetwork, ComputeSubnetworkLogConfig
from cdktn_provider_google.data_google_project import DataGoogleProject
from cdktn_provider_google.kms_crypto_key import KmsCryptoKey
from cdktn_provider_google.kms_crypto_key_iam_member import KmsCryptoKeyIamMember
from cdktn_provider_google.kms_key_ring import KmsKeyRing
from cdktn_provider_google.org_policy_policy import (
    OrgPolicyPolicy,
    OrgPolicyPolicySpec,
    OrgPolicyPolicySpecRules,
    OrgPolicyPolicySpecRulesValues,
)
from cdktn_provider_google.project_iam_audit_config import (
    ProjectIamAuditConfig,
    ProjectIamAuditConfigAuditLogConfig,
)
from cdktn_provider_google.project_iam_member import ProjectIamMember
from cdktn_provider_google.project_service import ProjectService
from cdktn_provider_google.provider import GoogleProvider
from cdktn_provider_google.service_account import ServiceAccount
from cdktn_provider_google.service_account_iam_member import ServiceAccountIamMember
from cdktn_provider_google.storage_bucket import (
    StorageBucket,
    StorageBucketEncryption,
    StorageBucketLifecycleRule,
    StorageBucketLifecycleRuleAction,
    StorageBucketLifecycleRuleCondition,
    StorageBucketLogging,
    StorageBucketVersioning,
)
from cdktn_provider_google.storage_bucket_iam_member import StorageBucketIamMember
from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec

MANAGED_BY = "platform-blueprint"
LOG_BUCKET_DOMAIN, LOG_BUCKET_PURPOSE = "logs", "access"
ARTIFACTS = "artifacts"
# 90 days: the longest rotation CIS GCP 1.10 accepts.
KEY_ROTATION_PERIOD = f"{90 * 24 * 3600}s"
KEY_DESTROY_SCHEDULED = f"{30 * 24 * 3600}s"

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

# APIs each domain needs; enabled here (never disabled on destroy: other tenants may use them).
SERVICES: dict[str, tuple[str, ...]] = {
    "foundation": (
        "compute.googleapis.com",
        "cloudkms.googleapis.com",
        "storage.googleapis.com",
        "iam.googleapis.com",
        "orgpolicy.googleapis.com",
    ),
    "lake": (),
    "warehouse": ("bigquery.googleapis.com",),
    "streaming": ("managedkafka.googleapis.com",),
    "orchestration": ("composer.googleapis.com", "artifactregistry.googleapis.com", "pubsub.googleapis.com"),
    "serving": ("aiplatform.googleapis.com",),
}

# Data Access audit logs (the GCP counterpart of S3 access logs for every other data store).
AUDITED: dict[str, tuple[str, ...]] = {
    "foundation": ("storage.googleapis.com", "cloudkms.googleapis.com"),
    "warehouse": ("bigquery.googleapis.com",),
    "streaming": ("managedkafka.googleapis.com",),
    "orchestration": ("composer.googleapis.com",),
    "serving": ("aiplatform.googleapis.com",),
}


def service_agents(number: str) -> dict[str, tuple[str, ...]]:
    """Key purpose -> the Google service agents that encrypt with it (emails, by project number)."""
    gcs = f"service-{number}@gs-project-accounts.iam.gserviceaccount.com"
    return {
        "storage": (gcs,),
        "bigquery": (f"bq-{number}@bigquery-encryption.iam.gserviceaccount.com",),
        "kafka": (f"service-{number}@gcp-sa-managedkafka.iam.gserviceaccount.com",),
        # Composer 3 CMEK: its agent and the agents of the services it runs on.
        "composer": (
            f"service-{number}@cloudcomposer-accounts.iam.gserviceaccount.com",
            f"service-{number}@container-engine-robot.iam.gserviceaccount.com",
            f"service-{number}@gcp-sa-artifactregistry.iam.gserviceaccount.com",
            f"service-{number}@gcp-sa-pubsub.iam.gserviceaccount.com",
            f"service-{number}@compute-system.iam.gserviceaccount.com",
            gcs,
        ),
        "vertex": (f"service-{number}@gcp-sa-aiplatform.iam.gserviceaccount.com",),
    }


@dataclass(frozen=True)
class GcpNames:
    """Deterministic names and resource paths of one environment's GCP resources, from the spec alone."""

    namer: Namer
    project: str
    region: str

    @classmethod
    def of(cls, spec: PlatformSpec, namer: Namer) -> GcpNames:
        gcp = spec.clouds.gcp
        assert gcp is not None, "GCP module used for an environment without GCP"
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


def output(scope: Construct, name: str, value: Any) -> TerraformOutput:
    """A stack output with a stable, readable name (no construct-path hash). The AWS module has the
    same helper; importing it would load the AWS provider binding."""
    out = TerraformOutput(scope, f"output_{name}", value=value)
    out.override_logical_id(name)
    return out


def private_subnet_cidr(cidr: str) -> str:
    """The private subnet: the first half of the environment's range (the rest stays free for
    secondary ranges and later subnets)."""
    net = ipaddress.IPv4Network(cidr)
    return str(next(net.subnets(prefixlen_diff=1)))


def keep(protected: bool) -> TerraformResourceLifecycle:
    """prevent_destroy of a stateful resource (with `deletion_policy`, its two locks)."""
    return TerraformResourceLifecycle(prevent_destroy=protected)


def deletion_policy(protected: bool) -> str:
    """The provider's own lock: with PREVENT a destroy fails in the provider even if a refactoring
    drops the lifecycle block."""
    return "PREVENT" if protected else "DELETE"


def configure_gcp_stack(stack: TerraformStack, spec: PlatformSpec, namer: Namer) -> GoogleProvider:
    """The google provider of one stack: project, region, default labels (the stack pins its version)."""
    gcp = spec.clouds.gcp
    assert gcp is not None, "configure_gcp_stack called for an environment without GCP"
    provider = GoogleProvider(
        stack,
        "google",
        project=gcp.project,
        region=gcp.region,
        default_labels={**spec.tags.as_dict(), "managed_by": MANAGED_BY},
        # The provider's own goog-terraform-provisioned label would be one more, unrequested label.
        add_terraform_attribution_label=False,
    )
    return provider


@dataclass(frozen=True)
class GcsLifecycle:
    """Lifecycle of a bucket's objects; `None` disables a rule."""

    abort_incomplete_upload_days: int = 7
    noncurrent_version_expiration_days: int = 90
    transition_to_ia_days: int | None = None  # -> NEARLINE
    transition_to_archive_days: int | None = None  # -> COLDLINE (millisecond reads, like GLACIER_IR)
    expiration_days: int | None = None


def _lifecycle_rules(policy: GcsLifecycle) -> list[StorageBucketLifecycleRule]:
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
    lifecycle: GcsLifecycle,
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
        lifecycle=keep(protected),
        deletion_policy=deletion_policy(protected),
    )


class GcpFoundation(Construct):
    """Network, keys, workload identities and the access-log bucket of one environment on GCP.

    Attributes: `network`, `subnet`, `router`/`nat` (None without `nat_gateway`), `key_ring`, `keys`
    (purpose -> key), `key_grants_by_purpose` (purpose -> the agents' grants), `service_accounts`
    (workload -> account), `access_logs` (the log bucket).
    """

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        names = GcpNames.of(spec, namer)
        settings = spec.domains.foundation
        protected = spec.protection.stateful
        enabled = {"foundation", *spec.domains.enabled()}

        self.services = [
            ProjectService(self, f"api_{svc.split('.')[0]}", service=svc, disable_on_destroy=False)
            for domain in SERVICES
            if domain in enabled
            for svc in SERVICES[domain]
        ]
        project = DataGoogleProject(self, "project", project_id=names.project)

        # --- network: one regional private subnet (GCP subnets span every zone of the region)
        self.network = ComputeNetwork(
            self,
            "network",
            name=names.network,
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            depends_on=self.services,
        )
        self.subnet = ComputeSubnetwork(
            self,
            "private_subnet",
            name=names.subnet,
            network=self.network.id,
            region=names.region,
            ip_cidr_range=private_subnet_cidr(settings.cidr),
            private_ip_google_access=True,
            log_config=ComputeSubnetworkLogConfig(
                aggregation_interval="INTERVAL_5_SEC", flow_sampling=0.5, metadata="INCLUDE_ALL_METADATA"
            ),
        )
        # Explicit, logged deny of all ingress (the implied rule is the same, but unlogged and invisible).
        self.deny_ingress = ComputeFirewall(
            self,
            "deny_all_ingress",
            name=namer.gcp_resource("deny-all-ingress"),
            network=self.network.id,
            direction="INGRESS",
            priority=65534,
            source_ranges=["0.0.0.0/0"],
            deny=[ComputeFirewallDeny(protocol="all")],
            log_config=ComputeFirewallLogConfig(metadata="INCLUDE_ALL_METADATA"),
        )
        self.router: ComputeRouter | None = None
        self.nat: ComputeRouterNat | None = None
        if settings.nat_gateway:
            self.router = ComputeRouter(
                self,
                "router",
                name=namer.gcp_resource("router"),
                network=self.network.id,
                region=names.region,
            )
            self.nat = ComputeRouterNat(
                self,
                "nat",
                name=namer.gcp_resource("nat"),
                router=self.router.name,
                region=names.region,
                nat_ip_allocate_option="AUTO_ONLY",
                source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
                subnetwork=[
                    ComputeRouterNatSubnetwork(name=self.subnet.id, source_ip_ranges_to_nat=["ALL_IP_RANGES"])
                ],
                log_config=ComputeRouterNatLogConfig(enable=True, filter="ERRORS_ONLY"),
            )

        # --- keys: one per purpose of an enabled domain, in the region of the data
        self.key_ring = KmsKeyRing(
            self, "key_ring", name=names.key_ring, location=names.region, depends_on=self.services
        )
        agents = service_agents(project.number)
        self.keys: dict[str, KmsCryptoKey] = {}
        self.key_grants_by_purpose: dict[str, list[KmsCryptoKeyIamMember]] = {}
        for purpose, domain in KEY_PURPOSES.items():
            if domain not in enabled:
                continue
            key = KmsCryptoKey(
                self,
                f"key_{purpose}",
                name=names.key(purpose),
                key_ring=self.key_ring.id,
                purpose="ENCRYPT_DECRYPT",
                rotation_period=KEY_ROTATION_PERIOD,
                destroy_scheduled_duration=KEY_DESTROY_SCHEDULED,
                lifecycle=keep(protected),
                deletion_policy=deletion_policy(protected),
            )
            self.keys[purpose] = key
            grants = self.key_grants_by_purpose.setdefault(purpose, [])
            for i, agent in enumerate(agents[purpose]):
                grants.append(
                    KmsCryptoKeyIamMember(
                        self,
                        f"key_{purpose}_agent_{i}",
                        crypto_key_id=key.id,
                        role="roles/cloudkms.cryptoKeyEncrypterDecrypter",
                        member=f"serviceAccount:{agent}",
                    )
                )
            output(self, f"{purpose}_key", key.id)

        # --- workload identities: least-privilege predefined roles, never owner/editor
        self.service_accounts: dict[str, ServiceAccount] = {}
        for workload, (domain, roles) in WORKLOADS.items():
            if domain not in enabled:
                continue
            account = ServiceAccount(
                self,
                f"sa_{workload}",
                account_id=namer.gcp_service_account(workload),
                display_name=f"{namer.base(workload)}: {domain} workload of {spec.name}",
            )
            self.service_accounts[workload] = account
            for role in roles:
                ProjectIamMember(
                    self,
                    f"sa_{workload}_{role.split('/')[-1].replace('.', '_')}",
                    project=names.project,
                    role=role,
                    member=account.member,
                )
            output(self, f"{workload}_service_account", account.email)
        if "composer" in self.service_accounts:
            # Composer 2/3: its service agent manages the environment's resources as this account.
            ServiceAccountIamMember(
                self,
                "sa_composer_agent",
                service_account_id=self.service_accounts["composer"].name,
                role="roles/composer.ServiceAgentV2Ext",
                member=f"serviceAccount:service-{project.number}@cloudcomposer-accounts.iam.gserviceaccount.com",
            )

        # --- project guards: TLS >= 1.2 on Google APIs, Data Access audit logs on the data services
        self.tls_policy = OrgPolicyPolicy(
            self,
            "tls_policy",
            name=f"projects/{names.project}/policies/gcp.restrictTLSVersion",
            parent=f"projects/{names.project}",
            spec=OrgPolicyPolicySpec(
                rules=[
                    OrgPolicyPolicySpecRules(
                        values=OrgPolicyPolicySpecRulesValues(
                            denied_values=["TLS_VERSION_1", "TLS_VERSION_1_1"]
                        )
                    )
                ]
            ),
            depends_on=self.services,
        )
        for domain, audited in AUDITED.items():
            if domain not in enabled:
                continue
            for svc in audited:
                ProjectIamAuditConfig(
                    self,
                    f"audit_{svc.split('.')[0]}",
                    project=names.project,
                    service=svc,
                    audit_log_config=[
                        ProjectIamAuditConfigAuditLogConfig(log_type=t)
                        for t in ("ADMIN_READ", "DATA_READ", "DATA_WRITE")
                    ],
                )

        # --- the access-log bucket (GCS usage and storage logs of every other bucket)
        self.access_logs = gcs_bucket(
            self,
            "access_logs",
            name=names.log_bucket,
            names=names,
            lifecycle=GcsLifecycle(
                noncurrent_version_expiration_days=7,
                expiration_days=spec.domains.lake.access_log_retention_days,
            ),
            protected=protected,
            access_log_bucket=None,  # it is the target of every other bucket's logs
            # The GCS agent must be allowed to use the storage key before the bucket is created.
            depends_on=self.key_grants_by_purpose["storage"],
        )
        # GCS writes usage logs as this Google group (the documented log-delivery identity).
        StorageBucketIamMember(
            self,
            "access_logs_delivery",
            bucket=self.access_logs.name,
            role="roles/storage.objectCreator",
            member="group:cloud-storage-analytics@google.com",
        )
        output(self, "network", names.network_path)
        output(self, "private_subnet", names.subnet_path)
        output(self, "key_ring", self.key_ring.id)
        output(self, "access_log_bucket", self.access_logs.name)
