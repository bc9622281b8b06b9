"""The model pipeline: train -> evaluate -> (AUC >= threshold) -> register -> create model -> endpoint.

Built offline with the SageMaker Python SDK v3 (`sagemaker.mlops.workflow`, `sagemaker.core`,
`sagemaker.train`); nothing here calls AWS. Role, artifacts bucket, endpoint name and model package group
are arguments, so the serving stack passes what it creates. Example:

    SAGEMAKER_VALIDATE_ROLE=false .venv-pipelines/bin/python pipelines/sagemaker/build.py \\
        --role-arn arn:aws:iam::123456789012:role/acme-dev-model-pipeline --bucket acme-dev-lake-artifacts \\
        --endpoint-name acme-dev-model --model-package-group acme-dev-model --region eu-west-1

`--placeholders` prints the definition with the documented placeholder values instead (README.md): the
committed `definition.<region>.json` files are that output, for the serving stack to read at synth time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

os.environ.setdefault("SAGEMAKER_VALIDATE_ROLE", "false")  # the role is created by the stack, later
# Offline: the SDK must not send telemetry (it would call out to a service while building).
SDK_CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sdk-config.yaml")
os.environ.setdefault("SAGEMAKER_USER_CONFIG_OVERRIDE", SDK_CONFIG)

PREFIX = "model-pipeline"  # every S3 location of the pipeline is under s3://<bucket>/model-pipeline/
XGBOOST_VERSION = "1.7-1"
METRIC = "auc"
DEFAULT_THRESHOLD = 0.75
EVALUATION_SCRIPT = "evaluate.py"  # uploaded by the serving stack to s3://<bucket>/model-pipeline/code/

# Values the committed definitions carry in place of the stack's names; each occurs only where its
# real value goes, so plain string replacement is exact (tests/pipelines/test_model_pipeline.py).
PLACEHOLDERS = {
    "role_arn": "arn:aws:iam::000000000000:role/blueprint-placeholder-pipeline-role",
    "bucket": "blueprint-placeholder-artifacts-bucket",
    "endpoint_name": "blueprint-placeholder-endpoint",
    "model_package_group": "blueprint-placeholder-model-package-group",
}


@dataclass(frozen=True)
class PipelineSettings:
    """What the serving stack passes in."""

    role_arn: str
    bucket: str
    endpoint_name: str
    model_package_group: str
    region: str
    pipeline_name: str = "model-pipeline"
    instance_type: str = "ml.m5.large"


def _s3(settings: PipelineSettings, *parts: str) -> str:
    return "/".join([f"s3://{settings.bucket}", PREFIX, *parts])


def build_pipeline(settings: PipelineSettings) -> Any:
    """The `Pipeline` object (SDK v3); `definition()` gives its JSON."""
    # Some SDK modules create boto3 clients at import time: give them the region and no way to find
    # real credentials (a pipeline session only records requests; nothing is sent).
    os.environ["AWS_DEFAULT_REGION"] = settings.region
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    import boto3
    from sagemaker.core import image_uris
    from sagemaker.core.processing import Processor
    from sagemaker.core.shapes import ProcessingInput, ProcessingOutput, ProcessingS3Input, ProcessingS3Output
    from sagemaker.core.workflow.conditions import ConditionGreaterThanOrEqualTo
    from sagemaker.core.workflow.execution_variables import ExecutionVariables
    from sagemaker.core.workflow.functions import Join, JsonGet
    from sagemaker.core.workflow.parameters import ParameterFloat, ParameterString
    from sagemaker.core.workflow.pipeline_context import PipelineSession
    from sagemaker.core.workflow.properties import PropertyFile
    from sagemaker.mlops.workflow.condition_step import ConditionStep
    from sagemaker.mlops.workflow.endpoint_step import EndpointConfigStep, EndpointStep
    from sagemaker.mlops.workflow.fail_step import FailStep
    from sagemaker.mlops.workflow.model_step import ModelStep
    from sagemaker.mlops.workflow.pipeline import Pipeline
    from sagemaker.mlops.workflow.steps import ProcessingStep, TrainingStep
    from sagemaker.serve.model_builder import ModelBuilder
    from sagemaker.train import ModelTrainer
    from sagemaker.train.configs import Compute, InputData, OutputDataConfig, StoppingCondition

    # No credentials are needed: a pipeline session only records requests.
    session = PipelineSession(
        boto_session=boto3.Session(
            region_name=settings.region, aws_access_key_id="x", aws_secret_access_key="x"
        ),
        default_bucket=settings.bucket,
    )
    session._default_bucket = settings.bucket  # known: skips the SDK's "create it if missing" call
    image = image_uris.retrieve("xgboost", region=settings.region, version=XGBOOST_VERSION)

    training_data = ParameterString("TrainingDataS3Uri", default_value=_s3(settings, "data", "train.csv"))
    test_data = ParameterString("TestDataS3Uri", default_value=_s3(settings, "data", "test.csv"))
    threshold = ParameterFloat("MinAuc", default_value=DEFAULT_THRESHOLD)
    approval = ParameterString("ModelApprovalStatus", default_value="Approved")

    trainer = ModelTrainer(
        training_image=image,
        role=settings.role_arn,
        sagemaker_session=session,
        base_job_name="train",
        compute=Compute(instance_type=settings.instance_type, instance_count=1, volume_size_in_gb=30),
        stopping_condition=StoppingCondition(max_runtime_in_seconds=3600),
        output_data_config=OutputDataConfig(s3_output_path=_s3(settings, "models")),
        hyperparameters={"objective": "binary:logistic", "eval_metric": METRIC, "num_round": "100"},
    )
    train = TrainingStep(
        name="Train",
        step_args=trainer.train(
            input_data_config=[
                InputData(channel_name="train", data_source=training_data, content_type="text/csv")
            ]
        ),
    )

    evaluation = PropertyFile(name="Evaluation", output_name="evaluation", path="evaluation.json")
    evaluator = Processor(
        role=settings.role_arn,
        image_uri=image,
        entrypoint=["python3", f"/opt/ml/processing/input/code/{EVALUATION_SCRIPT}"],
        instance_count=1,
        instance_type=settings.instance_type,
        max_runtime_in_seconds=1800,
        base_job_name="evaluate",
        sagemaker_session=session,
    )

    def _input(name: str, source: Any, destination: str) -> Any:
        return ProcessingInput(
            input_name=name,
            s3_input=ProcessingS3Input(
                s3_uri=source, local_path=destination, s3_data_type="S3Prefix", s3_input_mode="File"
            ),
        )

    evaluate = ProcessingStep(
        name="Evaluate",
        step_args=evaluator.run(
            inputs=[
                _input("code", _s3(settings, "code", EVALUATION_SCRIPT), "/opt/ml/processing/input/code"),
                _input("model", train.properties.ModelArtifacts.S3ModelArtifacts, "/opt/ml/processing/model"),
                _input("test", test_data, "/opt/ml/processing/test"),
            ],
            outputs=[
                ProcessingOutput(
                    output_name="evaluation",
                    s3_output=ProcessingS3Output(
                        s3_uri=Join(
                            on="/",
                            values=[_s3(settings, "evaluation"), ExecutionVariables.PIPELINE_EXECUTION_ID],
                        ),
                        local_path="/opt/ml/processing/evaluation",
                        s3_upload_mode="EndOfJob",
                    ),
                )
            ],
        ),
        property_files=[evaluation],
    )

    builder = ModelBuilder(
        s3_model_data_url=train.properties.ModelArtifacts.S3ModelArtifacts,
        image_uri=image,
        role_arn=settings.role_arn,
        sagemaker_session=session,
    )
    register = ModelStep(
        name="Register",
        step_args=builder.register(
            model_package_group_name=settings.model_package_group,
            content_types=["text/csv"],
            response_types=["text/csv"],
            inference_instances=[settings.instance_type],
            approval_status=approval,
        ),
    )
    # Serve the registered package: a model from it, a fresh endpoint config per execution, then the
    # Endpoint step, which updates the endpoint when it exists (creates it otherwise).
    session.context = None
    # Record a CreateModel request for a ModelStep (the step only asks the "model" for its session).
    session.init_model_step_arguments(SimpleNamespace(sagemaker_session=session))
    session.create_model(
        name=settings.endpoint_name,  # replaced by a unique name at execution
        role=settings.role_arn,
        container_defs={"ModelPackageName": register.properties.ModelPackageArn},
    )
    model = ModelStep(name="CreateModel", step_args=session.context)
    endpoint_config = EndpointConfigStep(
        name="EndpointConfig",
        step_args=session.create_endpoint_config(
            name=Join(on="-", values=[settings.endpoint_name, ExecutionVariables.PIPELINE_EXECUTION_ID]),
            production_variants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": model.properties.ModelName,
                    "InstanceType": settings.instance_type,
                    "InitialInstanceCount": 1,
                }
            ],
        ),
    )
    endpoint = EndpointStep(
        name="UpdateEndpoint",
        step_args=session.create_endpoint(
            endpoint_name=settings.endpoint_name, config_name=endpoint_config.properties.EndpointConfigName
        ),
    )
    gate = ConditionStep(
        name="AucAboveThreshold",
        conditions=[
            ConditionGreaterThanOrEqualTo(
                left=JsonGet(
                    step_name=evaluate.name, property_file=evaluation, json_path=f"metrics.{METRIC}.value"
                ),
                right=threshold,
            )
        ],
        if_steps=[register, model, endpoint_config, endpoint],
        else_steps=[FailStep(name="AucTooLow", error_message=Join(on=" ", values=["AUC below", threshold]))],
    )
    return Pipeline(
        name=settings.pipeline_name,
        parameters=[training_data, test_data, threshold, approval],
        steps=[train, evaluate, gate],
        sagemaker_session=session,
    )


def definition(settings: PipelineSettings) -> str:
    """The pipeline definition JSON, normalized (sorted keys, 2-space indent, trailing newline)."""
    return json.dumps(json.loads(build_pipeline(settings).definition()), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--region", required=True)
    parser.add_argument("--placeholders", action="store_true", help="use the placeholder names (README.md)")
    for name in PLACEHOLDERS:
        parser.add_argument(f"--{name.replace('_', '-')}")
    parser.add_argument("--pipeline-name", default="model-pipeline")
    args = parser.parse_args(argv)
    values = {n: getattr(args, n) or (PLACEHOLDERS[n] if args.placeholders else None) for n in PLACEHOLDERS}
    missing = [f"--{n.replace('_', '-')}" for n, v in values.items() if not v]
    if missing:
        parser.error(f"missing {', '.join(missing)} (or pass --placeholders)")
    sys.stdout.write(
        definition(PipelineSettings(region=args.region, pipeline_name=args.pipeline_name, **values))
    )


if __name__ == "__main__":
    main()
