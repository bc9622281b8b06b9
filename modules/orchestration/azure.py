"""Azure orchestration: Azure Data Factory.

What an Airflow user should expect: ADF runs pipelines (activities, triggers, data flows) authored in
ADF Studio or as JSON, not Airflow DAGs. The Airflow-in-ADF "Workflow Orchestration Manager" is retired
and azurerm has no resource for it, so `environment_class` and `max_workers` (MWAA / Composer sizes) have
no Azure meaning; pipelines scale on the managed integration runtime. DAGs in the lake's `artifacts`
container can still be run by an Airflow the team hosts itself (e.g. on AKS) in the workloads subnet.

Secure defaults: managed virtual network (the auto-resolve integration runtime reaches data stores only
through managed private endpoints), the orchestration user-assigned identity (granted Storage Blob Data
Contributor on the lake by the foundation), the foundation's `orchestration` key, public network access
off with a private endpoint for the authoring/runtime surface, diagnostics to Log Analytics.
"""

from __future__ import annotations

from cdktn_provider_azurerm.data_factory import DataFactory, DataFactoryIdentity
from cdktn_provider_azurerm.data_factory_integration_runtime_azure import DataFactoryIntegrationRuntimeAzure
from cdktn_provider_azurerm.data_factory_managed_private_endpoint import DataFactoryManagedPrivateEndpoint
from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from modules.lake.azure import lake_account_id
from modules.primitives.azure import AzureIds, delete_lock, diagnostics, private_endpoint
from modules.primitives.vocabulary import output, protect, resource_tags


class AzureOrchestration(Construct):
    """The orchestrator of one environment. Attributes: `factory`, `runtime`, `lake_endpoint`,
    `endpoint`."""

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        ids = AzureIds(spec, namer)
        identity = ids.identity_id("orchestration")
        name = namer.azure_data_factory()
        self.factory = DataFactory(
            self,
            "factory",
            name=name,
            resource_group_name=ids.resource_group("orchestration"),
            location=ids.location,
            managed_virtual_network_enabled=True,
            public_network_enabled=False,
            identity=DataFactoryIdentity(type="UserAssigned", identity_ids=[identity]),
            customer_managed_key_id=ids.key_versionless_id("orchestration"),
            customer_managed_key_identity_id=identity,
            tags=resource_tags(spec),
            lifecycle=protect(spec.protection.stateful),
        )
        self.runtime = DataFactoryIntegrationRuntimeAzure(
            self,
            "runtime",
            name="managed-vnet",
            data_factory_id=self.factory.id,
            location="AutoResolve",
            virtual_network_enabled=True,
        )
        self.lake_endpoint: DataFactoryManagedPrivateEndpoint | None = None
        if spec.domains.lake.enabled:
            # The lake is reached over a managed private endpoint (approved on the storage account).
            self.lake_endpoint = DataFactoryManagedPrivateEndpoint(
                self,
                "lake_endpoint",
                name="lake-dfs",
                data_factory_id=self.factory.id,
                target_resource_id=lake_account_id(ids),
                subresource_name="dfs",
            )
        self.endpoint = private_endpoint(
            self,
            "endpoint",
            spec=spec,
            ids=ids,
            domain="orchestration",
            name=f"{name}-factory",
            target=self.factory.id,
            subresource="dataFactory",
            zones=("privatelink.datafactory.azure.net",),
        )
        diagnostics(self, "diagnostics", ids, self.factory.id)
        delete_lock(self, "lock", spec, self.factory.id)
        output(self, "data_factory", self.factory.name)
        output(self, "data_factory_id", self.factory.id)
