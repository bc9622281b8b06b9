"""Run a script of tests/pipelines in .venv-pipelines (Airflow and the SageMaker SDK live there, apart from
the main venv's pins) and return the JSON it writes. A missing venv fails the test: it is never skipped."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIPELINES_PYTHON = ROOT / ".venv-pipelines" / "bin" / "python"


def run_in_pipelines_venv(script: str, args: list[str], out: Path, env: dict[str, str] | None = None) -> Any:
    """`.venv-pipelines/bin/python tests/pipelines/<script> <out> <args...>`; returns the JSON in `out`."""
    if not PIPELINES_PYTHON.exists():
        pytest.fail(
            f"{PIPELINES_PYTHON} is missing: run scripts/setup.sh (it builds the pipelines "
            "venv from pipelines/requirements.txt)",
            pytrace=False,
        )
    full_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    proc = subprocess.run(
        [str(PIPELINES_PYTHON), str(Path(__file__).parent / script), str(out), *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"{script} exited {proc.returncode}:\n{proc.stderr[-4000:]}", pytrace=False)
    return json.loads(out.read_text())
