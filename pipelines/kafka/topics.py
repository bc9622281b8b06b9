"""Topic bootstrap: create the spec's Kafka topics on MSK or a local broker, idempotently.

The topics are declared once, in `environments/<env>.yaml` (`domains.streaming.topics`). This job reads
them through `blueprint.spec.load_env`: that is the platform's declaration (validated data), not SDK
code, so `pipelines/` still imports SDKs only. It then, with a Kafka admin client (`kafka-python`):

- creates each missing topic with the spec's partitions, the replication factor capped by the number of
  brokers, and the configs `retention.ms` (from `retention_hours`) and `cleanup.policy`;
- reports existing topics whose partitions, replication factor or configs differ from the spec, and
  never deletes or alters them (a human decides: shrinking partitions is impossible, growing them
  reshuffles keys);
- says "nothing to change" when every topic already matches, so a second run is a no-op.

Connection settings come as Kafka client properties, the same `key=value` file the Ansible day-2
playbook renders (`pipelines/ansible`), plus `--property KEY=VALUE` overrides:

    # local broker (PLAINTEXT)
    python -m pipelines.kafka.topics --env dev --bootstrap 127.0.0.1:9092

    # MSK with IAM auth: SASL_SSL + AWS_MSK_IAM, credentials from the usual AWS chain (role, profile)
    python -m pipelines.kafka.topics --env dev --bootstrap b-1.example:9098 \\
        --properties-file rendered/kafka/client.properties

Exit codes: 0 all topics match (created or unchanged), 3 drift reported, 1 the broker could not be used.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from blueprint.spec import KafkaTopic, load_env

EXIT_OK, EXIT_BROKER, EXIT_DRIFT = 0, 1, 3
TOPIC_ALREADY_EXISTS = 36  # Kafka protocol error code, raised when a concurrent run created it first
MS_PER_HOUR = 3_600_000

# Kafka client properties (Java / librdkafka names) -> kafka-python keyword arguments.
PROPERTY_NAMES: dict[str, str] = {
    "bootstrap.servers": "bootstrap_servers",
    "client.id": "client_id",
    "security.protocol": "security_protocol",
    "sasl.mechanism": "sasl_mechanism",
    "sasl.username": "sasl_plain_username",
    "sasl.password": "sasl_plain_password",
    "ssl.ca.location": "ssl_cafile",
    "ssl.cafile": "ssl_cafile",
    "ssl.certificate.location": "ssl_certfile",
    "ssl.key.location": "ssl_keyfile",
    "request.timeout.ms": "request_timeout_ms",
}
INT_PROPERTIES = {"request.timeout.ms"}
# Properties only the Java client reads (the rendered file serves Java tools too); the Python client
# gets the same behaviour from `sasl.mechanism=AWS_MSK_IAM` and the AWS credential chain.
JAVA_ONLY_PROPERTIES = {
    "sasl.jaas.config",
    "sasl.client.callback.handler.class",
    "sasl.login.callback.handler.class",
    "ssl.truststore.location",
    "ssl.truststore.type",
}
SECURITY_PROTOCOLS = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}

Status = Literal["created", "unchanged", "drifted"]


class TopicJobError(Exception):
    """A problem the user fixes (bad property, unreachable broker); printed as one sentence."""


@dataclass(frozen=True)
class TopicResult:
    """What the job did (or found) for one topic of the spec."""

    name: str
    status: Status
    notes: tuple[str, ...] = field(default_factory=tuple)

    def line(self) -> str:
        detail = f": {'; '.join(self.notes)}" if self.notes else ""
        return f"{self.status:9} {self.name}{detail}"


def topic_configs(topic: KafkaTopic) -> dict[str, str]:
    """The broker configs the spec sets on a topic."""
    return {
        "retention.ms": str(topic.retention_hours * MS_PER_HOUR),
        "cleanup.policy": topic.cleanup_policy,
    }


def parse_properties(text: str, source: str = "properties") -> dict[str, str]:
    """Parse a Kafka client `.properties` text (`key=value`, `#`/`!` comments, blank lines)."""
    props: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise TopicJobError(f"{source} line {number}: expected key=value, got {line!r}")
        props[key.strip()] = value.strip()
    return props


def client_kwargs(props: Mapping[str, str]) -> dict[str, Any]:
    """kafka-python keyword arguments for client properties; unknown names are an error, not a guess."""
    kwargs: dict[str, Any] = {}
    for key, value in props.items():
        if key in JAVA_ONLY_PROPERTIES:
            continue
        if key == "ssl.endpoint.identification.algorithm":
            kwargs["ssl_check_hostname"] = value.lower() == "https"
            continue
        if key not in PROPERTY_NAMES:
            supported = ", ".join(sorted([*PROPERTY_NAMES, "ssl.endpoint.identification.algorithm"]))
            raise TopicJobError(f"unknown Kafka client property {key!r}; supported: {supported}")
        kwargs[PROPERTY_NAMES[key]] = int(value) if key in INT_PROPERTIES else value
    protocol = str(kwargs.get("security_protocol", "PLAINTEXT")).upper()
    if protocol not in SECURITY_PROTOCOLS:
        raise TopicJobError(f"security.protocol {protocol!r} is not one of {sorted(SECURITY_PROTOCOLS)}")
    kwargs["security_protocol"] = protocol
    if isinstance(servers := kwargs.get("bootstrap_servers"), str):
        kwargs["bootstrap_servers"] = [s.strip() for s in servers.split(",") if s.strip()]
    return kwargs


def admin_client(props: Mapping[str, str]) -> Any:
    """A kafka-python admin client for the given client properties (bootstrap.servers required)."""
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError

    kwargs = client_kwargs(props)
    if not kwargs.get("bootstrap_servers"):
        raise TopicJobError("no bootstrap servers: pass --bootstrap HOST:PORT or bootstrap.servers")
    kwargs.setdefault("client_id", "platform-topic-bootstrap")
    kwargs.setdefault("request_timeout_ms", 15_000)
    kwargs.setdefault("bootstrap_timeout_ms", 10_000)  # an unreachable broker fails in 10 s, not 30
    try:
        return KafkaAdminClient(**kwargs)
    except KafkaError as exc:
        servers = ",".join(kwargs["bootstrap_servers"])
        raise TopicJobError(f"cannot reach the Kafka brokers at {servers}: {exc}") from None


def _replication_factor(topic: KafkaTopic, brokers: int) -> int:
    return max(1, min(topic.replication_factor, brokers))


def _existing_state(admin: Any, names: list[str]) -> dict[str, tuple[int, int, dict[str, str]]]:
    """name -> (partitions, replicas of partition 0, configs reported by the broker)."""
    from kafka.admin import ConfigResource, ConfigResourceType

    if not names:
        return {}
    described = {t["name"]: t for t in admin.describe_topics(names) if t.get("error_code", 0) == 0}
    # 'all', not the default 'modified': brokers differ in how they mark a config's source (Tansu
    # reports configs set at creation as DEFAULT_CONFIG), and the values are what matter here.
    resources = [ConfigResource(ConfigResourceType.TOPIC, name) for name in described]
    configs: dict[str, Any] = admin.describe_configs(resources, config_filter="all").get("topic", {})
    state: dict[str, tuple[int, int, dict[str, str]]] = {}
    for name, topic in described.items():
        partitions = topic.get("partitions", [])
        replicas = len(partitions[0].get("replica_nodes", [])) if partitions else 0
        values = {k: str(v.get("value")) for k, v in configs.get(name, {}).items()}
        state[name] = (len(partitions), replicas, values)
    return state


def _drift(topic: KafkaTopic, brokers: int, actual: tuple[int, int, dict[str, str]]) -> tuple[str, ...]:
    partitions, replicas, configs = actual
    notes: list[str] = []
    if partitions != topic.partitions:
        notes.append(f"partitions {partitions} (spec {topic.partitions})")
    if replicas != (want := _replication_factor(topic, brokers)):
        notes.append(f"replication factor {replicas} (spec {want} on {brokers} broker(s))")
    for key, value in topic_configs(topic).items():
        if key not in configs:
            notes.append(f"{key} not reported by the broker (spec {value})")
        elif configs[key] != value:
            notes.append(f"{key}={configs[key]} (spec {value})")
    return tuple(notes)


def ensure_topics(admin: Any, topics: Sequence[KafkaTopic]) -> list[TopicResult]:
    """Create the missing topics, compare the existing ones with the spec. Never deletes or alters."""
    from kafka.admin import NewTopic

    brokers = max(1, len(admin.describe_cluster().get("brokers", [])))
    present = set(admin.list_topics())
    missing = [t for t in topics if t.name not in present]
    created: set[str] = set()
    if missing:
        new = [
            NewTopic(t.name, t.partitions, _replication_factor(t, brokers), topic_configs=topic_configs(t))
            for t in missing
        ]
        response = admin.create_topics(new, raise_errors=False)
        for item in response.get("topics", []):
            code = item.get("error_code", 0)
            if code == 0:
                created.add(item["name"])
            elif code != TOPIC_ALREADY_EXISTS:  # a concurrent run won the race: compare it below
                raise TopicJobError(
                    f"creating topic {item['name']!r} failed: {item.get('error_message') or code}"
                )
    state = _existing_state(admin, [t.name for t in topics if t.name not in created])
    results: list[TopicResult] = []
    for topic in topics:
        if topic.name in created:
            rf = _replication_factor(topic, brokers)
            notes = [f"partitions {topic.partitions}", f"replication factor {rf}"]
            notes += [f"{k}={v}" for k, v in topic_configs(topic).items()]
            results.append(TopicResult(topic.name, "created", tuple(notes)))
        elif topic.name not in state:
            raise TopicJobError(f"topic {topic.name!r} exists but the broker could not describe it")
        elif drift := _drift(topic, brokers, state[topic.name]):
            results.append(TopicResult(topic.name, "drifted", drift))
        else:
            results.append(TopicResult(topic.name, "unchanged"))
    return results


def summary(results: Iterable[TopicResult]) -> str:
    results = list(results)
    counts = {s: sum(r.status == s for r in results) for s in ("created", "unchanged", "drifted")}
    if counts["created"] == counts["drifted"] == 0:
        return f"nothing to change: {counts['unchanged']} topic(s) match the spec"
    text = f"{counts['created']} created, {counts['unchanged']} unchanged, {counts['drifted']} drifted"
    if counts["drifted"]:
        text += " (drift is reported, never deleted or altered: fix the spec or the topic by hand)"
    return text


def collect_properties(
    bootstrap: str | None, properties_file: Path | None, overrides: Sequence[str]
) -> dict[str, str]:
    """Client properties from a file, then `--property` overrides, then `--bootstrap`."""
    props: dict[str, str] = {}
    if properties_file is not None:
        try:
            text = properties_file.read_text()
        except OSError as exc:
            raise TopicJobError(f"cannot read {properties_file}: {exc.strerror}") from None
        props.update(parse_properties(text, str(properties_file)))
    for item in overrides:
        props.update(parse_properties(item, "--property"))
    if bootstrap:
        props["bootstrap.servers"] = bootstrap
    return props


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.kafka.topics",
        description="Create the environment's Kafka topics (from its spec) idempotently; report drift.",
        epilog="example: python -m pipelines.kafka.topics --env dev --bootstrap 127.0.0.1:9092",
    )
    parser.add_argument("--env", required=True, help="environment name: environments/<env>.yaml")
    parser.add_argument("--bootstrap", help="bootstrap servers HOST:PORT[,HOST:PORT]")
    parser.add_argument(
        "--properties-file", type=Path, help="Kafka client properties (e.g. the Ansible-rendered file)"
    )
    parser.add_argument(
        "--property", action="append", default=[], metavar="KEY=VALUE", help="client property override"
    )
    parser.add_argument("--environments-dir", type=Path, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m pipelines.kafka.topics`."""
    from kafka.errors import KafkaError

    from blueprint.errors import BlueprintError

    args = _parser().parse_args(argv)
    try:
        spec = load_env(args.env, args.environments_dir)
    except BlueprintError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BROKER
    streaming = spec.domains.streaming
    if not streaming.topics:
        print(f"environments/{args.env}.yaml declares no topics (domains.streaming.topics): nothing to do")
        return EXIT_OK
    if not streaming.enabled:
        print(f"note: streaming is disabled in environments/{args.env}.yaml; using the broker given")
    admin = None
    try:
        admin = admin_client(collect_properties(args.bootstrap, args.properties_file, args.property))
        results = ensure_topics(admin, streaming.topics)
    except TopicJobError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BROKER
    except KafkaError as exc:
        print(f"error: the broker refused a request: {exc}", file=sys.stderr)
        return EXIT_BROKER
    finally:
        if admin is not None:
            admin.close()
    for result in results:
        print(result.line())
    print(summary(results))
    return EXIT_DRIFT if any(r.status == "drifted" for r in results) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
