"""Azure foundation: the provider, resource groups, the private network, Key Vault with the
customer-managed keys, the workload identities and their grants, and the Log Analytics workspace.

Also home of the deterministic resource IDs the other Azure stacks use to find foundation resources
(`AzureIds`), the shared tags and lifecycle helpers, `private_endpoint` and `SecureStorageAccount`, the
one place where the secure storage account defaults live.

What azurerm cannot express, said here rather than hidden:
- The tenant is not in the spec, so the Key Vault takes it from `data.azurerm_client_config` (the
  identity running Terraform); no other stack reads a data source.
- With public network access off on the vault, keys are created through its private endpoint: Terraform
  must run from a network that reaches the VNet (a self-hosted runner), as for every data-plane call.
- Log Analytics encryption with a customer-managed key needs a dedicated cluster (1 TB/day commitment);
  the workspace uses Microsoft-managed keys.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cdktn import TerraformOutput, TerraformResourceLifecycle, TerraformStack
from cdktn_provider_azurerm.data_azurerm_client_config import DataAzurermClientConfig
from cdktn_provider_azurerm.key_vault import KeyVault, KeyVaultNetworkAcls
from cdktn_provider_azurerm.key_vault_key import (
    KeyVaultKey,
    KeyVaultKeyRotationPolicy,
    KeyVaultKeyRotationPolicyAutomatic,
)
from cdktn_provider_azurerm.log_analytics_workspace import LogAnalyticsWorkspace
from cdktn_provider_azurerm.management_lock import ManagementLock
from cdktn_provider_azurerm.monitor_diagnostic_setting import (
    MonitorDiagnosticSetting,
    MonitorDiagnosticSettingEnabledLog,
    MonitorDiagnosticSettingEnabledMetric,
)
from cdktn_provider_azurerm.nat_gateway import NatGateway
from cdktn_provider_azurerm.nat_gateway_public_ip_association import NatGatewayPublicIpAssociation
from cdktn_provider_azurerm.network_security_group import (
    NetworkSecurityGroup,
    NetworkSecurityGroupSecurityRule,
)
from cdktn_provider_azurerm.private_dns_zone import PrivateDnsZone
from cdktn_provider_azurerm.private_dns_zone_virtual_network_link import PrivateDnsZoneVirtualNetworkLink
from cdktn_provider_azurerm.private_endpoint import (
    PrivateEndpoint,
    PrivateEndpointPrivateDnsZoneGroup,
    PrivateEndpointPrivateServiceConnection,
)
from cdktn_provider_azurerm.provider import (
    AzurermProvider,
    AzurermProviderFeatures,
    AzurermProviderFeaturesKeyVault,
    AzurermProviderFeaturesResourceGroup,
)
from cdktn_provider_azurerm.public_ip import PublicIp
from cdktn_provider_azurerm.resource_group import ResourceGroup
from cdktn_provider_azurerm.role_assignment import RoleAssignment
from cdktn_provider_azurerm.storage_account import (
    StorageAccount,
    StorageAccountBlobProperties,
    StorageAccountBlobPropertiesContainerDeleteRetentionPolicy,
    StorageAccountBlobPropertiesDeleteRetentionPolicy,
    StorageAccountCustomerManagedKey,
    StorageAccountIdentity,
    StorageAccountNetworkRules,
)
from cdktn_provider_azurerm.subnet import Subnet
from cdktn_provider_azurerm.subnet_nat_gateway_association import SubnetNatGatewayAssociation
from cdktn_provider_azurerm.subnet_network_security_group_association import (
    SubnetNetworkSecurityGroupAssociation,
)
from cdktn_provider_azurerm.user_assigned_identity import UserAssignedIdentity
from cdktn_provider_azurerm.virtual_network import VirtualNetwork
from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec

MANAGED_BY = "platform-blueprint"
VAULT_PURPOSE = "kv"
ENDPOINTS_SUBNET = "endpoints"  # private endpoints of every stack
WORKLOADS_SUBNET = "workloads"  # compute the platform runs itself (self-hosted runners, integration runtimes)
SUBNETS = (ENDPOINTS_SUBNET, WORKLOADS_SUBNET)
# The domains that run a workload: each gets a managed identity and a customer-managed key.
WORKLOADS = ("lake", "warehouse", "streaming", "orchestration", "serving")
KEY_SIZE = 3072  # RSA; accepted by Storage, Synapse, Event Hubs, Data Factory and Machine Learning
KEY_ROTATE_AFTER = "P365D"
KEY_EXPIRE_AFTER = "P400D"  # longer than the rotation period: a rotated key never expires in use
CRYPTO_USER = "Key Vault Crypto Service Encryption User"  # wrap/unwrap with one key, nothing else
# Private DNS zones of the private endpoints each domain places (Azure public cloud).
DNS_ZONES: dict[str, tuple[str, ...]] = {
    "foundation": ("privatelink.vaultcore.azure.net",),
    "lake": ("privatelink.blob.core.windows.net", "privatelink.dfs.core.windows.net"),
    "warehouse": ("privatelink.sql.azuresynapse.net", "privatelink.dev.azuresynapse.net"),
    "streaming": ("privatelink.servicebus.windows.net",),
    "orchestration": ("privatelink.datafactory.azure.net",),
    "serving": (
        "privatelink.api.azureml.ms",
        "privatelink.notebooks.azure.net",
        "privatelink.blob.core.windows.net",
        "privatelink.file.core.windows.net",
        "privatelink.vaultcore.azure.net",
    ),
}
# Data-plane grants of each workload identity, scoped to the resource group of the domain it uses
# (each domain's resource group holds only that domain's resources). Never Owner, never a subscription.
DATA_GRANTS: dict[str, tuple[tuple[str, str], ...]] = {
    "warehouse": (("lake", "Storage Blob Data Contributor"),),
    "orchestration": (("lake", "Storage Blob Data Contributor"),),
    "serving": (
        ("lake", "Storage Blob Data Reader"),
        # Azure ML with a user-assigned identity manages its own storage, vault and insights.
        ("serving", "Contributor"),
        ("serving", "Storage Blob Data Contributor"),
        ("serving", "Key Vault Secrets Officer"),
    ),
}


def tags(spec: PlatformSpec) -> dict[str, str]:
    """The tags of every Azure resource (azurerm has no provider-level default tags)."""
    return {**spec.tags.as_dict(), "managed_by": MANAGED_BY}


def protect(spec: PlatformSpec) -> TerraformResourceLifecycle:
    return TerraformResourceLifecycle(prevent_destroy=spec.protection.stateful)


def output(scope: Construct, name: str, value: object) -> TerraformOutput:
    """A stack output with a stable, readable name (no construct-path hash). Not the AWS module's
    helper: importing that would load the AWS binding into every Azure synthesis."""
    out = TerraformOutput(scope, f"output_{name}", value=value)
    out.override_logical_id(name)
    return out


def configure_azure_stack(stack: TerraformStack, spec: PlatformSpec, namer: Namer) -> AzurermProvider:
    """The azurerm provider of one stack: subscription, Entra ID auth to storage, soft-delete recovery
    instead of purges, resource groups kept while they hold anything (the stack pins its version)."""
    azure = spec.clouds.azure
    assert azure is not None, "configure_azure_stack called for an environment without Azure"
    provider = AzurermProvider(
        stack,
        "azurerm",
        subscription_id=azure.subscription,
        storage_use_azuread=True,
        features=[
            AzurermProviderFeatures(
                key_vault=[
                    AzurermProviderFeaturesKeyVault(
                        purge_soft_delete_on_destroy=False,
                        purge_soft_deleted_keys_on_destroy=False,
                        purge_soft_deleted_secrets_on_destroy=False,
                        recover_soft_deleted_key_vaults=True,
                        recover_soft_deleted_keys=True,
                    )
                ],
                resource_group=[
                    AzurermProviderFeaturesResourceGroup(prevent_deletion_if_contains_resources=True)
                ],
            )
        ],
    )
    return provider


@dataclass(frozen=True)
class AzureIds:
    """Deterministic IDs of foundation resources, built from the spec alone: how the other Azure stacks
    find them without data sources or remote state."""

    spec: PlatformSpec
    namer: Namer

    @property
    def subscription(self) -> str:
        azure = self.spec.clouds.azure
        assert azure is not None
        return azure.subscription

    @property
    def location(self) -> str:
        azure = self.spec.clouds.azure
        assert azure is not None
        return azure.location

    def resource_group(self, domain: str) -> str:
        return self.namer.azure_resource_group(domain)

    def resource_group_id(self, domain: str) -> str:
        return f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group(domain)}"

    def resource_id(self, domain: str, provider_type: str, name: str) -> str:
        """`/subscriptions/<sub>/resourceGroups/<rg>/providers/<provider_type>/<name>`."""
        return f"{self.resource_group_id(domain)}/providers/{provider_type}/{name}"

    @property
    def vnet(self) -> str:
        return self.namer.base("vnet")

    def vnet_id(self) -> str:
        return self.resource_id("foundation", "Microsoft.Network/virtualNetworks", self.vnet)

    def subnet_id(self, subnet: str) -> str:
        return f"{self.vnet_id()}/subnets/{subnet}"

    @property
    def vault(self) -> str:
        return self.namer.azure_key_vault(VAULT_PURPOSE)

    def vault_id(self) -> str:
        return self.resource_id("foundation", "Microsoft.KeyVault/vaults", self.vault)

    @staticmethod
    def key_name(purpose: str) -> str:
        return f"{purpose}-cmk"

    def key_versionless_id(self, purpose: str) -> str:
        """`https://<vault>.vault.azure.net/keys/<key>`: services follow rotations automatically."""
        return f"https://{self.vault}.vault.azure.net/keys/{self.key_name(purpose)}"

    def identity_name(self, workload: str) -> str:
        return self.namer.base(workload, "id")

    def identity_id(self, workload: str) -> str:
        return self.resource_id(
            "foundation", "Microsoft.ManagedIdentity/userAssignedIdentities", self.identity_name(workload)
        )

    def log_analytics_id(self) -> str:
        return self.resource_id(
            "foundation",
            "Microsoft.OperationalInsights/workspaces",
            self.namer.azure_log_analytics_workspace(),
        )

    def dns_zone_id(self, zone: str) -> str:
        return self.resource_id("foundation", "Microsoft.Network/privateDnsZones", zone)


def subnet_ranges(cidr: str) -> dict[str, str]:
    """One /24 per subnet, in order, from the environment's range (a /16 to /20 holds 16 or more)."""
    blocks = ipaddress.IPv4Network(cidr).subnets(new_prefix=24)
    return {name: str(next(blocks)) for name in SUBNETS}


