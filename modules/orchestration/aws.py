"""AWS orchestration: an Amazon MWAA (managed Airflow) environment in the private subnets, its DAGs read
from the lake's artifacts bucket under `dags/`, and the DAG files of `pipelines/airflow/` uploaded there.

Inputs from the foundation stack: `private_subnet_ids`, `vpc_id`, `s3_prefix_list_id`,
`orchestration_key_arn`, `data_key_arn`. Bucket names come from `blueprint.naming`.
"""

from __future__ import annotations

from cdktn import Fn, Token
from cdktn_provider_aws.mwaa_environment import (
    MwaaEnvironment,
    MwaaEnvironmentLoggingConfiguration,
    MwaaEnvironmentLoggingConfigurationDagProcessingLogs,
    MwaaEnvironmentLoggingConfigurationSchedulerLogs,
    MwaaEnvironmentLoggingConfigurationTaskLogs,
    MwaaEnvironmentLoggingConfigurationWebserverLogs,
    MwaaEnvironmentLoggingConfigurationWorkerLogs,
    MwaaEnvironmentNetworkConfiguration,
)
from cdktn_provider_aws.s3_object import S3Object
from constructs import Construct

from blueprint.errors import BlueprintError
from blueprint.naming import Namer, aws_partition
from blueprint.spec import PlatformSpec
from modules.orchestration.dags import DAG_PREFIX, DAGS_DIR, dag_files
from modules.primitives.aws import HTTPS, PREFIX_LIST, IamRole, PrivateSecurityGroup
from modules.primitives.vocabulary import ARTIFACTS, ZONES, input_from, output, protect

AIRFLOW_VERSION = "3.0.6"  # an Airflow 3 MWAA offers; pipelines/airflow targets Airflow 3
MWAA_SUBNETS = 2  # MWAA takes exactly two private subnets in two AZs


