"""Azure streaming: an Event Hubs namespace (the Kafka surface on port 9093) with one event hub per topic.

`streaming.mode` chooses the tier: `serverless` -> Standard (throughput units = `azure.capacity_units`),
`provisioned` -> Premium (processing units = `azure.capacity_units`). Minimum TLS 1.2, local (SAS key)
authentication off so clients use Entra ID (OAUTHBEARER for Kafka), public network access off with a
private endpoint, diagnostics to Log Analytics, prevent_destroy and a delete lock when protected.

What a spec setting cannot mean here, said rather than hidden:
- A customer-managed key needs Premium: with `mode: serverless` (Standard) the namespace is encrypted with
  Microsoft-managed keys. Choose `mode: provisioned` for the foundation's `streaming` key.
- `replication_factor` has no Event Hubs meaning: the service keeps three replicas itself.
- Topic `cleanup_policy: compact` is an event hub with the Compact cleanup policy (Premium only); its
  `retention_hours` becomes the tombstone retention.
- Standard has no zone-redundancy switch and limits partitions to 32 and retention to 7 days (the spec
  already refuses more in serverless mode).
"""

from __future__ import annotations

from cdktn_provider_azurerm.eventhub import Eventhub, EventhubRetentionDescription
from cdktn_provider_azurerm.eventhub_namespace import (
    EventhubNamespace,
    EventhubNamespaceIdentity,
    EventhubNamespaceNetworkRulesets,
)
from cdktn_provider_azurerm.eventhub_namespace_customer_managed_key import EventhubNamespaceCustomerManagedKey
from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import KafkaTopic, PlatformSpec
from modules.primitives.azure import AzureIds, delete_lock, diagnostics, private_endpoint
from modules.primitives.vocabulary import output, protect, resource_tags

SKUS = {"serverless": "Standard", "provisioned": "Premium"}
KAFKA_PORT = 9093


def hub_name(topic: KafkaTopic) -> str:
    """Event hub names allow letters, digits, '.', '_' and '-': a spec topic name is already legal."""
    return topic.name


class AzureStreaming(Construct):
    """The Kafka surface of one environment. Attributes: `namespace`, `hubs` (topic -> event hub),
    `customer_managed_key` (None on Standard), `endpoint`."""

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        streaming = spec.domains.streaming
        ids = AzureIds(spec, namer)
        sku = SKUS[streaming.mode]
        premium = sku == "Premium"
        identity = ids.identity_id("streaming")
        name = namer.azure_eventhub_namespace()
        # The construct id names the tier, so a CMK-less Standard namespace is addressable on its own.
        self.namespace = EventhubNamespace(
            self,
            f"namespace_{sku.lower()}",
            name=name,
            resource_group_name=ids.resource_group("streaming"),
            location=ids.location,
            sku=sku,
            capacity=streaming.azure.capacity_units,
            minimum_tls_version="1.2",
            local_authentication_enabled=False,
            public_network_access_enabled=False,
            network_rulesets=[
                EventhubNamespaceNetworkRulesets(
                    default_action="Deny",
                    public_network_access_enabled=False,
                    trusted_service_access_enabled=True,
                )
            ],
            identity=EventhubNamespaceIdentity(type="UserAssigned", identity_ids=[identity]),
            tags=resource_tags(spec),
            lifecycle=protect(spec.protection.stateful),
        )
        self.customer_managed_key: EventhubNamespaceCustomerManagedKey | None = None
        if premium:
            self.customer_managed_key = EventhubNamespaceCustomerManagedKey(
                self,
                "customer_managed_key",
                eventhub_namespace_id=self.namespace.id,
                key_vault_key_ids=[ids.key_versionless_id("streaming")],
                user_assigned_identity_id=identity,
                infrastructure_encryption_enabled=True,
            )
        self.hubs: dict[str, Eventhub] = {}
        for i, topic in enumerate(streaming.topics):
            compact = topic.cleanup_policy == "compact"
            self.hubs[topic.name] = Eventhub(
                self,
                f"topic_{i}",
                name=hub_name(topic),
                namespace_id=self.namespace.id,
                partition_count=topic.partitions,
                retention_description=EventhubRetentionDescription(
                    cleanup_policy="Compact" if compact else "Delete",
                    retention_time_in_hours=None if compact else topic.retention_hours,
                    tombstone_retention_time_in_hours=topic.retention_hours if compact else None,
                ),
                lifecycle=protect(spec.protection.stateful),
            )
        self.endpoint = private_endpoint(
            self,
            "endpoint",
            spec=spec,
            ids=ids,
            domain="streaming",
            name=f"{name}-namespace",
            target=self.namespace.id,
            subresource="namespace",
            zones=("privatelink.servicebus.windows.net",),
        )
        diagnostics(self, "diagnostics", ids, self.namespace.id)
        delete_lock(self, "lock", spec, self.namespace.id)
        output(self, "namespace", self.namespace.name)
        output(self, "bootstrap_servers", f"{name}.servicebus.windows.net:{KAFKA_PORT}")
