"""AWS streaming: Amazon MSK, provisioned brokers or MSK Serverless, private and IAM-authenticated.

Topics (`domains.streaming.topics`) are not Terraform resources on MSK: the AWS provider has no topic
resource, so the platform's bootstrap job creates them over the Kafka protocol after apply. The
provisioned cluster's configuration turns topic auto-creation off, so only that job makes topics.

Inputs from the foundation stack: `private_subnet_ids`, `vpc_id`; when provisioned also `streaming_key_arn`
(encryption at rest) and `logs_key_arn` (broker log group). MSK Serverless always encrypts at rest with
a key AWS manages: it has no customer-managed key option.
"""

from __future__ import annotations

from cdktn import Fn, Token
from cdktn_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktn_provider_aws.data_aws_msk_bootstrap_brokers import DataAwsMskBootstrapBrokers
from cdktn_provider_aws.msk_cluster import (
    MskCluster,
    MskClusterBrokerNodeGroupInfo,
    MskClusterBrokerNodeGroupInfoConnectivityInfo,
    MskClusterBrokerNodeGroupInfoConnectivityInfoPublicAccess,
    MskClusterBrokerNodeGroupInfoStorageInfo,
    MskClusterBrokerNodeGroupInfoStorageInfoEbsStorageInfo,
    MskClusterClientAuthentication,
    MskClusterClientAuthenticationSasl,
    MskClusterConfigurationInfo,
    MskClusterEncryptionInfo,
    MskClusterEncryptionInfoEncryptionInTransit,
    MskClusterLoggingInfo,
    MskClusterLoggingInfoBrokerLogs,
    MskClusterLoggingInfoBrokerLogsCloudwatchLogs,
)
from cdktn_provider_aws.msk_configuration import MskConfiguration
from cdktn_provider_aws.msk_serverless_cluster import (
    MskServerlessCluster,
    MskServerlessClusterClientAuthentication,
    MskServerlessClusterClientAuthenticationSasl,
    MskServerlessClusterClientAuthenticationSaslIam,
    MskServerlessClusterVpcConfig,
)
from constructs import Construct

from blueprint.errors import BlueprintError
from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from modules.primitives.aws import LOG_RETENTION_DAYS, PrivateSecurityGroup
from modules.primitives.vocabulary import input_from, output, protect

KAFKA_VERSION = "3.8.x"
KAFKA_IAM_PORT = 9098  # SASL/IAM over TLS, the only listener clients get
MSK_MAX_AZS = {"provisioned": 3, "serverless": 5}  # MSK spreads over 2-3 AZs; Serverless 2-5 subnets
SERVER_PROPERTIES = "\n".join(
    [
        "auto.create.topics.enable=false",  # topics come from the spec, through the bootstrap job
        "default.replication.factor=3",
        "min.insync.replicas=2",
        "unclean.leader.election.enable=false",
    ]
)


