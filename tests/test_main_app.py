"""`main.py` run the way `cdktn synth` runs it (cdktf.json "app"), with the selection variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.synth
REPO = Path(__file__).resolve().parents[1]


def run_app(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "CDKTF_OUTDIR": str(tmp_path / "out"), **env}
    return subprocess.run(
        [sys.executable, "main.py"],
        cwd=REPO,
        env=full,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cdktf_json_runs_main_py() -> None:
    config = json.loads((REPO / "cdktf.json").read_text())
    assert config["app"].endswith("main.py")
    assert config["language"] == "python"


def test_app_synthesizes_the_selection(tmp_path: Path) -> None:
    proc = run_app(tmp_path, BLUEPRINT_ENVS="dev,prod", BLUEPRINT_CLOUDS="aws")
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    domains = ("foundation", "lake", "warehouse", "streaming", "orchestration", "serving")
    assert sorted(manifest["stacks"]) == sorted(f"{e}-aws-{d}" for e in ("dev", "prod") for d in domains)
    assert manifest["stacks"]["prod-aws-lake"]["dependencies"] == ["prod-aws-foundation"]


def test_app_rejects_an_unknown_environment(tmp_path: Path) -> None:
    proc = run_app(tmp_path, BLUEPRINT_ENVS="qa")
    assert proc.returncode == 2
    assert "BLUEPRINT_ENVS" in proc.stderr and "fix:" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
