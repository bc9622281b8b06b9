"""Bad input and missing tools: one clear error (file/field/fix or tool/fix), non-zero exit, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.unit


def run_cli(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "blueprint.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_clean_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "error:" in proc.stderr
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


def test_bad_environment_file_names_file_field_and_fix(tmp_path: Path, cli_env: dict[str, str]) -> None:
    bad = tmp_path / "dev.yaml"
    text = (REPO / "environments" / "dev.yaml").read_text().replace("region: eu-west-1", "region: mars-1")
    bad.write_text(text)
    proc = run_cli(["synth", "--env", str(bad), "--outdir", str(tmp_path / "out")], cli_env)
    assert_clean_error(proc, "dev.yaml", "clouds.aws.region", "fix:")
    assert not (tmp_path / "out").exists(), "nothing may be synthesized from a bad file"


def test_yaml_syntax_error_reports_position(tmp_path: Path, cli_env: dict[str, str]) -> None:
    bad = tmp_path / "dev.yaml"
    bad.write_text("name: dev\nprefix: [acme\n")
    proc = run_cli(["synth", "--env", str(bad)], cli_env)
    assert_clean_error(proc, "dev.yaml", "line", "YAML syntax error")


def test_unknown_cloud_option(cli_env: dict[str, str]) -> None:
    proc = run_cli(["synth", "--env", "dev", "--cloud", "oracle"], cli_env)
    assert_clean_error(proc, "oracle", "fix:")


def test_missing_terraform_binary(tmp_path: Path, cli_env: dict[str, str]) -> None:
    cli_env["BLUEPRINT_TERRAFORM"] = str(tmp_path / "no-such-terraform")
    proc = run_cli(["validate", "--env", "local", "--outdir", str(tmp_path / "out")], cli_env)
    assert_clean_error(proc, "terraform not found", "BLUEPRINT_TERRAFORM")


def test_node_missing(tmp_path: Path, cli_env: dict[str, str]) -> None:
    cli_env["JSII_NODE"] = str(tmp_path / "no-such-node")
    proc = run_cli(["plan", "--env", "dev", "--offline", "--outdir", str(tmp_path / "out")], cli_env)
    assert_clean_error(proc, "JSII_NODE", "fix:")


def test_missing_provider_mirror(tmp_path: Path, cli_env: dict[str, str]) -> None:
    cli_env["BLUEPRINT_PROVIDER_MIRROR"] = str(tmp_path / "no-mirror")
    proc = run_cli(["validate", "--env", "local", "--outdir", str(tmp_path / "out")], cli_env)
    assert_clean_error(proc, "BLUEPRINT_PROVIDER_MIRROR", "hashicorp/aws")


def test_unreachable_emulator(tmp_path: Path, cli_env: dict[str, str]) -> None:
    cli_env["BLUEPRINT_AWS_ENDPOINT"] = "https://127.0.0.1:9"  # discard port: nothing listens
    proc = run_cli(["up", "--env", "local", "--outdir", str(tmp_path / "out")], cli_env, timeout=60)
    assert_clean_error(proc, "does not answer", "BLUEPRINT_AWS_ENDPOINT")


def test_up_refuses_a_cloud_environment(tmp_path: Path, cli_env: dict[str, str]) -> None:
    proc = run_cli(["up", "--env", "prod", "--outdir", str(tmp_path / "out")], cli_env)
    assert_clean_error(proc, "prod", "emulator")


def test_unknown_stack_for_plan(tmp_path: Path, cli_env: dict[str, str]) -> None:
    proc = run_cli(
        ["plan", "--env", "dev", "--offline", "--stack", "dev-aws-nope", "--outdir", str(tmp_path / "out")],
        cli_env,
    )
    assert_clean_error(proc, "dev-aws-nope", "dev-aws-lake")


def test_schema_check_is_current(cli_env: dict[str, str]) -> None:
    proc = run_cli(["schema", "--check"], cli_env)
    assert proc.returncode == 0, proc.stderr