def diagnostics(
    scope: Construct, id_: str, ids: AzureIds, target: str, *, logs: bool = True, metrics: bool = True
) -> MonitorDiagnosticSetting:
    """Every log (category group allLogs) and metric of `target` to the environment's Log Analytics."""
    return MonitorDiagnosticSetting(
        scope,
        id_,
        name="to-log-analytics",
        target_resource_id=target,
        log_analytics_workspace_id=ids.log_analytics_id(),
        enabled_log=[MonitorDiagnosticSettingEnabledLog(category_group="allLogs")] if logs else None,
        enabled_metric=[MonitorDiagnosticSettingEnabledMetric(category="AllMetrics")] if metrics else None,
    )


def private_endpoint(
    scope: Construct,
    id_: str,
    *,
    spec: PlatformSpec,
    ids: AzureIds,
    domain: str,
    name: str,
    target: str,
    subresource: str,
    zones: tuple[str, ...],
) -> PrivateEndpoint:
    """A private endpoint for `target`'s `subresource` in the endpoints subnet, registered in the
    foundation's private DNS zones so the service's usual hostname resolves to the private address."""
    return PrivateEndpoint(
        scope,
        id_,
        name=name,
        location=ids.location,
        resource_group_name=ids.resource_group(domain),
        subnet_id=ids.subnet_id(ENDPOINTS_SUBNET),
        private_service_connection=PrivateEndpointPrivateServiceConnection(
            name=name,
            private_connection_resource_id=target,
            subresource_names=[subresource],
            is_manual_connection=False,
        ),
        private_dns_zone_group=PrivateEndpointPrivateDnsZoneGroup(
            name="default", private_dns_zone_ids=[ids.dns_zone_id(z) for z in zones]
        ),
        tags=tags(spec),
    )