class AwsStreaming(Construct):
    """Attributes: `cluster` (MskCluster or MskServerlessCluster), `security_group`, `log_group`
    (provisioned only), `broker_count` (0 when serverless)."""

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        settings = spec.domains.streaming
        foundation = spec.domains.foundation
        if foundation.az_count < 2:
            raise BlueprintError(
                f"environments/{spec.name}.yaml: domains.foundation.az_count is 1, but MSK needs private "
                "subnets in at least 2 AZs",
                fix="set domains.foundation.az_count: 2 or more (or disable domains.streaming)",
            )
        azs = min(foundation.az_count, MSK_MAX_AZS[settings.mode])
        subnets = input_from(self, "foundation", "private_subnet_ids", list_of_strings=True)
        if foundation.az_count > azs:  # the foundation's subnets go a, b, c, ...: take the first ones
            subnets = Token.as_list(Fn.slice(subnets, 0, azs))
        vpc_id = input_from(self, "foundation", "vpc_id")
        name = namer.base("kafka")
        self.security_group = PrivateSecurityGroup(
            self,
            "security_group",
            name=name,
            description=f"MSK {name}: Kafka (SASL/IAM over TLS) from inside the VPC only",
            vpc_id=vpc_id,
            ingress=[("Kafka IAM/TLS from the VPC", "tcp", KAFKA_IAM_PORT, foundation.cidr)],
            egress=[],
        )
        self.log_group: CloudwatchLogGroup | None = None
        self.broker_count = 0
        self.cluster: MskCluster | MskServerlessCluster
        if settings.mode == "provisioned":
            self._provisioned(spec, namer, name, subnets, azs)
        else:
            self.cluster = MskServerlessCluster(
                self,
                "cluster",
                cluster_name=name,
                client_authentication=MskServerlessClusterClientAuthentication(
                    sasl=MskServerlessClusterClientAuthenticationSasl(
                        iam=MskServerlessClusterClientAuthenticationSaslIam(enabled=True)
                    )
                ),
                vpc_config=[
                    MskServerlessClusterVpcConfig(
                        subnet_ids=subnets, security_group_ids=[self.security_group.group.id]
                    )
                ],
                lifecycle=protect(spec.protection.stateful),
            )
            # MSK Serverless has no bootstrap attribute: the data source asks GetBootstrapBrokers.
            brokers = DataAwsMskBootstrapBrokers(self, "bootstrap_brokers", cluster_arn=self.cluster.arn)
            output(self, "bootstrap_brokers_sasl_iam", brokers.bootstrap_brokers_sasl_iam)
        output(self, "cluster_arn", self.cluster.arn)
        output(self, "cluster_name", self.cluster.cluster_name)
        output(self, "security_group_id", self.security_group.group.id)

    def _provisioned(self, spec: PlatformSpec, namer: Namer, name: str, subnets: list[str], azs: int) -> None:
        settings = spec.domains.streaming
        self.broker_count = settings.aws.brokers_per_az * azs
        self.log_group = CloudwatchLogGroup(
            self,
            "broker_logs",
            name=f"/aws/msk/{name}",
            kms_key_id=input_from(self, "foundation", "logs_key_arn"),
            retention_in_days=LOG_RETENTION_DAYS,
            lifecycle=protect(spec.protection.stateful),
        )
        configuration = MskConfiguration(
            self,
            "configuration",
            name=name,
            description=f"Broker settings of {name}",
            kafka_versions=[KAFKA_VERSION],
            server_properties=SERVER_PROPERTIES,
        )
        self.cluster = MskCluster(
            self,
            "cluster",
            cluster_name=name,
            kafka_version=KAFKA_VERSION,
            number_of_broker_nodes=self.broker_count,
            broker_node_group_info=MskClusterBrokerNodeGroupInfo(
                client_subnets=subnets,
                instance_type=settings.aws.broker_instance_type,
                security_groups=[self.security_group.group.id],
                storage_info=MskClusterBrokerNodeGroupInfoStorageInfo(
                    ebs_storage_info=MskClusterBrokerNodeGroupInfoStorageInfoEbsStorageInfo(
                        volume_size=settings.aws.broker_volume_gib
                    )
                ),
                connectivity_info=MskClusterBrokerNodeGroupInfoConnectivityInfo(
                    public_access=MskClusterBrokerNodeGroupInfoConnectivityInfoPublicAccess(type="DISABLED")
                ),
            ),
            client_authentication=MskClusterClientAuthentication(
                sasl=MskClusterClientAuthenticationSasl(iam=True), unauthenticated=False
            ),
            configuration_info=MskClusterConfigurationInfo(
                arn=configuration.arn, revision=configuration.latest_revision
            ),
            encryption_info=MskClusterEncryptionInfo(
                encryption_at_rest_kms_key_arn=input_from(self, "foundation", "streaming_key_arn"),
                encryption_in_transit=MskClusterEncryptionInfoEncryptionInTransit(
                    client_broker="TLS", in_cluster=True
                ),
            ),
            enhanced_monitoring="PER_BROKER",
            logging_info=MskClusterLoggingInfo(
                broker_logs=MskClusterLoggingInfoBrokerLogs(
                    cloudwatch_logs=MskClusterLoggingInfoBrokerLogsCloudwatchLogs(
                        enabled=True, log_group=self.log_group.name
                    )
                )
            ),
            lifecycle=protect(spec.protection.stateful),
        )
        output(self, "bootstrap_brokers_sasl_iam", self.cluster.bootstrap_brokers_sasl_iam)
