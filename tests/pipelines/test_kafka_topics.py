"""The topic bootstrap job against a real Kafka-protocol broker (Tansu on 127.0.0.1, memory storage)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ansible_playbook import REPO, run_playbook
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka_broker import Broker, round_trip, start, stop

from blueprint.spec import load_env
from pipelines.kafka import topics as job

SPEC_TOPICS = load_env("dev").domains.streaming.topics


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A fresh broker per test (it is ready in milliseconds), so tests never see each other's topics."""
    running = start(tmp_path / "tansu")
    try:
        yield running
    finally:
        stop(running)


@pytest.fixture
def admin(broker: Broker) -> Iterator[Any]:
    client = job.admin_client({"bootstrap.servers": broker.bootstrap})
    try:
        yield client
    finally:
        client.close()


def _run_cli(broker: Broker, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pipelines.kafka.topics", "--env", "dev", "--bootstrap", broker.bootstrap]
    return subprocess.run([*cmd, *args], cwd=REPO, capture_output=True, text=True, timeout=120, check=False)


def _describe(admin: Any, name: str) -> tuple[int, dict[str, str]]:
    (topic,) = admin.describe_topics([name])
    resource = ConfigResource(ConfigResourceType.TOPIC, name)
    configs = admin.describe_configs([resource], config_filter="all")["topic"][name]
    return len(topic["partitions"]), {k: v["value"] for k, v in configs.items()}


@pytest.mark.unit
def test_spec_configs_and_client_properties() -> None:
    events = next(t for t in SPEC_TOPICS if t.name == "ingest.events")
    assert job.topic_configs(events) == {"retention.ms": str(168 * 3_600_000), "cleanup.policy": "delete"}
    props = job.parse_properties(
        "# MSK\nbootstrap.servers=b-1:9098,b-2:9098\nsecurity.protocol=SASL_SSL\nsasl.mechanism=AWS_MSK_IAM\n"
        "sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required;\n"
    )
    assert job.client_kwargs(props) == {
        "bootstrap_servers": ["b-1:9098", "b-2:9098"],
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "AWS_MSK_IAM",
    }
    with pytest.raises(job.TopicJobError, match=r"unknown Kafka client property 'acks\.typo'"):
        job.client_kwargs({"acks.typo": "1"})
    with pytest.raises(job.TopicJobError, match="line 1: expected key=value"):
        job.parse_properties("no-equals-sign")


@pytest.mark.runtime
def test_creates_the_spec_topics_then_changes_nothing(broker: Broker, admin: Any) -> None:
    first = job.ensure_topics(admin, SPEC_TOPICS)
    assert [(r.name, r.status) for r in first] == [(t.name, "created") for t in SPEC_TOPICS]
    # Described back from the broker, not taken from our own report.
    for topic in SPEC_TOPICS:
        partitions, configs = _describe(admin, topic.name)
        assert partitions == topic.partitions
        assert configs["retention.ms"] == str(topic.retention_hours * 3_600_000)
        assert configs["cleanup.policy"] == topic.cleanup_policy
    (replicas,) = {len(p["replica_nodes"]) for t in admin.describe_topics() for p in t["partitions"]}
    assert replicas == 1  # the spec says 3; capped by the single broker

    second = job.ensure_topics(admin, SPEC_TOPICS)
    assert {r.status for r in second} == {"unchanged"}
    assert job.summary(second) == "nothing to change: 3 topic(s) match the spec"


@pytest.mark.runtime
def test_command_line_twice(broker: Broker) -> None:
    first = _run_cli(broker)
    assert first.returncode == 0, first.stderr
    assert "3 created, 0 unchanged, 0 drifted" in first.stdout
    second = _run_cli(broker)
    assert second.returncode == 0, second.stderr
    assert "nothing to change: 3 topic(s) match the spec" in second.stdout
    assert "created" not in second.stdout


@pytest.mark.runtime
def test_drift_is_reported_never_deleted(broker: Broker, admin: Any) -> None:
    admin.create_topics(
        [NewTopic("ingest.events", 2, 1, topic_configs={"retention.ms": "1000", "cleanup.policy": "delete"})]
    )
    result = _run_cli(broker)
    assert result.returncode == job.EXIT_DRIFT, result.stdout + result.stderr
    drift = "drifted   ingest.events: partitions 2 (spec 6); retention.ms=1000 (spec 604800000)"
    assert drift in result.stdout
    assert "2 created, 0 unchanged, 1 drifted" in result.stdout
    # Still there, untouched: same partitions, same retention.
    assert _describe(admin, "ingest.events") == (2, {"retention.ms": "1000", "cleanup.policy": "delete"})
    assert set(admin.list_topics()) >= {t.name for t in SPEC_TOPICS}


@pytest.mark.runtime
def test_round_trip_with_the_properties_ansible_renders(broker: Broker, admin: Any, tmp_path: Path) -> None:
    """The local environment's rendered client.properties (PLAINTEXT to the local broker) is all a
    producer and a consumer need; no stack outputs are required for it."""
    outputs, rendered = tmp_path / "outputs", tmp_path / "rendered"
    outputs.mkdir()
    run = run_playbook(
        tmp_path,
        "env_name=local",
        f"outputs_dir={outputs}",
        f"render_dir={rendered}",
        f"local_kafka_bootstrap={broker.bootstrap}",
    )
    assert run.returncode == 0, run.output[-3000:]
    properties = rendered / "kafka" / "client.properties"
    kwargs = job.client_kwargs(job.parse_properties(properties.read_text()))
    assert kwargs == {"bootstrap_servers": [broker.bootstrap], "security_protocol": "PLAINTEXT"}

    job.ensure_topics(admin, SPEC_TOPICS)
    assert round_trip(kwargs, "ingest.events")
