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

from cdktn_provider_azurerm.data_azurerm_client_config import DataAzurermClientConfig
from cdktn_provider_azurerm.key_vault_key import (
    KeyVaultKey,
    KeyVaultKeyRotationPolicy,
    KeyVaultKeyRotationPolicyAutomatic,
)
from cdktn_provider_azurerm.log_analytics_workspace import LogAnalyticsWorkspace
from cdktn_provider_azurerm.nat_gateway import NatGateway
from cdktn_provider_azurerm.nat_gateway_public_ip_association import NatGatewayPublicIpAssociation
from cdktn_provider_azurerm.network_security_group import (
    NetworkSecurityGroup,
    NetworkSecurityGroupSecurityRule,
)
from cdktn_provider_azurerm.private_dns_zone import PrivateDnsZone
from cdktn_provider_azurerm.private_dns_zone_virtual_network_link import PrivateDnsZoneVirtualNetworkLink
from cdktn_provider_azurerm.public_ip import PublicIp
from cdktn_provider_azurerm.resource_group import ResourceGroup
from cdktn_provider_azurerm.role_assignment import RoleAssignment
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
from modules.primitives.azure import (
    SUBNETS,
    WORKLOADS_SUBNET,
    AzureIds,
    delete_lock,
    diagnostics,
    private_endpoint,
    secure_key_vault,
)
from modules.primitives.vocabulary import output, protect, resource_tags

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


def subnet_ranges(cidr: str) -> dict[str, str]:
    """One /24 per subnet, in order, from the environment's range (a /16 to /20 holds 16 or more)."""
    blocks = ipaddress.IPv4Network(cidr).subnets(new_prefix=24)
    return {name: str(next(blocks)) for name in SUBNETS}


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
                tags=resource_tags(spec),
                lifecycle=protect(spec.protection.stateful),
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
            tags=resource_tags(spec),
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
                tags=resource_tags(spec),
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
                self, f"dns_zone_{i}", name=zone, resource_group_name=rg, tags=resource_tags(spec)
            )
            PrivateDnsZoneVirtualNetworkLink(
                self,
                f"dns_link_{i}",
                name=ids.vnet,
                private_dns_zone_id=self.dns_zones[zone].id,
                virtual_network_id=self.vnet.id,
                registration_enabled=False,
                tags=resource_tags(spec),
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
            tags=resource_tags(spec),
            lifecycle=protect(spec.protection.stateful),
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
                tags=resource_tags(spec),
                lifecycle=protect(spec.protection.stateful),
                depends_on=[deployer, self.vault_endpoint],
            )
            identity = UserAssignedIdentity(
                self,
                f"identity_{workload}",
                name=ids.identity_name(workload),
                resource_group_name=rg,
                location=ids.location,
                tags=resource_tags(spec),
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
            tags=resource_tags(spec),
        )
        ip = PublicIp(
            self,
            "nat_ip",
            name=namer.base("nat", "ip"),
            resource_group_name=rg,
            location=ids.location,
            allocation_method="Static",
            sku="Standard",
            tags=resource_tags(spec),
        )
        NatGatewayPublicIpAssociation(
            self, "nat_ip_association", nat_gateway_id=self.nat.id, public_ip_address_id=ip.id
        )
        SubnetNatGatewayAssociation(
            self, "nat_workloads", subnet_id=self.subnets[WORKLOADS_SUBNET].id, nat_gateway_id=self.nat.id
        )
