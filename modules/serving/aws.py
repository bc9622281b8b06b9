"""AWS serving: a SageMaker real-time endpoint in the private subnets, network-isolated, with data capture
into the lake's raw zone and target-tracking auto scaling.

The model artifact is read from `s3://<artifacts bucket>/models/<model name>/model.tar.gz`; the model
pipeline puts it there before the endpoint is created. The SageMaker model pipeline of
`pipelines/sagemaker/` (train, evaluate, condition, register, update the endpoint) is registered here
with the roles and buckets this stack creates; from then on the pipeline owns which endpoint
configuration is live, so Terraform creates the endpoint with its first configuration and leaves that
choice alone (`ignore_changes`). The container is AWS's public scikit-learn
serving image of the region (SageMaker's own ECR registries, listed below).

Inputs from the foundation stack: `private_subnet_ids`, `vpc_id`, `s3_prefix_list_id`,
`serving_key_arn`, `data_key_arn`. Bucket names come from `blueprint.naming`.
"""

from __future__ import annotations

import hashlib

from cdktn import TerraformResourceLifecycle
from cdktn_provider_aws.appautoscaling_policy import (
    AppautoscalingPolicy,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
)
from cdktn_provider_aws.appautoscaling_target import AppautoscalingTarget
from cdktn_provider_aws.s3_object import S3Object
from cdktn_provider_aws.sagemaker_endpoint import SagemakerEndpoint
from cdktn_provider_aws.sagemaker_endpoint_configuration import (
    SagemakerEndpointConfiguration,
    SagemakerEndpointConfigurationDataCaptureConfig,
    SagemakerEndpointConfigurationDataCaptureConfigCaptureOptions,
    SagemakerEndpointConfigurationProductionVariants,
)
from cdktn_provider_aws.sagemaker_model import (
    SagemakerModel,
    SagemakerModelPrimaryContainer,
    SagemakerModelVpcConfig,
)
from cdktn_provider_aws.sagemaker_model_package_group import SagemakerModelPackageGroup
from cdktn_provider_aws.sagemaker_pipeline import SagemakerPipeline
from constructs import Construct

from blueprint.errors import BlueprintError
from blueprint.naming import Namer, aws_partition
from blueprint.paths import code_file
from blueprint.spec import PlatformSpec
from modules.primitives.aws import HTTPS, PREFIX_LIST, IamRole, PrivateSecurityGroup
from modules.primitives.vocabulary import ARTIFACTS, input_from, output

PIPELINES_DIR = code_file("pipelines", "sagemaker")
PIPELINE_PREFIX = "model-pipeline/"  # everything the pipeline reads and writes in the artifacts bucket
# Placeholders of the committed definitions (pipelines/sagemaker/README.md), replaced at synth time.
PLACEHOLDER_ROLE = "arn:aws:iam::000000000000:role/blueprint-placeholder-pipeline-role"
PLACEHOLDER_BUCKET = "blueprint-placeholder-artifacts-bucket"
PLACEHOLDER_ENDPOINT = "blueprint-placeholder-endpoint"
PLACEHOLDER_GROUP = "blueprint-placeholder-model-package-group"
VARIANT = "primary"
DATA_CAPTURE_PREFIX = "data-capture/"
DATA_CAPTURE_SAMPLING_PERCENT = 20
# Target of the SageMakerVariantInvocationsPerInstance metric (invocations per instance per minute).
INVOCATIONS_PER_INSTANCE = 100
SCALE_IN_COOLDOWN_S, SCALE_OUT_COOLDOWN_S = 300, 60
IMAGE_REPOSITORY, IMAGE_TAG = "sagemaker-scikit-learn", "1.2-1-cpu-py3"
# The AWS accounts hosting SageMaker's prebuilt scikit-learn images, per region (AWS publishes them in
# the SageMaker docs and the SageMaker Python SDK's image URI configuration).
SKLEARN_IMAGE_ACCOUNTS = {
    "us-east-1": "683313688378",
    "us-east-2": "257758044811",
    "us-west-1": "746614075791",
    "us-west-2": "246618743249",
    "eu-west-1": "141502667606",
    "eu-west-2": "764974769150",
    "eu-central-1": "492215442770",
    "ap-southeast-2": "783357654285",
    "ap-northeast-1": "354813040037",
}


