"""GCP streaming: a Google Cloud Managed Service for Apache Kafka cluster and the spec's topics.

The cluster is encrypted with the foundation's `kafka` key (CMEK), reachable only from the
environment's private subnet (Private Service Connect endpoints there, no public listener), sized by
`gcp.vcpu_count` / `gcp.memory_gib`. Clients authenticate with IAM (SASL) over TLS; Managed Kafka has no
plaintext listener. Topics are created by Terraform, with the spec's partitions, replication factor,
retention and cleanup policy.
"""

from __future__ import annotations

from cdktn_provider_google.managed_kafka_cluster import (
    ManagedKafkaCluster,
    ManagedKafkaClusterCapacityConfig,
    ManagedKafkaClusterGcpConfig,
    ManagedKafkaClusterGcpConfigAccessConfig,
    ManagedKafkaClusterGcpConfigAccessConfigNetworkConfigs,
    ManagedKafkaClusterRebalanceConfig,
)
from cdktn_provider_google.managed_kafka_topic import ManagedKafkaTopic
from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from modules.primitives.gcp import GcpNames, deletion_policy
from modules.primitives.vocabulary import output, protect

GIB = 1024**3
MS_PER_HOUR = 3600 * 1000


class GcpStreaming(Construct):
    """The Kafka cluster of one environment. Attributes: `cluster`, `topics` (name -> topic)."""

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        names = GcpNames.of(spec, namer)
        streaming = spec.domains.streaming
        protected = spec.protection.stateful
        self.cluster = ManagedKafkaCluster(
            self,
            "cluster",
            cluster_id=namer.gcp_resource("kafka"),
            location=names.region,
            capacity_config=ManagedKafkaClusterCapacityConfig(
                vcpu_count=str(streaming.gcp.vcpu_count), memory_bytes=str(streaming.gcp.memory_gib * GIB)
            ),
            gcp_config=ManagedKafkaClusterGcpConfig(
                kms_key=names.key_path("kafka"),
                access_config=ManagedKafkaClusterGcpConfigAccessConfig(
                    network_configs=[
                        ManagedKafkaClusterGcpConfigAccessConfigNetworkConfigs(subnet=names.subnet_path)
                    ]
                ),
            ),
            rebalance_config=ManagedKafkaClusterRebalanceConfig(mode="AUTO_REBALANCE_ON_SCALE_UP"),
            lifecycle=protect(protected),
            deletion_policy=deletion_policy(protected),
        )
        self.topics: dict[str, ManagedKafkaTopic] = {}
        for topic in streaming.topics:
            self.topics[topic.name] = ManagedKafkaTopic(
                self,
                f"topic_{topic.name.replace('.', '_').replace('-', '_')}",
                topic_id=topic.name,
                cluster=self.cluster.cluster_id,
                location=names.region,
                partition_count=topic.partitions,
                replication_factor=topic.replication_factor,
                configs={
                    "retention.ms": str(topic.retention_hours * MS_PER_HOUR),
                    "cleanup.policy": topic.cleanup_policy,
                },
                lifecycle=protect(protected),
                deletion_policy=deletion_policy(protected),
            )
        output(self, "cluster", self.cluster.id)
        output(
            self,
            "bootstrap_address",
            f"bootstrap.{namer.gcp_resource('kafka')}.{names.region}.managedkafka.{names.project}.cloud.goog:9092",
        )
