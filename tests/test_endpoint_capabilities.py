"""The apply tier against another AWS endpoint selects, by the declared capabilities, what that endpoint
can apply: what needs a moto patch or the embedded emulator is deselected with its reason printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.endpoint_capabilities import unmet

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[1]


def test_needs_are_met_or_named() -> None:
    assert unmet("moto", frozenset({"kafka"}), ("kafka_describe_cluster",), True) is None
    assert unmet("localstack", frozenset({"s3", "kms"}), (), False) is None
    assert (
        unmet("localstack", frozenset({"s3", "sagemaker"}), (), False)
        == "localstack does not apply sagemaker"
    )
    assert "moto patches kafka_get_bootstrap_brokers" in (
        unmet("localstack-pro", frozenset({"kafka"}), ("kafka_get_bootstrap_brokers",), False) or ""
    )
    assert "embedded emulator" in (unmet("localstack-pro", frozenset(), (), True) or "")


def test_collection_against_localstack_deselects_with_reasons() -> None:
    env = {**os.environ, "LOCALSTACK_ENDPOINT": "http://127.0.0.1:9", "BLUEPRINT_ENDPOINT_KIND": "localstack"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--co", "-q", "-m", "apply", "-p", "no:cacheprovider", "-rA"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    selected = [
        ln for ln in proc.stdout.splitlines() if ln.startswith("tests/") and "::" in ln and ": " not in ln
    ]
    # Foundation + lake through the cdktn CLI and terraform_data stacks: what LocalStack community applies.
    assert selected and all(("test_cdktn_cli" in s) or ("test_stack_inputs" in s) for s in selected), selected
    assert "test_faults.py::test_sigterm_mid_apply_then_rerun_converges: starts, stops or signals" in out
    assert "localstack does not apply" in out