class AwsOrchestration(Construct):
    """Attributes: `environment`, `role`, `security_group`, `dags` (key -> S3Object)."""

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        settings = spec.domains.orchestration
        foundation = spec.domains.foundation
        if foundation.az_count < MWAA_SUBNETS:
            raise BlueprintError(
                f"environments/{spec.name}.yaml: domains.foundation.az_count is 1, but MWAA needs private "
                f"subnets in {MWAA_SUBNETS} AZs",
                fix="set domains.foundation.az_count: 2 or more (or disable domains.orchestration)",
            )
        aws = spec.clouds.aws
        assert aws is not None
        partition, region = aws_partition(aws.region), aws.region
        subnets = Token.as_list(
            Fn.slice(
                input_from(self, "foundation", "private_subnet_ids", list_of_strings=True), 0, MWAA_SUBNETS
            )
        )
        vpc_id = input_from(self, "foundation", "vpc_id")
        s3_prefix_list = input_from(self, "foundation", "s3_prefix_list_id")
        orchestration_key = input_from(self, "foundation", "orchestration_key_arn")
        data_key = input_from(self, "foundation", "data_key_arn")
        name = namer.base("airflow")
        artifacts = namer.s3_bucket("lake", ARTIFACTS)
        artifacts_arn = f"arn:{partition}:s3:::{artifacts}"
        zone_arns = [f"arn:{partition}:s3:::{namer.s3_bucket('lake', z)}" for z in ZONES]

        self.role = IamRole(
            self,
            "role",
            name=namer.base("airflow-execution"),
            description=f"MWAA {name}: reads its DAGs, works on the lake zones, logs and queues",
            services=["airflow.amazonaws.com", "airflow-env.amazonaws.com"],
            statements=[
                {
                    "Sid": "PublishMetrics",
                    "Effect": "Allow",
                    "Action": "airflow:PublishMetrics",
                    "Resource": f"arn:{partition}:airflow:{region}:*:environment/{name}",
                },
                {
                    "Sid": "ReadDags",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                    "Resource": f"{artifacts_arn}/{DAG_PREFIX}*",
                },
                {
                    "Sid": "ListArtifacts",
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning"],
                    "Resource": [artifacts_arn, *zone_arns],
                },
                {
                    "Sid": "WorkOnLakeZones",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    "Resource": [f"{arn}/*" for arn in zone_arns],
                },
                {
                    # Checked by MWAA on its source bucket's account; the action has no resource type.
                    "Sid": "CheckPublicAccessBlock",
                    "Effect": "Allow",
                    "Action": "s3:GetAccountPublicAccessBlock",
                    "Resource": "*",
                },
                {
                    "Sid": "WriteAirflowLogs",
                    "Effect": "Allow",
                    "Action": [
                        "logs:CreateLogStream",
                        "logs:CreateLogGroup",
                        "logs:PutLogEvents",
                        "logs:GetLogEvents",
                        "logs:GetLogRecord",
                        "logs:GetLogGroupFields",
                        "logs:GetQueryResults",
                    ],
                    "Resource": f"arn:{partition}:logs:{region}:*:log-group:airflow-{name}-*",
                },
                {
                    "Sid": "DescribeLogGroupsAndPutMetrics",  # these actions have no resource type
                    "Effect": "Allow",
                    "Action": ["logs:DescribeLogGroups", "cloudwatch:PutMetricData"],
                    "Resource": "*",
                },
                {
                    "Sid": "CeleryQueue",
                    "Effect": "Allow",
                    "Action": [
                        "sqs:ChangeMessageVisibility",
                        "sqs:DeleteMessage",
                        "sqs:GetQueueAttributes",
                        "sqs:GetQueueUrl",
                        "sqs:ReceiveMessage",
                        "sqs:SendMessage",
                    ],
                    "Resource": f"arn:{partition}:sqs:{region}:*:airflow-celery-*",
                },
                {
                    "Sid": "UseTheEnvironmentAndDataKeys",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"],
                    "Resource": [orchestration_key, data_key],
                },
            ],
        )
        self.security_group = PrivateSecurityGroup(
            self,
            "security_group",
            name=name,
            description=f"MWAA {name}: its own components talk to each other; HTTPS to endpoints and S3",
            vpc_id=vpc_id,
            ingress=[("MWAA components to each other", "-1", None, "self")],
            egress=[
                ("MWAA components to each other", "-1", None, "self"),
                ("HTTPS to the VPC's interface endpoints", "tcp", HTTPS, foundation.cidr),
                ("HTTPS to S3 through the gateway endpoint", "tcp", HTTPS, f"{PREFIX_LIST}{s3_prefix_list}"),
            ],
        )
        self.dags: dict[str, S3Object] = {}
        for i, dag in enumerate(dag_files(DAGS_DIR)):
            self.dags[dag.key] = S3Object(
                self,
                f"dag_{i}",
                bucket=artifacts,
                key=dag.key,
                content=dag.content,
                content_type="text/x-python",
                source_hash=dag.md5,  # SSE-KMS objects have no MD5 etag: this re-uploads on change
                server_side_encryption="aws:kms",
                kms_key_id=data_key,
                bucket_key_enabled=True,
            )
        self.environment = MwaaEnvironment(
            self,
            "environment",
            name=name,
            airflow_version=AIRFLOW_VERSION,
            environment_class=settings.environment_class,
            max_workers=settings.max_workers,
            min_workers=1,
            execution_role_arn=self.role.role.arn,
            kms_key=orchestration_key,
            source_bucket_arn=artifacts_arn,
            dag_s3_path=DAG_PREFIX,
            webserver_access_mode="PRIVATE_ONLY",
            network_configuration=MwaaEnvironmentNetworkConfiguration(
                subnet_ids=subnets, security_group_ids=[self.security_group.group.id]
            ),
            logging_configuration=MwaaEnvironmentLoggingConfiguration(
                dag_processing_logs=MwaaEnvironmentLoggingConfigurationDagProcessingLogs(
                    enabled=True, log_level="WARNING"
                ),
                scheduler_logs=MwaaEnvironmentLoggingConfigurationSchedulerLogs(
                    enabled=True, log_level="WARNING"
                ),
                task_logs=MwaaEnvironmentLoggingConfigurationTaskLogs(enabled=True, log_level="INFO"),
                webserver_logs=MwaaEnvironmentLoggingConfigurationWebserverLogs(
                    enabled=True, log_level="WARNING"
                ),
                worker_logs=MwaaEnvironmentLoggingConfigurationWorkerLogs(enabled=True, log_level="WARNING"),
            ),
            depends_on=[self.role.policy, *self.dags.values()],
            lifecycle=protect(spec.protection.stateful),
        )
        output(self, "environment_arn", self.environment.arn)
        output(self, "environment_name", self.environment.name)
        output(self, "webserver_url", self.environment.webserver_url)
