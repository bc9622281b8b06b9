"""Azure warehouse: a Synapse workspace on the lake's `analytics` filesystem.

Secure defaults: managed virtual network with data exfiltration protection (outbound only through
approved managed private endpoints), Entra ID-only authentication (no SQL logins), public network access
off with private endpoints for the SQL and Dev surfaces, the foundation's `warehouse` key through the
warehouse's user-assigned identity, diagnostics to Log Analytics, prevent_destroy and a delete lock.

Parity with Redshift Serverless: the serverless SQL pool is built into every workspace and billed per
TB scanned, so `aws.base_capacity_rpu` has no Azure meaning (a dedicated SQL pool would be a fixed size).
What azurerm cannot express: the workspace's Entra ID administrator needs a user or group object id the
spec does not carry; assign it with `azurerm_synapse_workspace_aad_admin` once the spec names one.
"""

from __future__ import annotations

from cdktn_provider_azurerm.synapse_workspace import (
    SynapseWorkspace,
    SynapseWorkspaceCustomerManagedKey,
    SynapseWorkspaceIdentity,
)
from cdktn_provider_azurerm.synapse_workspace_extended_auditing_policy import (
    SynapseWorkspaceExtendedAuditingPolicy,
)
from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from modules.lake.azure import lake_filesystem_url
from modules.primitives.azure import AzureIds, delete_lock, diagnostics, private_endpoint
from modules.primitives.vocabulary import output, protect, resource_tags

WAREHOUSE_FILESYSTEM = "analytics"
# Private endpoint surfaces: (subresource, DNS zone).
SURFACES = (
    ("Sql", "privatelink.sql.azuresynapse.net"),
    ("SqlOnDemand", "privatelink.sql.azuresynapse.net"),
    ("Dev", "privatelink.dev.azuresynapse.net"),
)


class AzureWarehouse(Construct):
    """The warehouse of one environment. Attributes: `workspace`, `endpoints`."""

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        ids = AzureIds(spec, namer)
        identity = ids.identity_id("warehouse")
        name = namer.azure_synapse_workspace()
        self.workspace = SynapseWorkspace(
            self,
            "workspace",
            name=name,
            resource_group_name=ids.resource_group("warehouse"),
            location=ids.location,
            storage_data_lake_gen2_filesystem_id=lake_filesystem_url(namer, WAREHOUSE_FILESYSTEM),
            managed_resource_group_name=namer.azure_resource_group("warehouse-managed"),
            managed_virtual_network_enabled=True,
            data_exfiltration_protection_enabled=True,
            azuread_authentication_only=True,
            public_network_access_enabled=False,
            identity=SynapseWorkspaceIdentity(type="UserAssigned", identity_ids=[identity]),
            customer_managed_key=SynapseWorkspaceCustomerManagedKey(
                key_versionless_id=ids.key_versionless_id("warehouse"),
                key_name="warehouse",
                user_assigned_identity_id=identity,
            ),
            tags=resource_tags(spec),
            lifecycle=protect(spec.protection.stateful),
        )
        self.endpoints = [
            private_endpoint(
                self,
                f"endpoint_{sub.lower()}",
                spec=spec,
                ids=ids,
                domain="warehouse",
                name=f"{name}-{sub.lower()}",
                target=self.workspace.id,
                subresource=sub,
                zones=(zone,),
            )
            for sub, zone in SURFACES
        ]
        # SQL audit events go to Azure Monitor (the diagnostic setting below), not to a storage account.
        self.auditing = SynapseWorkspaceExtendedAuditingPolicy(
            self, "auditing", synapse_workspace_id=self.workspace.id, log_monitoring_enabled=True
        )
        diagnostics(self, "diagnostics", ids, self.workspace.id, metrics=False)
        delete_lock(self, "lock", spec, self.workspace.id)
        output(self, "workspace", self.workspace.name)
        output(self, "workspace_id", self.workspace.id)