def delete_lock(scope: Construct, id_: str, spec: PlatformSpec, target: str) -> ManagementLock | None:
    """A CanNotDelete lock on a stateful resource when protection.stateful (a second guard besides
    prevent_destroy: it also stops deletion from the portal or CLI)."""
    if not spec.protection.stateful:
        return None
    return ManagementLock(
        scope,
        id_,
        name="do-not-delete",
        scope=target,
        lock_level="CanNotDelete",
        notes="Stateful platform resource: set protection.stateful false to remove it (platform-blueprint).",
    )


@dataclass(frozen=True)
class StorageSettings:
    """Everything that varies between the project's storage accounts. Defaults are the secure ones."""

    name: str
    domain: str  # whose resource group holds it
    workload: str  # whose identity unwraps its key
    key_purpose: str
    hierarchical_namespace: bool
    soft_delete_days: int
    containers: tuple[str, ...] = ()


class SecureStorageAccount(Construct):
    """A storage account with every secure default: customer-managed key through a user-assigned
    identity, infrastructure (double) encryption, Entra ID only (no shared keys), TLS 1.2 and HTTPS only,
    no public network access (private endpoints for blob and dfs), no public containers, versioning and
    soft delete, diagnostics to Log Analytics, prevent_destroy and a delete lock when protected.

    Attributes: `account`, `containers` (name -> StorageContainer), `endpoints`, `diagnostics`.
    """

    def __init__(
        self, scope: Construct, id_: str, *, spec: PlatformSpec, ids: AzureIds, settings: StorageSettings
    ) -> None:
        from cdktn_provider_azurerm.storage_container import StorageContainer

        super().__init__(scope, id_)
        identity = ids.identity_id(settings.workload)
        days = max(1, min(settings.soft_delete_days, 365))
        self.account = StorageAccount(
            self,
            "account",
            name=settings.name,
            resource_group_name=ids.resource_group(settings.domain),
            location=ids.location,
            account_kind="StorageV2",
            account_tier="Standard",
            account_replication_type="ZRS",
            is_hns_enabled=settings.hierarchical_namespace,
            https_traffic_only_enabled=True,
            min_tls_version="TLS1_2",
            public_network_access_enabled=False,
            allow_nested_items_to_be_public=False,
            shared_access_key_enabled=False,
            default_to_oauth_authentication=True,
            local_user_enabled=False,
            cross_tenant_replication_enabled=False,
            allowed_copy_scope="PrivateLink",
            infrastructure_encryption_enabled=True,
            queue_encryption_key_type="Account",
            table_encryption_key_type="Account",
            identity=StorageAccountIdentity(type="UserAssigned", identity_ids=[identity]),
            customer_managed_key=StorageAccountCustomerManagedKey(
                key_vault_key_id=ids.key_versionless_id(settings.key_purpose),
                user_assigned_identity_id=identity,
            ),
            network_rules=StorageAccountNetworkRules(default_action="Deny", bypass=["AzureServices"]),
            blob_properties=StorageAccountBlobProperties(
                versioning_enabled=True,
                change_feed_enabled=True,
                delete_retention_policy=StorageAccountBlobPropertiesDeleteRetentionPolicy(days=days),
                container_delete_retention_policy=StorageAccountBlobPropertiesContainerDeleteRetentionPolicy(
                    days=days
                ),
            ),
            tags=tags(spec),
            lifecycle=protect(spec),
        )
        self.containers = {
            name: StorageContainer(
                self,
                f"container_{name}",
                name=name,
                storage_account_id=self.account.id,
                container_access_type="private",
                lifecycle=protect(spec),
            )
            for name in settings.containers
        }
        subresources = ("blob", "dfs") if settings.hierarchical_namespace else ("blob", "file")
        self.endpoints = [
            private_endpoint(
                self,
                f"endpoint_{sub}",
                spec=spec,
                ids=ids,
                domain=settings.domain,
                name=f"{settings.name}-{sub}",
                target=self.account.id,
                subresource=sub,
                zones=(f"privatelink.{sub}.core.windows.net",),
            )
            for sub in subresources
        ]
        # The blob service carries the read/write/delete logs; the account only metrics.
        self.diagnostics = [
            diagnostics(self, "diagnostics_blob", ids, f"{self.account.id}/blobServices/default"),
            diagnostics(self, "diagnostics_account", ids, self.account.id, logs=False),
        ]
        delete_lock(self, "lock", spec, self.account.id)