def pipeline_definition(region: str, *, role_arn: str, bucket: str, endpoint: str, group: str) -> str:
    """The committed model pipeline definition of `region` with this environment's names."""
    path = PIPELINES_DIR / f"definition.{region}.json"
    if not path.is_file():
        raise BlueprintError(
            f"no model pipeline definition for region {region!r} ({path} is missing)",
            fix=f"generate it: .venv-pipelines/bin/python pipelines/sagemaker/build.py --placeholders "
            f"--region {region} > {path.relative_to(PIPELINES_DIR.parents[1])}",
        )
    text = path.read_text()
    for placeholder, value in (
        (PLACEHOLDER_ROLE, role_arn),
        (PLACEHOLDER_BUCKET, bucket),
        (PLACEHOLDER_ENDPOINT, endpoint),
        (PLACEHOLDER_GROUP, group),
    ):
        text = text.replace(placeholder, value)
    return text


def serving_image_uri(region: str) -> str:
    """The public SageMaker scikit-learn serving image of `region`, built without an API call."""
    account = SKLEARN_IMAGE_ACCOUNTS.get(region)
    if account is None:
        raise BlueprintError(
            f"no SageMaker serving image registry is known for region {region!r}",
            fix=f"add the region's account to SKLEARN_IMAGE_ACCOUNTS in {__name__.replace('.', '/')}.py "
            f"(known: {', '.join(sorted(SKLEARN_IMAGE_ACCOUNTS))})",
        )
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{account}.dkr.ecr.{region}.{suffix}/{IMAGE_REPOSITORY}:{IMAGE_TAG}"


