"""Azure serving: an Azure Machine Learning workspace with its own Key Vault, storage account and
Application Insights, encrypted with the foundation's `serving` key.

Secure defaults: the serving user-assigned identity as the primary identity, customer-managed key
encryption, high business impact (less diagnostic data collected by Microsoft, local disks encrypted),
public network access off with a private endpoint, a managed network that allows only approved outbound
traffic, a `SecureStorageAccount` and an RBAC-only, private Key Vault of its own, diagnostics to Log
Analytics, prevent_destroy and delete locks when protected.

What azurerm cannot express, said rather than hidden: azurerm 5.10 has no resource for managed online
endpoints or deployments, so no endpoint is created here and `serving.azure.instance_type`,
`min_capacity` and `max_capacity` are not used by any resource (they are written to outputs for the
model pipeline, which creates the endpoint with the Azure ML CLI/SDK, or for a later azapi resource).
No container registry is attached: the workspace creates one on the first image build, outside these
defaults; attach a Premium registry with a private endpoint before building images in prod.
"""

from __future__ import annotations

from cdktn_provider_azurerm.application_insights import ApplicationInsights
from cdktn_provider_azurerm.data_azurerm_client_config import DataAzurermClientConfig
from cdktn_provider_azurerm.machine_learning_workspace import (
    MachineLearningWorkspace,
    MachineLearningWorkspaceEncryption,
    MachineLearningWorkspaceIdentity,
    MachineLearningWorkspaceManagedNetwork,
)
from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from modules.primitives.azure import (
    AzureIds,
    SecureStorageAccount,
    StorageSettings,
    delete_lock,
    diagnostics,
    private_endpoint,
    secure_key_vault,
)
from modules.primitives.vocabulary import output, protect, resource_tags

SERVING_VAULT_PURPOSE = "ml"


class AzureServing(Construct):
    """Model serving of one environment. Attributes: `workspace`, `vault`, `storage`, `insights`,
    `endpoint`."""

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        serving = spec.domains.serving
        ids = AzureIds(spec, namer)
        rg = ids.resource_group("serving")
        identity = ids.identity_id("serving")
        name = namer.azure_ml_workspace()
        vault_name = namer.azure_key_vault(SERVING_VAULT_PURPOSE)
        self.vault = secure_key_vault(
            self,
            "vault",
            ids,
            name=vault_name,
            resource_group=rg,
            tenant_id=DataAzurermClientConfig(self, "client").tenant_id,  # the spec has no tenant
            sku="standard",
        )
        self.storage = SecureStorageAccount(
            self,
            "storage",
            spec=spec,
            ids=ids,
            settings=StorageSettings(
                name=namer.azure_storage_account("serving"),
                domain="serving",
                workload="serving",
                key_purpose="serving",
                hierarchical_namespace=False,  # Azure ML's default storage may not be a Data Lake Gen2
                soft_delete_days=spec.domains.lake.noncurrent_version_expiration_days,
            ),
        )
        self.insights = ApplicationInsights(
            self,
            "insights",
            name=namer.base("serving", "insights"),
            resource_group_name=rg,
            location=ids.location,
            application_type="other",
            workspace_id=ids.log_analytics_id(),
            local_authentication_enabled=False,
            tags=resource_tags(spec),
        )
        self.workspace = MachineLearningWorkspace(
            self,
            "workspace",
            name=name,
            resource_group_name=rg,
            location=ids.location,
            key_vault_id=self.vault.id,
            storage_account_id=self.storage.account.id,
            application_insights_id=self.insights.id,
            identity=MachineLearningWorkspaceIdentity(type="UserAssigned", identity_ids=[identity]),
            primary_user_assigned_identity=identity,
            encryption=MachineLearningWorkspaceEncryption(
                key_vault_id=ids.vault_id(),
                key_id=ids.key_versionless_id("serving"),
                user_assigned_identity_id=identity,
            ),
            high_business_impact=True,
            public_network_access_enabled=False,
            managed_network=MachineLearningWorkspaceManagedNetwork(
                isolation_mode="AllowOnlyApprovedOutbound"
            ),
            tags=resource_tags(spec),
            lifecycle=protect(spec.protection.stateful),
        )
        self.vault_endpoint = private_endpoint(
            self,
            "vault_endpoint",
            spec=spec,
            ids=ids,
            domain="serving",
            name=f"{vault_name}-vault",
            target=self.vault.id,
            subresource="vault",
            zones=("privatelink.vaultcore.azure.net",),
        )
        self.endpoint = private_endpoint(
            self,
            "endpoint",
            spec=spec,
            ids=ids,
            domain="serving",
            name=f"{name}-workspace",
            target=self.workspace.id,
            subresource="amlworkspace",
            zones=("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"),
        )
        diagnostics(self, "vault_diagnostics", ids, self.vault.id)
        diagnostics(self, "diagnostics", ids, self.workspace.id)
        delete_lock(self, "vault_lock", spec, self.vault.id)
        delete_lock(self, "lock", spec, self.workspace.id)
        output(self, "workspace", self.workspace.name)
        output(self, "online_endpoint_instance_type", serving.azure.instance_type)
        output(self, "online_endpoint_min_instances", serving.min_capacity)
        output(self, "online_endpoint_max_instances", serving.max_capacity)