class AzureFoundation(Construct):
    """Resource groups (one per enabled domain), the VNet with private subnets and NSGs (NAT only when
    asked), private DNS zones, Key Vault with one customer-managed key per workload, one user-assigned
    identity per workload with its grants, and the Log Analytics workspace.

    Attributes: `resource_groups`, `vnet`, `subnets`, `vault`, `keys`, `identities`, `log_analytics`.
    """

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        self.ids = ids = AzureIds(spec, namer)
        settings = spec.domains.foundation
        enabled = spec.domains.enabled()
        workloads = [w for w in WORKLOADS if w in enabled]
        self.resource_groups = {
            domain: ResourceGroup(
                self,
                f"rg_{domain}",
                name=ids.resource_group(domain),
                location=ids.location,
                tags=tags(spec),
                lifecycle=protect(spec),
            )
            for domain in enabled
        }
        rg = self.resource_groups["foundation"].name

        # --- network: private subnets only, no implicit outbound; egress through NAT when asked
        self.vnet = VirtualNetwork(
            self,
            "vnet",
            name=ids.vnet,
            resource_group_name=rg,
            location=ids.location,
            address_space=[settings.cidr],
            tags=tags(spec),
        )
        self.subnets: dict[str, Subnet] = {}
        self.security_groups: dict[str, NetworkSecurityGroup] = {}
        for name, prefix in subnet_ranges(settings.cidr).items():
            self.subnets[name] = Subnet(
                self,
                f"subnet_{name}",
                name=name,
                resource_group_name=rg,
                virtual_network_name=self.vnet.name,
                address_prefixes=[prefix],
                default_outbound_access_enabled=False,
                private_endpoint_network_policies="Enabled",
            )
            self.security_groups[name] = NetworkSecurityGroup(
                self,
                f"nsg_{name}",
                name=namer.base(name, "nsg"),
                resource_group_name=rg,
                location=ids.location,
                security_rule=self._rules(),
                tags=tags(spec),
            )
            SubnetNetworkSecurityGroupAssociation(
                self,
                f"nsg_{name}_association",
                subnet_id=self.subnets[name].id,
                network_security_group_id=self.security_groups[name].id,
            )
        self.nat: NatGateway | None = None
        if settings.nat_gateway:
            self._nat(spec, namer, rg)

        zones = sorted({z for d in enabled for z in DNS_ZONES.get(d, ())})
        self.dns_zones = {}
        for i, zone in enumerate(zones):
            self.dns_zones[zone] = PrivateDnsZone(
                self, f"dns_zone_{i}", name=zone, resource_group_name=rg, tags=tags(spec)
            )
            PrivateDnsZoneVirtualNetworkLink(
                self,
                f"dns_link_{i}",
                name=ids.vnet,
                private_dns_zone_id=self.dns_zones[zone].id,
                virtual_network_id=self.vnet.id,
                registration_enabled=False,
                tags=tags(spec),
            )

        # --- logs
        self.log_analytics = LogAnalyticsWorkspace(
            self,
            "log_analytics",
            name=namer.azure_log_analytics_workspace(),
            resource_group_name=rg,
            location=ids.location,
            sku="PerGB2018",
            retention_in_days=max(30, min(spec.domains.lake.access_log_retention_days, 730)),
            local_authentication_enabled=False,
            tags=tags(spec),
            lifecycle=protect(spec),
        )

        # --- keys: RBAC-authorized vault, purge protection, private only
        client = DataAzurermClientConfig(self, "client")
        self.vault = secure_key_vault(
            self, "vault", ids, name=ids.vault, resource_group=rg, tenant_id=client.tenant_id, sku="premium"
        )
        # Terraform itself creates and rotates the keys: Crypto Officer on this vault only.
        deployer = RoleAssignment(
            self,
            "deployer_crypto_officer",
            scope=self.vault.id,
            role_definition_name="Key Vault Crypto Officer",
            principal_id=client.object_id,
        )
        self.vault_endpoint = private_endpoint(
            self,
            "vault_endpoint",
            spec=spec,
            ids=ids,
            domain="foundation",
            name=f"{ids.vault}-vault",
            target=self.vault.id,
            subresource="vault",
            zones=("privatelink.vaultcore.azure.net",),
        )
        self.vault_endpoint.node.add_dependency(self.dns_zones["privatelink.vaultcore.azure.net"])
        diagnostics(self, "vault_diagnostics", ids, self.vault.id)
        delete_lock(self, "vault_lock", spec, self.vault.id)

        self.keys: dict[str, KeyVaultKey] = {}
        self.identities: dict[str, UserAssignedIdentity] = {}
        for workload in workloads:
            key = KeyVaultKey(
                self,
                f"key_{workload}",
                name=ids.key_name(workload),
                key_vault_id=self.vault.id,
                key_type="RSA-HSM",
                key_size=KEY_SIZE,
                key_opts=["wrapKey", "unwrapKey"],
                rotation_policy=KeyVaultKeyRotationPolicy(
                    automatic=KeyVaultKeyRotationPolicyAutomatic(time_after_creation=KEY_ROTATE_AFTER),
                    expire_after=KEY_EXPIRE_AFTER,
                    notify_before_expiry="P30D",
                ),
                tags=tags(spec),
                lifecycle=protect(spec),
                depends_on=[deployer, self.vault_endpoint],
            )
            identity = UserAssignedIdentity(
                self,
                f"identity_{workload}",
                name=ids.identity_name(workload),
                resource_group_name=rg,
                location=ids.location,
                tags=tags(spec),
            )
            self.keys[workload], self.identities[workload] = key, identity
            RoleAssignment(
                self,
                f"grant_{workload}_key",
                scope=key.resource_versionless_id,
                role_definition_name=CRYPTO_USER,
                principal_id=identity.principal_id,
                principal_type="ServicePrincipal",
            )
            for domain, role in DATA_GRANTS.get(workload, ()):
                if domain in self.resource_groups:
                    RoleAssignment(
                        self,
                        f"grant_{workload}_{domain}_{role.lower().replace(' ', '_')}",
                        scope=self.resource_groups[domain].id,
                        role_definition_name=role,
                        principal_id=identity.principal_id,
                        principal_type="ServicePrincipal",
                    )
            output(self, f"{workload}_identity_client_id", identity.client_id)
            output(self, f"{workload}_key_id", key.versionless_id)
        output(self, "vnet_id", self.vnet.id)
        output(self, "key_vault_id", self.vault.id)
        output(self, "log_analytics_workspace_id", self.log_analytics.id)

    @staticmethod
    def _rules() -> list[NetworkSecurityGroupSecurityRule]:
        """Inbound only from inside the VNet; everything else, the Internet first, is denied."""

        def rule(name: str, priority: int, access: str, source: str) -> NetworkSecurityGroupSecurityRule:
            return NetworkSecurityGroupSecurityRule(
                name=name,
                priority=priority,
                direction="Inbound",
                access=access,
                protocol="*",
                source_port_range="*",
                destination_port_range="*",
                source_address_prefix=source,
                destination_address_prefix="VirtualNetwork",
            )

        return [
            rule("deny-internet-inbound", 100, "Deny", "Internet"),
            rule("allow-vnet-inbound", 200, "Allow", "VirtualNetwork"),
            rule("deny-all-inbound", 4000, "Deny", "*"),
        ]

    def _nat(self, spec: PlatformSpec, namer: Namer, rg: str) -> None:
        ids = self.ids
        self.nat = NatGateway(
            self,
            "nat",
            name=namer.base("nat"),
            resource_group_name=rg,
            location=ids.location,
            sku_name="Standard",
            tags=tags(spec),
        )
        ip = PublicIp(
            self,
            "nat_ip",
            name=namer.base("nat", "ip"),
            resource_group_name=rg,
            location=ids.location,
            allocation_method="Static",
            sku="Standard",
            tags=tags(spec),
        )
        NatGatewayPublicIpAssociation(
            self, "nat_ip_association", nat_gateway_id=self.nat.id, public_ip_address_id=ip.id
        )
        SubnetNatGatewayAssociation(
            self, "nat_workloads", subnet_id=self.subnets[WORKLOADS_SUBNET].id, nat_gateway_id=self.nat.id
        )


def secure_key_vault(
    scope: Construct, id_: str, ids: AzureIds, *, name: str, resource_group: str, tenant_id: str, sku: str
) -> KeyVault:
    """A Key Vault with the project's defaults: RBAC, purge protection, 90-day soft delete, no public
    network access, firewall default Deny, tags, prevent_destroy when protected."""
    return KeyVault(
        scope,
        id_,
        name=name,
        resource_group_name=resource_group,
        location=ids.location,
        tenant_id=tenant_id,
        sku_name=sku,
        rbac_authorization_enabled=True,
        purge_protection_enabled=True,
        soft_delete_retention_days=90,
        public_network_access_enabled=False,
        network_acls=KeyVaultNetworkAcls(default_action="Deny", bypass="AzureServices"),
        tags=tags(ids.spec),
        lifecycle=protect(ids.spec),
    )
