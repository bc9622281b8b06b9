"""The GCP modules keep their promises: every domain of three environments built from dev.yaml with GCP
on, synthesized once for this module.

- `gfull`: dev's settings, every domain, protection.stateful true.
- `gopen`: every module-relevant setting changed (prefix, project, region, cidr, NAT, sizes, topics,
  Airflow class, machine type, replicas, table expiration), protection.stateful false, so a module
  that ignores the spec fails here.
- `gmin`: foundation and lake only: keys and service accounts exist only for enabled domains.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from blueprint.paths import environments_dir
from blueprint.spec import load_spec

pytestmark = pytest.mark.synth

Doc = dict[str, Any]

OPEN_TOPICS = [
    {"name": "orders.v1", "partitions": 12, "replication_factor": 2, "retention_hours": 24},
    {"name": "orders-compacted", "partitions": 4, "retention_hours": 720, "cleanup_policy": "compact"},
]


def gcp_spec_data(name: str, *, stateful: bool = True, variant: str = "full") -> Doc:
    """dev.yaml with GCP on and AWS off; `variant` full (all domains), open (all changed), min."""
    data: Doc = copy.deepcopy(yaml.safe_load((environments_dir() / "dev.yaml").read_text(encoding="utf-8")))
    data["name"] = name
    data["tags"]["environment"] = name
    data.pop("promotion", None)
    data["clouds"]["aws"]["enabled"] = False
    data["clouds"]["gcp"]["enabled"] = True
    data["protection"] = {"stateful": stateful}
    domains = data["domains"]
    for domain in domains.values():
        domain["enabled"] = variant != "min"
    domains["foundation"]["enabled"] = domains["lake"]["enabled"] = True
    domains["warehouse"]["gcp"] = {"table_expiration_days": 30}
    if variant == "open":
        data["prefix"] = "zeta"
        data["clouds"]["gcp"].update(project="zeta-data-test", region="us-central1")
        data["tags"]["team"] = "ml"
        domains["foundation"].update(nat_gateway=True, cidr="10.40.0.0/18")
        domains["lake"].update(noncurrent_version_expiration_days=45, transition_to_ia_days=60)
        domains["lake"].update(transition_to_archive_days=120, abort_incomplete_upload_days=3)
        domains["warehouse"]["gcp"] = {"table_expiration_days": None}
        domains["streaming"].update(
            mode="provisioned", gcp={"vcpu_count": 6, "memory_gib": 24}, topics=OPEN_TOPICS
        )
        domains["orchestration"].update(environment_class="mw1.large", max_workers=7)
        domains["serving"].update(gcp={"machine_type": "n2-standard-8"}, min_capacity=2, max_capacity=5)
    return data


ENVS = {
    "gfull": {"stateful": True, "variant": "full"},
    "gopen": {"stateful": False, "variant": "open"},
    "gmin": {"stateful": True, "variant": "min"},
}


@dataclass
class Gcp:
    outdir: Path

    def stack(self, stack_id: str) -> Doc:
        return json.loads((self.outdir / "stacks" / stack_id / "cdk.tf.json").read_text(encoding="utf-8"))

    def resources(self, stack_id: str, rtype: str) -> dict[str, Doc]:
        return dict(self.stack(stack_id).get("resource", {}).get(rtype, {}))

    def only(self, stack_id: str, rtype: str) -> Doc:
        found = self.resources(stack_id, rtype)
        assert len(found) == 1, f"{stack_id}: want one {rtype}, found {sorted(found)}"
        return next(iter(found.values()))

    def outputs(self, stack_id: str) -> dict[str, Any]:
        return {k: v["value"] for k, v in self.stack(stack_id).get("output", {}).items()}


@pytest.fixture(scope="module")
def gcp(tmp_path_factory: pytest.TempPathFactory) -> Gcp:
    import main

    env_dir = tmp_path_factory.mktemp("gcp-envs")
    specs = []
    for name, how in ENVS.items():
        path = env_dir / f"{name}.yaml"
        path.write_text(yaml.safe_dump(gcp_spec_data(name, **how), sort_keys=False), encoding="utf-8")
        specs.append(load_spec(path))
    outdir = tmp_path_factory.mktemp("gcp-out")
    app, _ = main.build_app(specs, {"gcp"}, outdir=outdir)
    app.synth()
    return Gcp(outdir)


def key_path(project: str, region: str, prefix: str, env: str, purpose: str) -> str:
    return (
        f"projects/{project}/locations/{region}/keyRings/{prefix}-{env}-keyring/cryptoKeys/"
        f"{prefix}-{env}-{purpose}"
    )


FULL_KEY = lambda purpose: key_path("acme-data-dev", "europe-west1", "acme", "gfull", purpose)  # noqa: E731
OPEN_KEY = lambda purpose: key_path("zeta-data-test", "us-central1", "zeta", "gopen", purpose)  # noqa: E731
STACKS = ("foundation", "lake", "warehouse", "streaming", "orchestration", "serving")


def test_every_domain_is_a_stack_with_the_pinned_provider_and_labels(gcp: Gcp) -> None:
    for env, tags in (("gfull", {}), ("gopen", {"team": "ml"})):
        for domain in STACKS:
            doc = gcp.stack(f"{env}-gcp-{domain}")
            [provider] = doc["provider"]["google"]
            assert provider["project"] == ("zeta-data-test" if env == "gopen" else "acme-data-dev")
            assert provider["default_labels"] == {
                "owner": "data-platform",
                "cost_center": "cc-1234",
                "environment": env,
                "data_classification": "internal",
                "managed_by": "platform-blueprint",
                **tags,
            }
            assert doc["terraform"]["required_providers"]["google"] == {
                "source": "hashicorp/google",
                "version": "8.7.0",
            }
            assert doc["terraform"]["backend"]["gcs"]["prefix"] == f"{env}-gcp-{domain}"
            assert "aws" not in json.dumps(doc["provider"]) and "azurerm" not in doc["provider"]
            # No stack reads another one: no remote state, and the only data source is the project number.
            assert "terraform_remote_state" not in doc.get("data", {})
            assert set(doc.get("data", {})) <= ({"google_project"} if domain == "foundation" else set())


def test_network_is_private_with_flow_logs_and_nat_only_when_asked(gcp: Gcp) -> None:
    net = gcp.only("gfull-gcp-foundation", "google_compute_network")
    assert net["name"] == "acme-gfull-vpc" and net["auto_create_subnetworks"] is False
    subnet = gcp.only("gfull-gcp-foundation", "google_compute_subnetwork")
    assert subnet["ip_cidr_range"] == "10.0.0.0/17" and subnet["private_ip_google_access"] is True
    assert subnet["region"] == "europe-west1" and subnet["log_config"]["metadata"] == "INCLUDE_ALL_METADATA"
    firewall = gcp.only("gfull-gcp-foundation", "google_compute_firewall")
    assert firewall["direction"] == "INGRESS" and firewall["deny"] == [{"protocol": "all"}]
    assert "allow" not in firewall and firewall["log_config"]
    assert gcp.resources("gfull-gcp-foundation", "google_compute_router_nat") == {}
    assert gcp.only("gopen-gcp-foundation", "google_compute_subnetwork")["ip_cidr_range"] == "10.40.0.0/19"
    nat = gcp.only("gopen-gcp-foundation", "google_compute_router_nat")
    assert nat["log_config"] == {"enable": True, "filter": "ERRORS_ONLY"} and nat["region"] == "us-central1"


def test_keys_rotate_and_are_protected_per_purpose_of_enabled_domains(gcp: Gcp) -> None:
    keys = gcp.resources("gfull-gcp-foundation", "google_kms_crypto_key").values()
    assert sorted(k["name"] for k in keys) == sorted(
        f"acme-gfull-{p}" for p in ("storage", "bigquery", "kafka", "composer", "vertex")
    )
    for key in keys:
        assert key["rotation_period"] == "7776000s"  # 90 days
        assert key["lifecycle"] == {"prevent_destroy": True} and key["deletion_policy"] == "PREVENT"
    for key in gcp.resources("gopen-gcp-foundation", "google_kms_crypto_key").values():
        assert key["lifecycle"] == {"prevent_destroy": False} and key["deletion_policy"] == "DELETE"
    ring = gcp.only("gfull-gcp-foundation", "google_kms_key_ring")
    assert ring == {**ring, "name": "acme-gfull-keyring", "location": "europe-west1"}
    only_storage = gcp.resources("gmin-gcp-foundation", "google_kms_crypto_key").values()
    assert [k["name"] for k in only_storage] == ["acme-gmin-storage"]
    assert gcp.resources("gmin-gcp-foundation", "google_service_account") == {}


def test_service_agents_may_use_exactly_their_keys(gcp: Gcp) -> None:
    grants = gcp.resources("gfull-gcp-foundation", "google_kms_crypto_key_iam_member").values()
    by_key: dict[str, set[str]] = {}
    for g in grants:
        assert g["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
        key = g["crypto_key_id"].split(".")[1]
        by_key.setdefault(key, set()).add(g["member"].split("@")[1])
    agents = {k.split("_")[2]: v for k, v in by_key.items()}  # foundation_key_<purpose>_...
    assert agents["storage"] == {"gs-project-accounts.iam.gserviceaccount.com"}
    assert agents["bigquery"] == {"bigquery-encryption.iam.gserviceaccount.com"}
    assert agents["kafka"] == {"gcp-sa-managedkafka.iam.gserviceaccount.com"}
    assert agents["vertex"] == {"gcp-sa-aiplatform.iam.gserviceaccount.com"}
    assert "cloudcomposer-accounts.iam.gserviceaccount.com" in agents["composer"]
    # The log bucket is created only once the GCS agent may use its key.
    [log_bucket] = gcp.resources("gfull-gcp-foundation", "google_storage_bucket").values()
    [dependency] = log_bucket["depends_on"]
    assert dependency.startswith("google_kms_crypto_key_iam_member.foundation_key_storage_agent_")


def test_workloads_have_own_accounts_with_least_privilege(gcp: Gcp) -> None:
    accounts = gcp.resources("gfull-gcp-foundation", "google_service_account").values()
    assert sorted(a["account_id"] for a in accounts) == [
        "acme-gfull-composer",
        "acme-gfull-kafka",
        "acme-gfull-vertex",
        "acme-gfull-warehouse",
    ]
    roles = {g["role"] for g in gcp.resources("gfull-gcp-foundation", "google_project_iam_member").values()}
    assert roles == {
        "roles/bigquery.jobUser",
        "roles/managedkafka.client",
        "roles/composer.worker",
        "roles/logging.logWriter",
        "roles/monitoring.metricWriter",
    }
    for stack_dir in (gcp.outdir / "stacks").iterdir():
        text = json.dumps(gcp.stack(stack_dir.name))
        assert '"roles/owner"' not in text and '"roles/editor"' not in text
        assert "allUsers" not in text and "allAuthenticatedUsers" not in text


def test_project_guards_tls_and_audit_logs(gcp: Gcp) -> None:
    policy = gcp.only("gfull-gcp-foundation", "google_org_policy_policy")
    assert policy["name"] == "projects/acme-data-dev/policies/gcp.restrictTLSVersion"
    assert policy["spec"]["rules"][0]["values"]["denied_values"] == ["TLS_VERSION_1", "TLS_VERSION_1_1"]
    audited = {
        a["service"]: {c["log_type"] for c in a["audit_log_config"]}
        for a in gcp.resources("gfull-gcp-foundation", "google_project_iam_audit_config").values()
    }
    assert set(audited) == {
        "storage.googleapis.com",
        "cloudkms.googleapis.com",
        "bigquery.googleapis.com",
        "managedkafka.googleapis.com",
        "composer.googleapis.com",
        "aiplatform.googleapis.com",
    }
    assert all(kinds == {"ADMIN_READ", "DATA_READ", "DATA_WRITE"} for kinds in audited.values())


def _buckets(gcp: Gcp, stack_id: str) -> dict[str, Doc]:
    return {b["name"]: b for b in gcp.resources(stack_id, "google_storage_bucket").values()}


def test_lake_buckets_have_every_secure_default(gcp: Gcp) -> None:
    buckets = _buckets(gcp, "gfull-gcp-lake")
    assert sorted(buckets) == sorted(
        f"acme-gfull-lake-{p}" for p in ("raw", "curated", "analytics", "artifacts")
    )
    for name, b in buckets.items():
        assert b["location"] == "EUROPE-WEST1"
        assert b["uniform_bucket_level_access"] is True and b["public_access_prevention"] == "enforced"
        assert b["versioning"] == {"enabled": True}
        assert b["encryption"] == {"default_kms_key_name": FULL_KEY("storage")}
        assert b["logging"] == {"log_bucket": "acme-gfull-logs-access", "log_object_prefix": f"{name}/"}
        assert b["force_destroy"] is False and b["lifecycle"] == {"prevent_destroy": True}
        assert b["deletion_policy"] == "PREVENT"
    raw = buckets["acme-gfull-lake-raw"]["lifecycle_rule"]
    assert {
        "action": {"type": "Delete"},
        "condition": {"days_since_noncurrent_time": 30, "with_state": "ARCHIVED"},
    } in raw
    assert [r["action"].get("storage_class") for r in raw if r["action"]["type"] == "SetStorageClass"] == [
        "NEARLINE",
        "COLDLINE",
    ]
    artifacts = buckets["acme-gfull-lake-artifacts"]["lifecycle_rule"]
    assert not [r for r in artifacts if r["action"]["type"] == "SetStorageClass"]


def test_lake_follows_the_spec(gcp: Gcp) -> None:
    buckets = _buckets(gcp, "gopen-gcp-lake")
    raw = buckets["zeta-gopen-lake-raw"]
    assert raw["location"] == "US-CENTRAL1" and raw["encryption"]["default_kms_key_name"] == OPEN_KEY(
        "storage"
    )
    assert raw["force_destroy"] is True and raw["lifecycle"] == {"prevent_destroy": False}
    rules = {
        (r["action"]["type"], r["action"].get("storage_class")): r["condition"] for r in raw["lifecycle_rule"]
    }
    assert rules[("AbortIncompleteMultipartUpload", None)] == {"age": 3}
    assert rules[("Delete", None)]["days_since_noncurrent_time"] == 45
    assert rules[("SetStorageClass", "NEARLINE")]["age"] == 60
    assert rules[("SetStorageClass", "COLDLINE")]["age"] == 120
    logs = _buckets(gcp, "gopen-gcp-foundation")["zeta-gopen-logs-access"]
    expire = [r for r in logs["lifecycle_rule"] if r["condition"].get("with_state") == "LIVE"]
    assert expire[0]["condition"]["age"] == 365 and "logging" not in logs


def test_warehouse_datasets_are_cmek_and_service_account_only(gcp: Gcp) -> None:
    datasets = {
        d["dataset_id"]: d for d in gcp.resources("gfull-gcp-warehouse", "google_bigquery_dataset").values()
    }
    assert sorted(datasets) == ["acme_gfull_analytics", "acme_gfull_curated", "acme_gfull_raw"]
    for d in datasets.values():
        assert d["default_encryption_configuration"] == {"kms_key_name": FULL_KEY("bigquery")}
        assert d["default_table_expiration_ms"] == 30 * 86_400_000
        assert d["location"] == "europe-west1" and d["max_time_travel_hours"] == "168"
        assert d["delete_contents_on_destroy"] is False and d["deletion_policy"] == "PREVENT"
        assert d["lifecycle"] == {"prevent_destroy": True}
        for entry in d["access"]:
            assert set(entry) == {"role", "user_by_email"}
            assert entry["user_by_email"].endswith("@acme-data-dev.iam.gserviceaccount.com")
            assert entry["role"] in ("READER", "WRITER")
    readers = {e["user_by_email"] for e in datasets["acme_gfull_raw"]["access"] if e["role"] == "READER"}
    assert readers == set()  # the model endpoint reads curated and analytics, not raw
    for d in gcp.resources("gopen-gcp-warehouse", "google_bigquery_dataset").values():
        assert "default_table_expiration_ms" not in d
        assert d["delete_contents_on_destroy"] is True and d["deletion_policy"] == "DELETE"
        assert d["default_encryption_configuration"]["kms_key_name"] == OPEN_KEY("bigquery")


def test_kafka_cluster_and_topics_follow_the_spec(gcp: Gcp) -> None:
    cluster = gcp.only("gfull-gcp-streaming", "google_managed_kafka_cluster")
    assert cluster["cluster_id"] == "acme-gfull-kafka" and cluster["location"] == "europe-west1"
    assert cluster["capacity_config"] == {"vcpu_count": "3", "memory_bytes": str(12 * 1024**3)}
    assert cluster["gcp_config"]["kms_key"] == FULL_KEY("kafka")
    assert cluster["gcp_config"]["access_config"] == {
        "network_configs": [
            {
                "subnet": "projects/acme-data-dev/regions/europe-west1/subnetworks/"
                "acme-gfull-private-europe-west1"
            }
        ]
    }
    assert cluster["lifecycle"] == {"prevent_destroy": True} and cluster["deletion_policy"] == "PREVENT"
    topics = {
        t["topic_id"]: t for t in gcp.resources("gfull-gcp-streaming", "google_managed_kafka_topic").values()
    }
    assert (
        topics["ingest.events"]["partition_count"] == 6 and topics["ingest.events"]["replication_factor"] == 3
    )
    assert topics["features.online"]["configs"] == {
        "retention.ms": str(72 * 3_600_000),
        "cleanup.policy": "delete",
    }
    assert sorted(topics) == ["features.online", "ingest.dead-letter", "ingest.events"]

    opened = gcp.only("gopen-gcp-streaming", "google_managed_kafka_cluster")
    assert opened["capacity_config"] == {"vcpu_count": "6", "memory_bytes": str(24 * 1024**3)}
    assert opened["deletion_policy"] == "DELETE" and opened["gcp_config"]["kms_key"] == OPEN_KEY("kafka")
    topics = {
        t["topic_id"]: t for t in gcp.resources("gopen-gcp-streaming", "google_managed_kafka_topic").values()
    }
    assert topics["orders.v1"]["partition_count"] == 12 and topics["orders.v1"]["replication_factor"] == 2
    assert topics["orders.v1"]["configs"]["retention.ms"] == str(24 * 3_600_000)
    assert topics["orders-compacted"]["configs"]["cleanup.policy"] == "compact"


def test_composer_is_private_cmek_sized_and_reads_dags_from_the_artifacts_bucket(gcp: Gcp) -> None:
    env = gcp.only("gfull-gcp-orchestration", "google_composer_environment")
    config = env["config"]
    assert config["software_config"]["image_version"].startswith("composer-3-airflow-3")
    assert config["enable_private_environment"] is True and config["enable_private_builds_only"] is True
    assert config["encryption_config"] == {"kms_key_name": FULL_KEY("composer")}
    assert config["environment_size"] == "ENVIRONMENT_SIZE_SMALL"
    assert (
        config["node_config"]["service_account"]
        == "acme-gfull-composer@acme-data-dev.iam.gserviceaccount.com"
    )
    assert config["node_config"]["network"] == "projects/acme-data-dev/global/networks/acme-gfull-vpc"
    assert env["storage_config"] == {"bucket": "acme-gfull-lake-artifacts"}
    assert env["deletion_policy"] == "PREVENT" and env["lifecycle"] == {"prevent_destroy": True}
    assert gcp.outputs("gfull-gcp-orchestration")["dag_folder"] == "gs://acme-gfull-lake-artifacts/dags/"
    dags = gcp.resources("gfull-gcp-orchestration", "google_storage_bucket_object").values()
    assert {d["name"] for d in dags} == {"dags/lake_to_model.py", "dags/lake_platform.py"}
    assert all(
        d["bucket"] == "acme-gfull-lake-artifacts" and d["kms_key_name"] == FULL_KEY("storage") for d in dags
    )
    opened = gcp.only("gopen-gcp-orchestration", "google_composer_environment")["config"]
    assert opened["environment_size"] == "ENVIRONMENT_SIZE_LARGE"
    assert opened["workloads_config"]["worker"]["max_count"] == 7


def test_vertex_endpoint_is_private_cmek_and_points_at_the_model_bucket(gcp: Gcp) -> None:
    endpoint = gcp.only("gfull-gcp-serving", "google_vertex_ai_endpoint")
    assert endpoint["name"].isdigit() and len(endpoint["name"]) == 10
    assert endpoint["encryption_spec"] == {"kms_key_name": FULL_KEY("vertex")}
    psc = endpoint["private_service_connect_config"]
    assert psc["enable_private_service_connect"] is True and psc["project_allowlist"] == ["acme-data-dev"]
    assert (
        psc["psc_automation_configs"][0]["network"] == "projects/acme-data-dev/global/networks/acme-gfull-vpc"
    )
    assert endpoint["labels"] == {"model_bucket": "acme-gfull-lake-artifacts"}
    reader = gcp.only("gfull-gcp-serving", "google_storage_bucket_iam_member")
    assert reader["role"] == "roles/storage.objectViewer" and reader["bucket"] == "acme-gfull-lake-artifacts"
    out = gcp.outputs("gopen-gcp-serving")
    assert out["machine_type"] == "n2-standard-8"
    assert (out["min_replica_count"], out["max_replica_count"]) == (2, 5)
    assert out["model_uri"].startswith("gs://zeta-gopen-lake-artifacts/models/")
