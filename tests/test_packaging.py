"""Honest packaging: the wheel holds every package and the files the stacks read at synthesis, and an
install into a fresh venv outside the repository synthesizes every domain of `dev` on every cloud from
an environments directory given on the command line or found in the working directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.synth
REPO = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).with_name("uv")
DOMAINS = ("foundation", "lake", "warehouse", "streaming", "orchestration", "serving")


def _run(*cmd: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert proc.returncode == 0, f"{cmd}: {proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # --offline: the build backend comes from the cache scripts/setup.sh filled.
    _run(UV, "build", "--wheel", "--offline", "-q", "-o", out, REPO, cwd=REPO)
    shutil.rmtree(REPO / "build", ignore_errors=True)
    [found] = out.glob("*.whl")
    return found


def test_the_wheel_holds_every_domain_and_the_files_stacks_read(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for domain in DOMAINS:
        for cloud in ("aws", "gcp", "azure"):
            assert f"modules/{domain}/{cloud}.py" in names, f"{domain}/{cloud} missing from the wheel"
    assert "blueprint/synth/lazy_providers.js" in names
    assert "blueprint/emulator/moto_patches.py" in names
    assert {"pipelines/airflow/lake_platform.py", "pipelines/sagemaker/definition.eu-west-1.json"} <= names
    assert not [n for n in names if n.startswith(("environments/", "tests/", "main.py"))]


def test_an_installed_wheel_synthesizes_every_domain_outside_the_repository(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    _run(UV, "venv", "-q", "--python", sys.executable, venv, cwd=tmp_path)
    _run(UV, "pip", "install", "-q", "--offline", "--python", venv / "bin" / "python", wheel, cwd=tmp_path)
    project = tmp_path / "project"
    (project / "environments").mkdir(parents=True)
    shutil.copy(REPO / "environments" / "dev.yaml", project / "environments" / "dev.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BLUEPRINT_", "PYTHON"))}
    blueprint = venv / "bin" / "blueprint"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for cwd, extra in ((elsewhere, ["--environments", str(project / "environments")]), (project, [])):
        out = tmp_path / f"out-{cwd.name}"
        _run(blueprint, *extra, "synth", "--env", "dev", "--outdir", out, cwd=cwd, env=env)
        stacks = sorted(p.name for p in (out / "stacks").iterdir())
        assert stacks == sorted(f"dev-{c}-{d}" for c in ("aws", "gcp", "azure") for d in DOMAINS)
        for stack in stacks:
            doc = json.loads((out / "stacks" / stack / "cdk.tf.json").read_text())
            assert doc.get("resource"), f"{stack} synthesized no resources from the installed wheel"
    # The DAG files of pipelines/airflow come from the installed package.
    mwaa = json.loads(
        (tmp_path / "out-project" / "stacks" / "dev-aws-orchestration" / "cdk.tf.json").read_text()
    )
    assert any(k.startswith("orchestration_dag_") for k in mwaa["resource"]["aws_s3_object"])
