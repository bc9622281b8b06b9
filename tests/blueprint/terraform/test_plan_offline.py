"""Plan tier: `terraform validate` and `terraform plan` accept every AWS stack of every environment,
offline (the provider comes from the filesystem mirror; no credentials, no cloud)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from blueprint.spec import load_all
from blueprint.synth import Synthesized, synthesize
from blueprint.terraform import PlanResult, Target, TerraformRunner

pytestmark = pytest.mark.plan


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(list(load_all().values()), {"aws"}, tmp_path_factory.mktemp("out"))


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> TerraformRunner:
    return TerraformRunner(tmp_path_factory.mktemp("home"), Target.OFFLINE)


@pytest.fixture(scope="module")
def plans(synthesized: Synthesized, runner: TerraformRunner) -> dict[str, PlanResult]:
    def one(stack_id: str) -> PlanResult:
        stack_dir = synthesized.stack_dir(stack_id)
        runner.init(stack_dir)
        runner.validate(stack_dir)
        return runner.plan(stack_dir)

    ids = [s.stack_id for s in synthesized.stacks]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(ids, pool.map(one, ids), strict=True))


def test_every_environment_has_aws_stacks(synthesized: Synthesized) -> None:
    ids = {s.stack_id for s in synthesized.stacks}
    for env in ("local", "dev", "staging", "prod"):
        assert {f"{env}-aws-foundation", f"{env}-aws-lake"} <= ids


def test_every_stack_validates_and_plans_only_creates(
    synthesized: Synthesized, plans: dict[str, PlanResult]
) -> None:
    for stack in synthesized.stacks:
        result = plans[stack.stack_id]
        doc_resources = _resource_count(synthesized.stack_dir(stack.stack_id))
        assert result.changes, stack.stack_id
        assert (result.add, result.change, result.destroy) == (doc_resources, 0, 0), stack.stack_id


def test_every_domain_is_planned_for_the_cloud_environments(synthesized: Synthesized) -> None:
    ids = {s.stack_id for s in synthesized.stacks}
    for env in ("dev", "staging", "prod"):
        domains = ("foundation", "lake", "warehouse", "streaming", "orchestration", "serving")
        assert {f"{env}-aws-{d}" for d in domains} <= ids


def test_stacks_read_only_outputs_their_source_has_and_no_remote_state(
    synthesized: Synthesized, plans: dict[str, PlanResult]
) -> None:
    """Inputs (`<domain>__<output>` variables) name outputs that exist; offline they are placeholders."""
    import json

    from blueprint.terraform import inputs

    readers = 0
    for stack in synthesized.stacks:
        stack_dir = synthesized.stack_dir(stack.stack_id)
        doc = json.loads((stack_dir / "cdk.tf.json").read_text())
        assert "terraform_remote_state" not in json.dumps(doc), stack.stack_id
        # The one data source reads the stack's own MSK Serverless cluster (it has no bootstrap attribute).
        for dtype, blocks in doc.get("data", {}).items():
            assert dtype == "aws_msk_bootstrap_brokers", (stack.stack_id, dtype)
            for block in blocks.values():
                assert block["cluster_arn"].startswith("${aws_msk_serverless_cluster."), stack.stack_id
        for source, outputs in inputs.sources(stack_dir).items():
            readers += 1
            assert source in stack.depends_on, (stack.stack_id, source)
            produced = json.loads((synthesized.stack_dir(source) / "cdk.tf.json").read_text())["output"]
            assert outputs <= set(produced), (stack.stack_id, outputs - set(produced))
        if inputs.declared(stack_dir):
            assert (stack_dir / inputs.INPUTS_FILE).is_file(), stack.stack_id
    assert readers >= 4 * 3  # warehouse, streaming, orchestration, serving of dev, staging, prod


def test_offline_override_does_not_touch_the_contract(
    synthesized: Synthesized, plans: dict[str, PlanResult]
) -> None:
    """The runner adapts a stack with an override file; cdk.tf.json keeps the S3 backend."""
    import json

    for stack in synthesized.stacks:
        doc = json.loads((synthesized.stack_dir(stack.stack_id) / "cdk.tf.json").read_text())
        assert "s3" in doc["terraform"]["backend"]
        assert (synthesized.stack_dir(stack.stack_id) / "blueprint_override.tf.json").is_file()


def test_cli_config_uses_the_mirror_and_never_the_home_rc(runner: TerraformRunner) -> None:
    text = runner.cli_config.read_text()
    assert "plugin_cache_dir" in text
    if runner.mirror is not None:
        assert str(runner.mirror) in text and "filesystem_mirror" in text
    assert runner.env()["TF_CLI_CONFIG_FILE"] == str(runner.cli_config.resolve())
    assert (
        not Path.home().joinpath(".terraformrc").exists()
        or "plugin-cache" not in (Path.home() / ".terraformrc").read_text()
    )


def test_init_of_a_new_stack_leaves_the_shared_plugin_cache_alone(
    synthesized: Synthesized, plans: dict[str, PlanResult], runner: TerraformRunner, tmp_path: Path
) -> None:
    """Regression: an init re-installing into the cache raced a plan of another stack ("no package
    for registry.terraform.io/hashicorp/aws cached in .terraform/providers")."""
    import shutil

    entries = list(runner.cache.rglob("linux_amd64"))
    assert entries, "the plans above should have filled the plugin cache"
    before = {p: p.lstat().st_mtime_ns for p in entries}
    fresh = tmp_path / "fresh"
    shutil.copytree(
        synthesized.stack_dir("local-aws-lake"), fresh, ignore=shutil.ignore_patterns(".terraform*")
    )
    assert not (fresh / ".terraform.lock.hcl").exists()
    runner.init(fresh)
    assert {p: p.lstat().st_mtime_ns for p in entries} == before
    assert "5.100.0" in (fresh / ".terraform.lock.hcl").read_text()


def _resource_count(stack_dir: Path) -> int:
    import json

    doc = json.loads((stack_dir / "cdk.tf.json").read_text())
    return sum(len(v) for v in doc.get("resource", {}).values())
