"""The policy gate on the GCP stacks: every domain of an environment with GCP on passes invariants and
checkov with zero unsuppressed failures, and each of the nine invariants catches a violation in the
resource types the GCP modules build (Kafka, Composer, Vertex, BigQuery, KMS, subnetworks...)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from blueprint.paths import environments_dir
from blueprint.policy.gate import PolicyReport, check_invariants, evaluate, load_stacks
from blueprint.policy.model import INVARIANT_NAMES, StackDoc
from blueprint.policy.suppressions import load_suppressions
from blueprint.spec import load_spec

pytestmark = pytest.mark.policy

Doc = dict[str, Any]
DOMAINS = ("foundation", "lake", "warehouse", "streaming", "orchestration", "serving")
# Accepted in policy/suppressions.yaml, each with its reason; nothing else may be suppressed.
ACCEPTED = {
    ("access-logging", "foundation"),
    ("CKV_GCP_62", "foundation"),
    ("CKV_GCP_49", "foundation"),
    ("CKV2_GCP_33", "serving"),
}


@pytest.fixture(scope="module")
def gcp_stacks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, StackDoc]:
    """domain -> StackDoc of `gpol`: dev.yaml with GCP on, AWS off, every domain, protected."""
    data: Doc = copy.deepcopy(yaml.safe_load((environments_dir() / "dev.yaml").read_text(encoding="utf-8")))
    data.update(name="gpol", promotion={})
    data["tags"]["environment"] = "gpol"
    data["clouds"]["aws"]["enabled"] = False
    data["clouds"]["gcp"]["enabled"] = True
    for domain in data["domains"].values():
        domain["enabled"] = True
    directory = tmp_path_factory.mktemp("gcp-policy")
    (directory / "gpol.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    stacks = load_stacks([load_spec(directory / "gpol.yaml")], {"gcp"}, directory / "cdktf.out")
    return {s.domain: s for s in stacks}


@pytest.fixture(scope="module")
def gcp_report(gcp_stacks: dict[str, StackDoc], checkov_bin: str) -> PolicyReport:
    return evaluate(list(gcp_stacks.values()), suppressions=load_suppressions(), checkov_binary=checkov_bin)


def test_gcp_stacks_pass_the_gate(gcp_report: PolicyReport) -> None:
    assert gcp_report.failures == [], "\n".join(
        f"{f.rule} {f.target}: {f.message}" for f in gcp_report.failures
    )
    assert sorted(s.domain for s in gcp_report.stacks) == sorted(DOMAINS)
    assert gcp_report.checkov is not None and gcp_report.checkov.passed > 50
    accepted = {(f.rule, f.stack.split("-gcp-")[1]) for f in gcp_report.suppressed}
    assert accepted <= ACCEPTED, accepted - ACCEPTED


def test_every_invariant_checks_gcp_resources(gcp_report: PolicyReport) -> None:
    checked = {inv: sum(c.checked for c in gcp_report.coverage if c.rule == inv) for inv in INVARIANT_NAMES}
    assert all(checked.values()), checked
    # The domains the invariants are about are really looked at, not "not applicable".
    by = {(c.stack.split("-gcp-")[1], c.rule): c.checked for c in gcp_report.coverage}
    for domain in ("warehouse", "streaming", "orchestration", "serving"):
        assert by[(domain, "cmk-encryption")], domain
    for domain in ("streaming", "orchestration", "serving"):
        assert by[(domain, "private-networking")], domain
    assert by[("warehouse", "no-public-access")] and by[("warehouse", "versioning")]
    assert by[("foundation", "tls-min-1-2")] and by[("foundation", "access-logging")] >= 6


def _first(doc: Doc, rtype: str) -> Doc:
    group = doc["resource"][rtype]
    return group[sorted(k for k in group if k != "//")[0]]


def _where(doc: Doc, rtype: str, key: str, value: Any) -> Doc:
    return next(b for b in doc["resource"][rtype].values() if b.get(key) == value)


def _drop(rtype: str, *path: str) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        body = _first(doc, rtype)
        for part in path[:-1]:
            body = body[part]
        body.pop(path[-1])

    return change


def _set(rtype: str, path: str, value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        body = _first(doc, rtype)
        *parents, last = path.split(".")
        for part in parents:
            body = body[part]
        body[last] = value

    return change


def _add(rtype: str, name: str, body: Doc) -> Callable[[Doc], None]:
    return lambda doc: doc["resource"].setdefault(rtype, {}).__setitem__(name, body)


def _audit_without_bigquery(doc: Doc) -> None:
    group = doc["resource"]["google_project_iam_audit_config"]
    for name in [n for n, b in group.items() if b.get("service") == "bigquery.googleapis.com"]:
        del group[name]


def _access(entry: Doc) -> Callable[[Doc], None]:
    return lambda doc: _first(doc, "google_bigquery_dataset")["access"].append(entry)


SA = "serviceAccount:acme-gpol-kafka@acme-data-dev.iam.gserviceaccount.com"
VIOLATIONS: list[tuple[str, str, Callable[[Doc], None], str]] = [
    # cmk-encryption
    (
        "streaming",
        "cmk-encryption",
        _drop("google_managed_kafka_cluster", "gcp_config", "kms_key"),
        "kms_key",
    ),
    (
        "orchestration",
        "cmk-encryption",
        _drop("google_composer_environment", "config", "encryption_config"),
        "kms",
    ),
    ("serving", "cmk-encryption", _drop("google_vertex_ai_endpoint", "encryption_spec"), "encryption_spec"),
    (
        "warehouse",
        "cmk-encryption",
        _drop("google_bigquery_dataset", "default_encryption_configuration"),
        "kms",
    ),
    (
        "foundation",
        "cmk-encryption",
        _set("google_kms_crypto_key", "rotation_period", "31536000s"),
        "365 days",
    ),
    # no-public-access
    (
        "warehouse",
        "no-public-access",
        _access({"role": "READER", "special_group": "allAuthenticatedUsers"}),
        "all",
    ),
    ("warehouse", "no-public-access", _access({"role": "READER", "group_by_email": "x@acme.test"}), "group"),
    ("warehouse", "no-public-access", _access({"role": "READER", "user_by_email": "me@acme.test"}), "user"),
    (
        "streaming",
        "no-public-access",
        _set("google_managed_kafka_cluster", "gcp_config.access_config.public_cluster_config", {"a": 1}),
        "public listener",
    ),
    (
        "foundation",
        "no-public-access",
        _add(
            "google_compute_firewall",
            "ssh",
            {"name": "ssh", "network": "n", "allow": [{"protocol": "tcp"}], "source_ranges": ["0.0.0.0/0"]},
        ),
        "0.0.0.0/0",
    ),
    (
        "foundation",
        "no-public-access",
        _add(
            "google_kms_crypto_key_iam_member",
            "pub",
            {"crypto_key_id": "k", "role": "r", "member": "allUsers"},
        ),
        "allUsers",
    ),
    # tls-min-1-2
    (
        "foundation",
        "tls-min-1-2",
        _set("google_org_policy_policy", "spec.rules", [{"values": {"denied_values": ["TLS_VERSION_1"]}}]),
        "TLS_VERSION_1_1",
    ),
    ("foundation", "tls-min-1-2", lambda doc: doc["resource"].pop("google_org_policy_policy"), "restrictTLS"),
    # versioning
    ("warehouse", "versioning", _set("google_bigquery_dataset", "max_time_travel_hours", "48"), "48 h"),
    ("lake", "versioning", _set("google_storage_bucket", "versioning", {"enabled": False}), "versioning"),
    # access-logging
    ("foundation", "access-logging", _drop("google_compute_subnetwork", "log_config"), "flow logs"),
    ("foundation", "access-logging", _audit_without_bigquery, "bigquery.googleapis.com"),
    (
        "foundation",
        "access-logging",
        _set("google_project_iam_audit_config", "audit_log_config", []),
        "DATA_READ",
    ),
    ("foundation", "access-logging", _drop("google_compute_firewall", "log_config"), "firewall logs"),
    # required-tags
    (
        "streaming",
        "required-tags",
        lambda doc: doc["provider"]["google"][0]["default_labels"].pop("owner"),
        "owner",
    ),
    (
        "serving",
        "required-tags",
        _set("google_vertex_ai_endpoint", "labels", {"environment": "prod"}),
        "overrides",
    ),
    # no-wildcard-iam
    (
        "foundation",
        "no-wildcard-iam",
        _set("google_project_iam_member", "role", "roles/editor"),
        "roles/editor",
    ),
    ("warehouse", "no-wildcard-iam", _access({"role": "OWNER", "user_by_email": SA[15:]}), "OWNER"),
    (
        "foundation",
        "no-wildcard-iam",
        _add(
            "google_kms_crypto_key_iam_member",
            "own",
            {"crypto_key_id": "k", "role": "roles/owner", "member": SA},
        ),
        "roles/owner",
    ),
    # deletion-protection
    (
        "streaming",
        "deletion-protection",
        _set("google_managed_kafka_cluster", "lifecycle", {}),
        "prevent_destroy",
    ),
    (
        "orchestration",
        "deletion-protection",
        _set("google_composer_environment", "deletion_policy", "DELETE"),
        "DELETE",
    ),
    (
        "warehouse",
        "deletion-protection",
        _set("google_bigquery_dataset", "delete_contents_on_destroy", True),
        "delete_contents_on_destroy",
    ),
    (
        "streaming",
        "deletion-protection",
        _set("google_managed_kafka_topic", "lifecycle", {}),
        "prevent_destroy",
    ),
    (
        "foundation",
        "deletion-protection",
        _set("google_kms_crypto_key", "deletion_policy", "ABANDON"),
        "ABANDON",
    ),
    # private-networking
    (
        "orchestration",
        "private-networking",
        _set("google_composer_environment", "config.enable_private_environment", False),
        "enable_private_environment",
    ),
    (
        "streaming",
        "private-networking",
        _drop("google_managed_kafka_cluster", "gcp_config", "access_config"),
        "network_configs",
    ),
    (
        "serving",
        "private-networking",
        _drop("google_vertex_ai_endpoint", "private_service_connect_config"),
        "Private Service Connect",
    ),
    (
        "foundation",
        "private-networking",
        _set("google_compute_subnetwork", "private_ip_google_access", False),
        "private_ip_google_access",
    ),
]


def test_every_invariant_has_a_violation_case() -> None:
    assert {inv for _, inv, _, _ in VIOLATIONS} == set(INVARIANT_NAMES)


@pytest.mark.parametrize(
    ("domain", "invariant", "change", "words"),
    VIOLATIONS,
    ids=[f"{inv}-{domain}-{i}" for i, (domain, inv, _, _) in enumerate(VIOLATIONS)],
)
def test_invariant_catches_violation(
    gcp_stacks: dict[str, StackDoc],
    domain: str,
    invariant: str,
    change: Callable[[Doc], None],
    words: str,
) -> None:
    original = gcp_stacks[domain]
    assert not check_invariants(original)[0] or all(
        f.rule == "access-logging" and "access_logs" in f.address for f in check_invariants(original)[0]
    )
    doc = copy.deepcopy(original.doc)
    change(doc)
    findings, _ = check_invariants(replace(original, doc=doc, path=Path("cdk.tf.json")))
    mine = [f for f in findings if f.rule == invariant]
    assert mine, f"{invariant} did not catch it; findings: {[(f.rule, f.message) for f in findings]}"
    assert any(words in f"{f.message} {f.address}" for f in mine), [f.message for f in mine]
    assert all(f.fix for f in mine)
