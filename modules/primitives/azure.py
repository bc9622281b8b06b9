"""Azure building blocks with the secure defaults written once: the provider of a stack, `AzureIds`
(the deterministic resource IDs the Azure stacks find each other by, from the spec alone), private
endpoints, diagnostics to Log Analytics, delete locks, `SecureStorageAccount` and `secure_key_vault`."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn import TerraformStack
from cdktn_provider_azurerm.key_vault import KeyVault, KeyVaultNetworkAcls
from cdktn_provider_azurerm.management_lock import ManagementLock
from cdktn_provider_azurerm.monitor_diagnostic_setting import (
    MonitorDiagnosticSetting,
    MonitorDiagnosticSettingEnabledLog,
    MonitorDiagnosticSettingEnabledMetric,
)
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
from cdktn_provider_azurerm.storage_account import (
    StorageAccount,
    StorageAccountBlobProperties,
    StorageAccountBlobPropertiesContainerDeleteRetentionPolicy,
    StorageAccountBlobPropertiesDeleteRetentionPolicy,
    StorageAccountCustomerManagedKey,
    StorageAccountIdentity,
    StorageAccountNetworkRules,
)
from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from modules.primitives.vocabulary import protect, resource_tags

VAULT_PURPOSE = "kv"
ENDPOINTS_SUBNET = "endpoints"  # private endpoints of every stack
WORKLOADS_SUBNET = "workloads"  # compute the platform runs itself (self-hosted runners, integration runtimes)
SUBNETS = (ENDPOINTS_SUBNET, WORKLOADS_SUBNET)


def configure_azure_stack(stack: TerraformStack, spec: PlatformSpec, namer: Namer) -> AzurermProvider:
    """The azurerm provider of one stack: subscription, Entra ID auth to storage, soft-delete recovery
    instead of purges, resource groups kept while they hold anything (the stack pins its version)."""
    azure = spec.clouds.require("azure")
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
        return self.spec.clouds.require("azure").subscription

    @property
    def location(self) -> str:
        return self.spec.clouds.require("azure").location

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
        tags=resource_tags(spec),
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
            tags=resource_tags(spec),
            lifecycle=protect(spec.protection.stateful),
        )
        self.containers = {
            name: StorageContainer(
                self,
                f"container_{name}",
                name=name,
                storage_account_id=self.account.id,
                container_access_type="private",
                lifecycle=protect(spec.protection.stateful),
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
        tags=resource_tags(ids.spec),
        lifecycle=protect(ids.spec.protection.stateful),
    )
