"""The SageMaker model pipeline (pipelines/sagemaker/build.py, SDK v3 in .venv-pipelines): the committed
definitions are exactly what the builder produces, and the definition has the steps, condition, roles
and S3 locations we promise."""

from __future__ import annotations

import json
from typing import Any

import pytest
from venv_runner import ROOT, run_in_pipelines_venv

SAGEMAKER = ROOT / "pipelines" / "sagemaker"
REGIONS = sorted(p.name.split(".")[1] for p in SAGEMAKER.glob("definition.*.json"))
ROLE = "arn:aws:iam::123456789012:role/acme-dev-model-pipeline"
BUCKET = "acme-dev-lake-artifacts"

pytestmark = pytest.mark.runtime


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("sagemaker") / "definitions.json"
    return run_in_pipelines_venv("sagemaker_definition.py", REGIONS, out)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def custom(built: dict[str, Any]) -> dict[str, Any]:
    return json.loads(built["custom"])  # type: ignore[no-any-return]


def _steps(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every step by name, the condition's branches included."""
    found: dict[str, dict[str, Any]] = {}
    for step in definition["Steps"]:
        found[step["Name"]] = step
        if step["Type"] == "Condition":
            found.update(_steps({"Steps": step["Arguments"]["IfSteps"] + step["Arguments"]["ElseSteps"]}))
    return found


def test_committed_definitions_are_regenerated_byte_for_byte(built: dict[str, Any]) -> None:
    assert {"eu-west-1", "us-east-1", "us-west-2"} <= set(REGIONS)  # the regions of the shipped environments
    for region in REGIONS:
        committed = (SAGEMAKER / f"definition.{region}.json").read_text()
        assert built["placeholders"][region] == committed, f"regenerate definition.{region}.json (README.md)"


def test_placeholders_replace_to_the_real_definition(built: dict[str, Any]) -> None:
    """The serving stack substitutes the tokens in the committed file: that must equal a real build."""
    text = (SAGEMAKER / "definition.eu-west-1.json").read_text()
    real = {
        "role_arn": ROLE,
        "bucket": BUCKET,
        "endpoint_name": "acme-dev-model",
        "model_package_group": "acme-dev-model",
    }
    for name, token in built["tokens"].items():
        assert token in text, name
        text = text.replace(token, real[name])
    assert text == built["custom"]


def test_steps_and_types(custom: dict[str, Any]) -> None:
    assert [(s["Name"], s["Type"]) for s in custom["Steps"]] == [
        ("Train", "Training"),
        ("Evaluate", "Processing"),
        ("AucAboveThreshold", "Condition"),
    ]
    condition = custom["Steps"][2]["Arguments"]
    assert [(s["Name"], s["Type"]) for s in condition["IfSteps"]] == [
        ("Register", "RegisterModel"),
        ("CreateModel", "Model"),
        ("EndpointConfig", "EndpointConfig"),
        ("UpdateEndpoint", "Endpoint"),
    ]
    assert [(s["Name"], s["Type"]) for s in condition["ElseSteps"]] == [("AucTooLow", "Fail")]


def test_condition_is_auc_at_least_the_threshold(custom: dict[str, Any]) -> None:
    (condition,) = custom["Steps"][2]["Arguments"]["Conditions"]
    assert condition["Type"] == "GreaterThanOrEqualTo"
    assert condition["LeftValue"]["Std:JsonGet"]["Path"] == "metrics.auc.value"
    assert condition["LeftValue"]["Std:JsonGet"]["PropertyFile"] == {
        "Get": "Steps.Evaluate.PropertyFiles.Evaluation"
    }
    assert condition["RightValue"] == {"Get": "Parameters.MinAuc"}
    params = {p["Name"]: p for p in custom["Parameters"]}
    assert params["MinAuc"] == {"Name": "MinAuc", "Type": "Float", "DefaultValue": 0.75}
    evaluate = _steps(custom)["Evaluate"]
    assert evaluate["PropertyFiles"] == [
        {"PropertyFileName": "Evaluation", "OutputName": "evaluation", "FilePath": "evaluation.json"}
    ]


def test_roles(custom: dict[str, Any]) -> None:
    steps = _steps(custom)
    assert steps["Train"]["Arguments"]["RoleArn"] == ROLE
    assert steps["Evaluate"]["Arguments"]["RoleArn"] == ROLE
    assert steps["CreateModel"]["Arguments"]["ExecutionRoleArn"] == ROLE


def test_s3_locations_are_under_the_artifacts_bucket(custom: dict[str, Any]) -> None:
    uris: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)
        elif isinstance(node, str) and node.startswith("s3://"):
            uris.append(node)

    collect(custom)
    assert uris, "no S3 location found"
    assert all(u.startswith(f"s3://{BUCKET}/model-pipeline/") for u in uris), uris
    steps = _steps(custom)
    assert (
        steps["Train"]["Arguments"]["OutputDataConfig"]["S3OutputPath"]
        == f"s3://{BUCKET}/model-pipeline/models"
    )
    code = steps["Evaluate"]["Arguments"]["ProcessingInputs"][0]
    assert code["S3Input"]["S3Uri"] == f"s3://{BUCKET}/model-pipeline/code/evaluate.py"


def test_training_data_comes_from_a_parameter(custom: dict[str, Any]) -> None:
    """The Airflow DAG starts executions with TrainingDataS3Uri = the day's curated object."""
    train = _steps(custom)["Train"]["Arguments"]
    (channel,) = train["InputDataConfig"]
    assert channel["ChannelName"] == "train"
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] == {"Get": "Parameters.TrainingDataS3Uri"}


def test_endpoint_is_the_one_passed_in_and_serves_the_registered_model(custom: dict[str, Any]) -> None:
    steps = _steps(custom)
    assert steps["Register"]["Arguments"]["ModelPackageGroupName"] == "acme-dev-model"
    container = steps["CreateModel"]["Arguments"]["Containers"][0]
    assert container["ModelPackageName"] == {"Get": "Steps.Register.ModelPackageArn"}
    variant = steps["EndpointConfig"]["Arguments"]["ProductionVariants"][0]
    assert variant["ModelName"] == {"Get": "Steps.CreateModel.ModelName"}
    endpoint = steps["UpdateEndpoint"]["Arguments"]
    assert endpoint["EndpointName"] == "acme-dev-model"
    assert endpoint["EndpointConfigName"] == {"Get": "Steps.EndpointConfig.EndpointConfigName"}
