"""The day-2 playbook renders client configuration from the real outputs of a `local` deployment.

The outputs come from the session's shared deployment of `local` on the embedded emulator
(tests/conftest.py `local_deployment`), read with `terraform output -json` per stack, exactly what a user
would hand the playbook. The emulator was started with BLUEPRINT_KAFKA_BOOTSTRAP naming a real
Kafka-protocol broker (Tansu on 127.0.0.1), so the MSK Serverless cluster local applies answers that
broker as its bootstrap brokers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from ansible_playbook import run_playbook
from kafka_broker import round_trip

from blueprint import emulator
from blueprint.spec import load_env
from blueprint.terraform import Target, TerraformRunner
from tests.endpoint_capabilities import LOCAL_STACKS
from tests.shared_deployment import LocalDeployment

pytestmark = [
    pytest.mark.apply,
    pytest.mark.aws(services=LOCAL_STACKS, moto_patches=("kafka_get_bootstrap_brokers",)),
]
SKIPPED_DOMAINS = ("orchestration",)  # local applies warehouse (no Redshift), streaming and serving
DAY2 = pytest.mark.local_deployment(step=3)


@pytest.fixture(scope="module")
def outputs_dir(tmp_path_factory: pytest.TempPathFactory, local_deployment: LocalDeployment) -> Path:
    """`<stack>.json` files holding `terraform output -json` of every stack of the deployment."""
    d = local_deployment
    emu = emulator.running(d.home)
    assert emu is not None, "the shared deployment's emulator is not running"
    outputs = tmp_path_factory.mktemp("outputs")
    runner = TerraformRunner(d.home, Target.EMULATOR, emu, region="us-east-1")
    for stack_id in d.result.plans:
        proc = runner.run(d.out / "stacks" / stack_id, "output", "-json", "-no-color")
        (outputs / f"{stack_id}.json").write_text(proc.stdout)
    return outputs


def _render(tmp_path: Path, *extra: str) -> tuple[Path, str]:
    rendered = tmp_path / "rendered"
    run = run_playbook(
        tmp_path, "env_name=local", f"render_dir={rendered}", "local_kafka_bootstrap=127.0.0.1:9092", *extra
    )
    assert run.returncode == 0, run.output[-4000:]
    return rendered, run.output


@DAY2
def test_renders_what_outputs_provide_and_changes_nothing_twice(outputs_dir: Path, tmp_path: Path) -> None:
    raw = {p.stem: json.loads(p.read_text()) for p in outputs_dir.glob("*.json")}
    assert {"local-aws-foundation", "local-aws-lake"} <= set(raw)
    lake = {k: v["value"] for k, v in raw["local-aws-lake"].items()}
    foundation = {k: v["value"] for k, v in raw["local-aws-foundation"].items()}

    first = run_playbook(
        tmp_path,
        "env_name=local",
        f"outputs_dir={outputs_dir}",
        f"render_dir={tmp_path / 'rendered'}",
        "local_kafka_bootstrap=127.0.0.1:9092",
    )
    assert first.returncode == 0, first.output[-4000:]
    assert first.recap["changed"] > 0 and first.recap["failed"] == 0
    rendered = tmp_path / "rendered"

    variables = json.loads((rendered / "airflow" / "variables.json").read_text())
    for name, value in lake.items():
        assert variables[f"platform_lake_{name}"] == value
    for name in ("data_key_arn", "data_key_alias", "access_log_bucket"):
        assert variables[f"platform_foundation_{name}"] == foundation[name]
    assert variables["platform_lake_raw_bucket"] == "acme-local-lake-raw"
    assert variables["platform_region"] == "us-east-1"

    connections = json.loads((rendered / "airflow" / "connections.json").read_text())
    assert connections["platform_aws"] == {
        "conn_type": "aws",
        "description": "IAM role of the worker; no keys",
        "extra": {"region_name": "us-east-1"},
    }
    assert connections["platform_kafka"]["extra"] == {
        "bootstrap.servers": "127.0.0.1:9092",
        "security.protocol": "PLAINTEXT",
    }
    properties = (rendered / "kafka" / "client.properties").read_text()
    assert "bootstrap.servers=127.0.0.1:9092\nsecurity.protocol=PLAINTEXT\n" in properties

    endpoints = json.loads((rendered / "endpoints.json").read_text())
    for purpose in ("raw", "curated", "analytics", "artifacts"):
        assert endpoints[f"{purpose}_bucket"]["uri"] == f"s3://{lake[f'{purpose}_bucket']}/"

    summary = json.loads((rendered / "summary.json").read_text())
    assert summary["domains_rendered"][:2] == ["foundation", "lake"]
    for domain in SKIPPED_DOMAINS:
        note = f"{domain}: no outputs for stack local-aws-{domain}"
        assert any(n.startswith(note) for n in summary["notes"])
    # local applies Glue and Athena, not Redshift: an Athena profile only.
    warehouse = {k: v["value"] for k, v in raw["local-aws-warehouse"].items()}
    profiles = yaml.safe_load((rendered / "warehouse" / "profiles.yml").read_text())
    assert set(profiles["platform"]["outputs"]) == {"athena"}
    athena = profiles["platform"]["outputs"]["athena"]
    assert athena["work_group"] == warehouse["athena_workgroup"]
    assert athena["schema"] == warehouse["glue_databases"][0]

    second = run_playbook(
        tmp_path,
        "env_name=local",
        f"outputs_dir={outputs_dir}",
        f"render_dir={rendered}",
        "local_kafka_bootstrap=127.0.0.1:9092",
    )
    assert second.returncode == 0, second.output[-4000:]
    assert second.recap["changed"] == 0, second.output[-4000:]
    assert not (second.home / ".ansible").exists()  # everything Ansible writes stays in tmp_path


@DAY2
def test_merged_outputs_file_renders_the_same(outputs_dir: Path, tmp_path: Path) -> None:
    merged = {p.stem: json.loads(p.read_text()) for p in sorted(outputs_dir.glob("*.json"))}
    (tmp_path / "merged.json").write_text(json.dumps(merged))
    by_dir, _ = _render(tmp_path / "a", f"outputs_dir={outputs_dir}")
    by_file, _ = _render(tmp_path / "b", f"outputs_file={tmp_path / 'merged.json'}")
    files = ["airflow/variables.json", "airflow/connections.json", "endpoints.json"]
    files.append("kafka/client.properties")
    for name in files:
        assert (by_dir / name).read_text() == (by_file / name).read_text()


@pytest.mark.runtime
def test_a_leaked_secret_fails_the_run_and_sensitive_outputs_are_dropped(tmp_path: Path) -> None:
    """Needs no deployment: outputs shaped like `terraform output -json`, one sensitive, one leaking."""
    outputs = tmp_path / "outputs"
    outputs.mkdir()

    def out(value: str, sensitive: bool = False) -> dict[str, object]:
        return {"sensitive": sensitive, "type": "string", "value": value}

    lake = {"raw_bucket": out("acme-local-lake-raw"), "token": out("s3cr3t-value", sensitive=True)}
    (outputs / "local-aws-lake.json").write_text(json.dumps(lake))
    rendered, _ = _render(tmp_path / "clean", f"outputs_dir={outputs}")
    summary = json.loads((rendered / "summary.json").read_text())
    assert summary["sensitive_outputs_not_rendered"] == ["local-aws-lake.token"]
    for path in rendered.rglob("*"):
        assert not path.is_file() or "s3cr3t-value" not in path.read_text()

    lake["db_password"] = out("hunter2")  # a secret someone forgot to mark sensitive
    (outputs / "local-aws-lake.json").write_text(json.dumps(lake))
    leaked = run_playbook(
        tmp_path / "leak", "env_name=local", f"outputs_dir={outputs}", f"render_dir={tmp_path / 'leak-out'}"
    )
    assert leaked.returncode != 0
    assert "looks like" in leaked.output or "the platform's clients authenticate with IAM" in leaked.output


@DAY2
def test_local_msk_brokers_are_the_local_broker_topics_and_round_trip(
    outputs_dir: Path, local_deployment: LocalDeployment, tmp_path: Path
) -> None:
    """MSK Serverless applied on the emulator answers the local broker as its bootstrap brokers: the
    playbook renders them (no local_kafka_bootstrap given), the topic job creates the spec's topics there
    (a second run changes nothing) and a producer and a consumer use the rendered properties."""
    from pipelines.kafka import topics as job

    raw = json.loads((outputs_dir / "local-aws-streaming.json").read_text())
    streaming = {k: v["value"] for k, v in raw.items()}
    assert streaming["cluster_arn"].startswith("arn:aws:kafka:us-east-1:123456789012:serverless-cluster/")
    assert streaming["bootstrap_brokers_sasl_iam"] == local_deployment.kafka_bootstrap

    rendered = tmp_path / "rendered"
    run = run_playbook(tmp_path, "env_name=local", f"outputs_dir={outputs_dir}", f"render_dir={rendered}")
    assert run.returncode == 0, run.output[-4000:]
    props = job.parse_properties((rendered / "kafka" / "client.properties").read_text())
    assert props["bootstrap.servers"] == local_deployment.kafka_bootstrap

    topics = load_env("local").domains.streaming.topics
    admin = job.admin_client(props)
    try:
        first = job.ensure_topics(admin, topics)
        second = job.ensure_topics(admin, topics)
    finally:
        admin.close()
    assert {r.name: r.status for r in first} == {t.name: "created" for t in topics}
    assert {r.status for r in second} == {"unchanged"}
    assert round_trip(job.client_kwargs(props), topics[0].name)
