"""GCP rule table: each invariant mapped to the google_* resource types that carry it."""

from __future__ import annotations

from typing import Any

from blueprint.policy_model import (
    dig,
    is_true,
)
from blueprint.policy_rules_base import (
    PRIVATE_NOTE,
    Rule,
    _all,
    _as_list,
    _deletion_protection_rule,
    _fix_for,
    _forbid,
    _private_fix,
    _provider_tags_rule,
    _require,
    _require_false,
    _require_true,
    _table_rule,
)

# ---------------------------------------------------------------------------------------------------
# GCP table (runs on any matching resources; no GCP module is built yet)

_GCP_PRIMITIVE = ("roles/owner", "roles/editor")
_GCP_IAM_TYPES = tuple(
    f"google_{scope}_iam_{kind}"
    for scope in ("project", "folder", "organization")
    for kind in ("member", "binding")
)
_PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")


def _gcp_iam(body: dict[str, Any]) -> str | None:
    role = body.get("role")
    return f"grants the primitive role {role}" if role in _GCP_PRIMITIVE else None


def _gcp_bucket_iam(body: dict[str, Any]) -> str | None:
    members = [body.get("member"), *_as_list(body.get("members"))]
    public = [m for m in members if m in _PUBLIC_MEMBERS]
    return f"grants {body.get('role')} to {public[0]}" if public else None


GCP_RULES: dict[str, tuple[Rule, ...]] = {
    "cmk-encryption": (
        _table_rule(
            {
                "google_storage_bucket": _require("encryption.default_kms_key_name", "customer-managed key"),
                "google_bigquery_dataset": _require(
                    "default_encryption_configuration.kms_key_name", "customer-managed key"
                ),
                "google_kms_crypto_key": _require("rotation_period", "key rotation period"),
            },
            _fix_for("a Cloud KMS key (CMEK)"),
            note="no GCS bucket, BigQuery dataset or KMS key",
        ),
    ),
    "no-public-access": (
        _table_rule(
            {
                "google_storage_bucket": _all(
                    _forbid("public_access_prevention", (None, "inherited"), "must be enforced"),
                    _require_true("uniform_bucket_level_access", "no object ACLs"),
                ),
                "google_storage_bucket_iam_member": _gcp_bucket_iam,
                "google_storage_bucket_iam_binding": _gcp_bucket_iam,
                "google_sql_database_instance": _require_false(
                    "settings.ip_configuration.ipv4_enabled", "no public IP"
                ),
            },
            _fix_for("public_access_prevention = enforced / no allUsers"),
            note="no GCS bucket, bucket IAM or Cloud SQL instance",
        ),
    ),
    "tls-min-1-2": (
        _table_rule(
            {
                "google_compute_ssl_policy": _forbid(
                    "min_tls_version", (None, "TLS_1_0", "TLS_1_1"), "old TLS"
                ),
                "google_sql_database_instance": _forbid(
                    "settings.ip_configuration.ssl_mode", (None, "ALLOW_UNENCRYPTED_AND_ENCRYPTED"), "no TLS"
                ),
            },
            _fix_for("min_tls_version = TLS_1_2 / ssl_mode = ENCRYPTED_ONLY"),
            note="GCS and BigQuery serve HTTPS only; no SSL policy or Cloud SQL instance",
        ),
    ),
    "versioning": (
        _table_rule(
            {
                "google_storage_bucket": lambda b: (
                    None
                    if is_true(dig(b, "versioning.enabled"))
                    or dig(b, "soft_delete_policy.retention_duration_seconds")
                    else "has neither versioning.enabled = true nor a soft_delete_policy"
                )
            },
            _fix_for("versioning { enabled = true }"),
            note="no GCS bucket",
        ),
    ),
    "access-logging": (
        _table_rule(
            {"google_storage_bucket": _require("logging.log_bucket", "usage log bucket")},
            _fix_for("logging { log_bucket = <the environment's log bucket> }"),
            note="no GCS bucket",
        ),
    ),
    "required-tags": (_provider_tags_rule("google", "default_labels", "default_labels", "labels"),),
    "no-wildcard-iam": (
        _table_rule(
            dict.fromkeys(_GCP_IAM_TYPES, _gcp_iam),
            lambda _: "grant a predefined or custom role with only the permissions needed",
            note="no project/folder/organization IAM grant",
        ),
    ),
    "deletion-protection": (
        _deletion_protection_rule(
            {
                "google_storage_bucket": None,
                "google_kms_crypto_key": None,
                "google_bigquery_dataset": None,
                "google_bigquery_table": "deletion_protection",
                "google_sql_database_instance": "deletion_protection",
                "google_managed_kafka_cluster": None,
            },
            {"google_storage_bucket": "force_destroy"},
        ),
    ),
    "private-networking": (
        _table_rule(
            {
                "google_composer_environment": _require_true(
                    "config.private_environment_config.enable_private_endpoint", "private Airflow"
                ),
                "google_managed_kafka_cluster": _require(
                    "gcp_config.access_config.network_configs", "private network config"
                ),
                "google_vertex_ai_endpoint": _require("network", "private VPC network"),
                "google_sql_database_instance": _require(
                    "settings.ip_configuration.private_network", "private network"
                ),
            },
            _private_fix,
            note=PRIVATE_NOTE,
        ),
    ),
}
