"""Run with .venv-pipelines/bin/python: build the model pipeline's definitions with the SDK and write them.

Usage: sagemaker_definition.py OUT_JSON REGION [REGION ...]
Writes {"placeholders": {region: definition text}, "custom": definition text for fixed real-looking names}.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "pipelines" / "sagemaker"))

import build

CUSTOM = build.PipelineSettings(
    role_arn="arn:aws:iam::123456789012:role/acme-dev-model-pipeline",
    bucket="acme-dev-lake-artifacts",
    endpoint_name="acme-dev-model",
    model_package_group="acme-dev-model",
    region="eu-west-1",
)


def main(argv: list[str]) -> None:
    out, regions = argv[0], argv[1:]
    placeholders = {
        r: build.definition(build.PipelineSettings(region=r, **build.PLACEHOLDERS)) for r in regions
    }
    result = {"placeholders": placeholders, "custom": build.definition(CUSTOM), "tokens": build.PLACEHOLDERS}
    Path(out).write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