class AwsServing(Construct):
    """Attributes: `model`, `endpoint_config`, `endpoint`, `role`, `security_group`, `scaling_target`,
    `scaling_policy`."""

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        settings = spec.domains.serving
        foundation = spec.domains.foundation
        aws = spec.clouds.aws
        assert aws is not None
        partition, region = aws_partition(aws.region), aws.region
        image = serving_image_uri(region)
        subnet_ids = input_from(self, "foundation", "private_subnet_ids", list_of_strings=True)
        vpc_id = input_from(self, "foundation", "vpc_id")
        s3_prefix_list = input_from(self, "foundation", "s3_prefix_list_id")
        serving_key = input_from(self, "foundation", "serving_key_arn")
        data_key = input_from(self, "foundation", "data_key_arn")
        name = namer.base("serving")
        model_name = f"{name}-model"
        artifacts = namer.s3_bucket("lake", ARTIFACTS)
        raw = namer.s3_bucket("lake", "raw")
        artifacts_arn, raw_arn = f"arn:{partition}:s3:::{artifacts}", f"arn:{partition}:s3:::{raw}"
        models_prefix = f"models/{model_name}/"
        ec2 = f"arn:{partition}:ec2:{region}:*"

        self.role = IamRole(
            self,
            "role",
            name=namer.base("serving-sagemaker"),
            description=f"SageMaker {name}: reads its model, writes captured data, runs in the VPC",
            services=["sagemaker.amazonaws.com"],
            statements=[
                {
                    "Sid": "ReadModelArtifacts",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject"],
                    "Resource": f"{artifacts_arn}/{models_prefix}*",
                },
                {
                    "Sid": "ListModelArtifacts",
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket"],
                    "Resource": artifacts_arn,
                    "Condition": {"StringLike": {"s3:prefix": [f"{models_prefix}*"]}},
                },
                {
                    "Sid": "WriteCapturedData",
                    "Effect": "Allow",
                    "Action": ["s3:PutObject"],
                    "Resource": f"{raw_arn}/{DATA_CAPTURE_PREFIX}*",
                },
                {
                    "Sid": "UseTheServingAndDataKeys",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                    "Resource": [serving_key, data_key],
                },
                {
                    "Sid": "NetworkInterfacesInTheVpc",
                    "Effect": "Allow",
                    "Action": [
                        "ec2:CreateNetworkInterface",
                        "ec2:CreateNetworkInterfacePermission",
                        "ec2:DeleteNetworkInterface",
                        "ec2:DeleteNetworkInterfacePermission",
                    ],
                    "Resource": [
                        f"{ec2}:network-interface/*",
                        f"{ec2}:subnet/*",
                        f"{ec2}:security-group/*",
                    ],
                },
                {
                    "Sid": "DescribeTheVpc",  # Describe* calls have no resource type
                    "Effect": "Allow",
                    "Action": [
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeVpcs",
                        "ec2:DescribeDhcpOptions",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeSecurityGroups",
                        "cloudwatch:PutMetricData",
                    ],
                    "Resource": "*",
                },
                {
                    "Sid": "WriteEndpointLogs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": [
                        f"arn:{partition}:logs:{region}:*:log-group:/aws/sagemaker/Endpoints/{name}",
                        f"arn:{partition}:logs:{region}:*:log-group:/aws/sagemaker/Endpoints/{name}:*",
                    ],
                },
            ],
        )
        self.security_group = PrivateSecurityGroup(
            self,
            "security_group",
            name=name,
            description=f"SageMaker {name}: no inbound; HTTPS to the VPC's endpoints and S3 only",
            vpc_id=vpc_id,
            ingress=[],
            egress=[
                ("HTTPS to the VPC's interface endpoints", "tcp", HTTPS, foundation.cidr),
                ("HTTPS to S3 through the gateway endpoint", "tcp", HTTPS, f"{PREFIX_LIST}{s3_prefix_list}"),
            ],
        )
        self.model = SagemakerModel(
            self,
            "model",
            name=model_name,
            execution_role_arn=self.role.role.arn,
            enable_network_isolation=True,
            primary_container=SagemakerModelPrimaryContainer(
                image=image, model_data_url=f"s3://{artifacts}/{models_prefix}model.tar.gz"
            ),
            vpc_config=SagemakerModelVpcConfig(
                subnets=subnet_ids, security_group_ids=[self.security_group.group.id]
            ),
            depends_on=[self.role.policy],
        )
        self.endpoint_config = SagemakerEndpointConfiguration(
            self,
            "endpoint_config",
            name=f"{name}-config",
            kms_key_arn=serving_key,
            production_variants=[
                SagemakerEndpointConfigurationProductionVariants(
                    variant_name=VARIANT,
                    model_name=self.model.name,
                    instance_type=settings.aws.instance_type,
                    initial_instance_count=settings.min_capacity,
                    initial_variant_weight=1,
                )
            ],
            data_capture_config=SagemakerEndpointConfigurationDataCaptureConfig(
                enable_capture=True,
                initial_sampling_percentage=DATA_CAPTURE_SAMPLING_PERCENT,
                destination_s3_uri=f"s3://{raw}/{DATA_CAPTURE_PREFIX}",
                kms_key_id=data_key,
                capture_options=[
                    SagemakerEndpointConfigurationDataCaptureConfigCaptureOptions(capture_mode=mode)
                    for mode in ("Input", "Output")
                ],
            ),
        )
        self.endpoint = SagemakerEndpoint(
            self,
            "endpoint",
            name=name,
            endpoint_config_name=self.endpoint_config.name,
            # The model pipeline deploys each approved model with a new configuration.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["endpoint_config_name"]),
        )
        self.scaling_target = AppautoscalingTarget(
            self,
            "scaling_target",
            service_namespace="sagemaker",
            resource_id=f"endpoint/{self.endpoint.name}/variant/{VARIANT}",
            scalable_dimension="sagemaker:variant:DesiredInstanceCount",
            min_capacity=settings.min_capacity,
            max_capacity=settings.max_capacity,
        )
        self.scaling_policy = AppautoscalingPolicy(
            self,
            "scaling_policy",
            name=f"{name}-invocations",
            policy_type="TargetTrackingScaling",
            service_namespace=self.scaling_target.service_namespace,
            resource_id=self.scaling_target.resource_id,
            scalable_dimension=self.scaling_target.scalable_dimension,
            target_tracking_scaling_policy_configuration=AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration(
                target_value=INVOCATIONS_PER_INSTANCE,
                scale_in_cooldown=SCALE_IN_COOLDOWN_S,
                scale_out_cooldown=SCALE_OUT_COOLDOWN_S,
                predefined_metric_specification=AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification(
                    predefined_metric_type="SageMakerVariantInvocationsPerInstance"
                ),
            ),
        )
        self._model_pipeline(spec, namer, name, serving_key, data_key)
        output(self, "endpoint_name", self.endpoint.name)
        output(self, "endpoint_arn", self.endpoint.arn)
        output(self, "model_data_url", f"s3://{artifacts}/{models_prefix}model.tar.gz")

    def _model_pipeline(
        self, spec: PlatformSpec, namer: Namer, endpoint: str, serving_key: str, data_key: str
    ) -> None:
        """The model package group, the pipeline's role, its evaluation script and the pipeline."""
        aws = spec.clouds.aws
        assert aws is not None
        partition, region = aws_partition(aws.region), aws.region
        artifacts = namer.s3_bucket("lake", ARTIFACTS)
        curated = namer.s3_bucket("lake", "curated")
        artifacts_arn = f"arn:{partition}:s3:::{artifacts}"
        pipeline_name, role_name = namer.base("model-pipeline"), namer.base("model-pipeline")
        sagemaker = f"arn:{partition}:sagemaker:{region}:*"
        self.model_package_group = SagemakerModelPackageGroup(
            self,
            "model_package_group",
            model_package_group_name=namer.base("model"),
            model_package_group_description=f"Models of {spec.name}, registered by {pipeline_name}",
        )
        self.pipeline_role = IamRole(
            self,
            "pipeline_role",
            name=role_name,
            description=f"SageMaker pipeline {pipeline_name}: trains, evaluates, registers, deploys",
            services=["sagemaker.amazonaws.com"],
            statements=[
                {
                    "Sid": "PipelineArtifacts",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject"],
                    "Resource": f"{artifacts_arn}/{PIPELINE_PREFIX}*",
                },
                {
                    "Sid": "ListPipelineArtifacts",
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket"],
                    "Resource": artifacts_arn,
                    "Condition": {"StringLike": {"s3:prefix": [f"{PIPELINE_PREFIX}*"]}},
                },
                {
                    "Sid": "ReadCuratedTrainingData",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject"],
                    "Resource": f"arn:{partition}:s3:::{curated}/*",
                },
                {
                    "Sid": "UseTheDataAndServingKeys",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"],
                    "Resource": [data_key, serving_key],
                },
                {
                    "Sid": "RunTheSteps",
                    "Effect": "Allow",
                    "Action": [
                        "sagemaker:CreateTrainingJob",
                        "sagemaker:DescribeTrainingJob",
                        "sagemaker:CreateProcessingJob",
                        "sagemaker:DescribeProcessingJob",
                        "sagemaker:CreateModelPackage",
                        "sagemaker:DescribeModelPackage",
                        "sagemaker:CreateModel",
                        "sagemaker:CreateEndpointConfig",
                        "sagemaker:DescribeEndpointConfig",
                        "sagemaker:CreateEndpoint",
                        "sagemaker:UpdateEndpoint",
                        "sagemaker:DescribeEndpoint",
                        "sagemaker:AddTags",
                    ],
                    "Resource": [
                        f"{sagemaker}:training-job/*",
                        f"{sagemaker}:processing-job/*",
                        f"{sagemaker}:model-package/{namer.base('model')}/*",
                        f"{sagemaker}:model-package-group/{namer.base('model')}",
                        f"{sagemaker}:model/*",
                        f"{sagemaker}:endpoint-config/*",
                        f"{sagemaker}:endpoint/{endpoint}",
                    ],
                },
                {
                    "Sid": "PassOnlyItself",
                    "Effect": "Allow",
                    "Action": ["iam:PassRole"],
                    "Resource": f"arn:{partition}:iam::*:role/{role_name}",
                    "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
                },
                {
                    "Sid": "JobLogs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": [
                        f"arn:{partition}:logs:{region}:*:log-group:/aws/sagemaker/*",
                        f"arn:{partition}:logs:{region}:*:log-group:/aws/sagemaker/*:*",
                    ],
                },
            ],
        )
        evaluate = PIPELINES_DIR / "evaluate.py"
        self.evaluation_code = S3Object(
            self,
            "evaluation_code",
            bucket=artifacts,
            key=f"{PIPELINE_PREFIX}code/evaluate.py",
            content=evaluate.read_text(),
            content_type="text/x-python",
            source_hash=hashlib.md5(evaluate.read_bytes()).hexdigest(),
            server_side_encryption="aws:kms",
            kms_key_id=data_key,
            bucket_key_enabled=True,
        )
        self.pipeline = SagemakerPipeline(
            self,
            "pipeline",
            pipeline_name=pipeline_name,
            pipeline_display_name=pipeline_name,
            pipeline_description=f"train -> evaluate -> register -> deploy to {endpoint}",
            role_arn=self.pipeline_role.role.arn,
            pipeline_definition=pipeline_definition(
                region,
                role_arn=self.pipeline_role.role.arn,
                bucket=artifacts,
                endpoint=endpoint,
                group=self.model_package_group.model_package_group_name,
            ),
            depends_on=[self.pipeline_role.policy, self.evaluation_code],
        )
        output(self, "model_pipeline_name", self.pipeline.pipeline_name)
        output(self, "model_package_group", self.model_package_group.model_package_group_name)
