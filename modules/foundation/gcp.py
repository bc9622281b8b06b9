"""GCP foundation: the provider with default labels, the private network, Cloud KMS keys per purpose, a
service account per workload, the grants letting Google's service agents use the keys (CMEK), the
project's TLS and audit-log guards, and the access-log bucket.

Other stacks never read this stack's state or use data sources: they rebuild the same names from the
spec (`GcpNames` of modules/primitives/gcp.py, where `gcs_bucket` keeps the secure GCS defaults).

The one data source here reads this project's *number* (`google_project`): Google names its service
agents by project number (`service-<number>@gs-project-accounts...`), the spec carries the project id
only. It reads the project, not another stack.
"""

from __future__ import annotations

import ipaddress

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
from cdktn_provider_google.service_account import ServiceAccount
from cdktn_provider_google.service_account_iam_member import ServiceAccountIamMember
from cdktn_provider_google.storage_bucket_iam_member import StorageBucketIamMember
from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from modules.primitives.gcp import KEY_PURPOSES, WORKLOADS, GcpNames, deletion_policy, gcs_bucket
from modules.primitives.vocabulary import LifecycleSettings, output, protect

# 90 days: the longest rotation CIS GCP 1.10 accepts.
KEY_ROTATION_PERIOD = f"{90 * 24 * 3600}s"
KEY_DESTROY_SCHEDULED = f"{30 * 24 * 3600}s"

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


def private_subnet_cidr(cidr: str) -> str:
    """The private subnet: the first half of the environment's range (the rest stays free for
    secondary ranges and later subnets)."""
    net = ipaddress.IPv4Network(cidr)
    return str(next(net.subnets(prefixlen_diff=1)))


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
                lifecycle=protect(protected),
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
            lifecycle=LifecycleSettings(
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
