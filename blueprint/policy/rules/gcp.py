"""GCP rule table: each invariant mapped to the google_* resource types that carry it.

Besides per-resource rows, two invariants are checked on the foundation stack as a whole, because on
GCP they are project settings rather than resource arguments: TLS >= 1.2 (the organization policy
`gcp.restrictTLSVersion` on the project) and access logging of the data services (Data Access audit
logs, `google_project_iam_audit_config`, for every service an enabled domain uses).
"""

from __future__ import annotations

import re
from typing import Any

from blueprint.policy.model import (
    RuleResult,
    StackDoc,
    blocks,
    dig,
    is_true,
)
from blueprint.policy.rules.dsl import (
    Predicate,
    Rule,
    all_of,
    as_list,
    deletion_protection_rule,
    env_file,
    fix_for,
    forbid,
    private_fix,
    provider_tags_rule,
    require,
    require_false,
    require_true,
    resource_label,
    table_rule,
)

# ---------------------------------------------------------------------------------------------------
# Predicates

_GCP_PRIMITIVE = ("roles/owner", "roles/editor", "roles/viewer")
_IAM_SCOPES = (
    "project",
    "folder",
    "organization",
    "storage_bucket",
    "bigquery_dataset",
    "kms_crypto_key",
    "kms_key_ring",
    "service_account",
    "compute_subnetwork",
)
_GCP_IAM_TYPES = tuple(
    f"google_{scope}_iam_{kind}" for scope in _IAM_SCOPES for kind in ("member", "binding")
)
_PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
_MAX_ROTATION_S = 90 * 24 * 3600
_MIN_TIME_TRAVEL_HOURS = 168
_OLD_TLS = ("TLS_VERSION_1", "TLS_VERSION_1_1")
TLS_CONSTRAINT = "gcp.restrictTLSVersion"


def _gcp_iam(body: dict[str, Any]) -> str | None:
    role = body.get("role")
    return f"grants the primitive role {role}" if role in _GCP_PRIMITIVE else None


def _gcp_public_member(body: dict[str, Any]) -> str | None:
    members = [body.get("member"), *as_list(body.get("members"))]
    public = [m for m in members if m in _PUBLIC_MEMBERS]
    return f"grants {body.get('role')} to {public[0]}" if public else None


def _is_service_account(email: Any) -> bool:
    return isinstance(email, str) and email.endswith(".iam.gserviceaccount.com")


def _bq_entry_problem(entry: dict[str, Any]) -> str | None:
    """A dataset access entry may name a service account (or an authorized view/dataset/routine)."""
    for key in ("special_group", "domain", "group_by_email"):
        if entry.get(key):
            return f"grants {entry.get('role')} to {key} {entry[key]!r}"
    user = entry.get("user_by_email")
    if user and not _is_service_account(user):
        return f"grants {entry.get('role')} to the user {user!r} (service accounts only)"
    member = entry.get("iam_member")
    if member and not (isinstance(member, str) and member.startswith("serviceAccount:")):
        return f"grants {entry.get('role')} to {member!r} (service accounts only)"
    return None


def _bq_access(body: dict[str, Any]) -> str | None:
    problems = [p for p in (_bq_entry_problem(e) for e in blocks(body, "access")) if p]
    return "; ".join(problems) if problems else None


def _bq_access_primitive(body: dict[str, Any]) -> str | None:
    roles = [e.get("role") for e in blocks(body, "access")]
    bad = [r for r in roles if r in ("OWNER", *_GCP_PRIMITIVE)]
    return f"grants {bad[0]} in its access list" if bad else None


def _seconds(value: Any) -> int | None:
    match = re.fullmatch(r"(\d+)(?:\.\d+)?s", value) if isinstance(value, str) else None
    return int(match[1]) if match else None


def _rotation(body: dict[str, Any]) -> str | None:
    seconds = _seconds(body.get("rotation_period"))
    if seconds is None:
        return "has no rotation_period"
    return None if seconds <= _MAX_ROTATION_S else f"rotates every {seconds // 86400} days (at most 90)"


def _time_travel(body: dict[str, Any]) -> str | None:
    value = body.get("max_time_travel_hours")
    if not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
        return "does not set max_time_travel_hours (time travel keeps old table versions)"
    hours = int(value)
    return None if hours >= _MIN_TIME_TRAVEL_HOURS else f"keeps old versions {hours} h (want 168)"


def _tls_policy(body: dict[str, Any]) -> str | None:
    if not str(body.get("name", "")).endswith(f"/policies/{TLS_CONSTRAINT}"):
        return None
    denied = {
        v for r in blocks(dig(body, "spec") or {}, "rules") for v in as_list(dig(r, "values.denied_values"))
    }
    missing = [v for v in _OLD_TLS if v not in denied]
    return f"does not deny {', '.join(missing)}" if missing else None


def _audit_config(body: dict[str, Any]) -> str | None:
    kinds = {c.get("log_type") for c in blocks(body, "audit_log_config")}
    missing = [k for k in ("DATA_READ", "DATA_WRITE") if k not in kinds]
    return f"does not log {', '.join(missing)}" if missing else None


def _subnet_logs(body: dict[str, Any]) -> str | None:
    if body.get("purpose") not in (None, "PRIVATE"):
        return None  # proxy-only and PSC subnets carry no VM traffic and cannot have flow logs
    return require("log_config", "VPC flow logs")(body)


def _firewall_open(body: dict[str, Any]) -> str | None:
    if not blocks(body, "allow") or body.get("direction", "INGRESS") != "INGRESS":
        return None
    sources = as_list(body.get("source_ranges"))
    return "allows ingress from 0.0.0.0/0" if "0.0.0.0/0" in sources else None


def _kafka_no_public(body: dict[str, Any]) -> str | None:
    public = dig(body, "gcp_config.access_config.public_cluster_config")
    return "has a public listener (gcp_config.access_config.public_cluster_config)" if public else None


def _composer_private(body: dict[str, Any]) -> str | None:
    private = is_true(dig(body, "config.enable_private_environment")) or is_true(
        dig(body, "config.private_environment_config.enable_private_endpoint")
    )
    problems = (
        []
        if private
        else [
            "is not private (config.enable_private_environment = true on Composer 3, "
            "config.private_environment_config.enable_private_endpoint = true on Composer 2)"
        ]
    )
    if not dig(body, "config.node_config.network"):
        problems.append("has no VPC network (config.node_config.network)")
    return "; ".join(problems) or None


def _vertex_private(body: dict[str, Any]) -> str | None:
    if body.get("network") or is_true(
        dig(body, "private_service_connect_config.enable_private_service_connect")
    ):
        return None
    return "is public: neither a VPC network (network) nor Private Service Connect is set"


# ---------------------------------------------------------------------------------------------------
# Foundation-level rules: project settings the foundation stack must carry


def _foundation_rule(check: Any, fix: str, note: str) -> Rule:
    """A rule on the GCP foundation stack as a whole; `check(stack)` returns [(address, problem)]."""

    def rule(stack: StackDoc) -> RuleResult:
        result = RuleResult(note=note)
        if stack.domain != "foundation":
            return result
        for address, problem in check(stack):
            result.add(address, problem, fix)
        return result

    return rule


def _tls_guard(stack: StackDoc) -> list[tuple[str, str | None]]:
    found = [
        (f"google_org_policy_policy.{name}", body)
        for name, body in stack.resources("google_org_policy_policy").items()
        if str(body.get("name", "")).endswith(f"/policies/{TLS_CONSTRAINT}")
    ]
    if not found:
        return [
            (f"stack.{stack.stack_id}", f"stack {stack.stack_id} has no {TLS_CONSTRAINT} organization policy")
        ]
    return [(address, _tls_policy(body)) for address, body in found]


# Domain -> the data services whose Data Access audit logs must be on when the domain is enabled.
AUDITED_SERVICES: dict[str, tuple[str, ...]] = {
    "foundation": ("storage.googleapis.com", "cloudkms.googleapis.com"),
    "warehouse": ("bigquery.googleapis.com",),
    "streaming": ("managedkafka.googleapis.com",),
    "orchestration": ("composer.googleapis.com",),
    "serving": ("aiplatform.googleapis.com",),
}


def _audit_guard(stack: StackDoc) -> list[tuple[str, str | None]]:
    configs = {
        b.get("service"): (n, b) for n, b in stack.resources("google_project_iam_audit_config").items()
    }
    enabled = {"foundation", *stack.spec.domains.enabled()}
    out: list[tuple[str, str | None]] = []
    for domain, services in AUDITED_SERVICES.items():
        if domain not in enabled:
            continue
        for service in services:
            if service in configs or "allServices" in configs:
                name, body = configs.get(service) or configs["allServices"]
                out.append((f"google_project_iam_audit_config.{name}", _audit_config(body)))
            else:
                out.append(
                    (
                        f"stack.{stack.stack_id}",
                        f"stack {stack.stack_id} turns on no Data Access audit logs for {service} "
                        f"(domains.{domain} is enabled)",
                    )
                )
    return out


# ---------------------------------------------------------------------------------------------------
# Deletion protection: prevent_destroy and, in provider 8, `deletion_policy = "PREVENT"`

GCP_STATEFUL: dict[str, str | None] = {
    "google_storage_bucket": None,
    "google_kms_crypto_key": None,
    "google_bigquery_dataset": None,
    "google_bigquery_table": "deletion_protection",
    "google_sql_database_instance": "deletion_protection",
    "google_managed_kafka_cluster": None,
    "google_managed_kafka_topic": None,
    "google_composer_environment": None,
}
# Types whose provider-8 schema has `deletion_policy`: it may not say DELETE/ABANDON on protected stacks.
_DELETION_POLICY_TYPES = (
    "google_storage_bucket",
    "google_kms_crypto_key",
    "google_bigquery_dataset",
    "google_managed_kafka_cluster",
    "google_managed_kafka_topic",
    "google_composer_environment",
)


def _deletion_policy_rule(stack: StackDoc) -> RuleResult:
    spec = stack.spec
    if not spec.protection.stateful and spec.emulated:
        return RuleResult(note=f"not required: protection.stateful is false in {spec.name}")
    result = RuleResult(note="no stateful resource")
    for rtype, name, body in stack.each(*_DELETION_POLICY_TYPES):
        policy = body.get("deletion_policy")
        # Absent is the provider default (DELETE): prevent_destroy, required by the other rule, still
        # holds; an explicit DELETE or ABANDON on a protected stack undoes the second lock on purpose.
        problem = (
            f"sets deletion_policy = {policy!r} (want 'PREVENT')" if policy in ("DELETE", "ABANDON") else None
        )
        fix = (
            f"set protection.stateful: true in {env_file(stack)}"
            if not spec.protection.stateful
            else "set deletion_policy from protection.stateful (modules/primitives/gcp.py deletion_policy)"
        )
        what = resource_label(rtype, name, body)
        result.add(f"{rtype}.{name}", f"{what} {problem}" if problem else None, fix)
    return result


# ---------------------------------------------------------------------------------------------------
# GCP table

_CMK: dict[str, Predicate] = {
    "google_storage_bucket": require("encryption.default_kms_key_name", "customer-managed key"),
    "google_bigquery_dataset": require(
        "default_encryption_configuration.kms_key_name", "customer-managed key"
    ),
    "google_bigquery_table": require("encryption_configuration.kms_key_name", "customer-managed key"),
    "google_kms_crypto_key": _rotation,
    "google_managed_kafka_cluster": require("gcp_config.kms_key", "customer-managed key"),
    "google_composer_environment": require("config.encryption_config.kms_key_name", "customer-managed key"),
    "google_vertex_ai_endpoint": require("encryption_spec.kms_key_name", "customer-managed key"),
}

_PUBLIC: dict[str, Predicate] = {
    "google_storage_bucket": all_of(
        forbid("public_access_prevention", (None, "inherited"), "must be enforced"),
        require_true("uniform_bucket_level_access", "no object ACLs"),
    ),
    **dict.fromkeys(_GCP_IAM_TYPES, _gcp_public_member),
    "google_bigquery_dataset": _bq_access,
    "google_bigquery_dataset_access": _bq_entry_problem,
    "google_managed_kafka_cluster": _kafka_no_public,
    "google_compute_firewall": _firewall_open,
    "google_sql_database_instance": require_false("settings.ip_configuration.ipv4_enabled", "no public IP"),
}

_PRIVATE: dict[str, Predicate] = {
    "google_composer_environment": _composer_private,
    "google_managed_kafka_cluster": all_of(
        require("gcp_config.access_config.network_configs", "private network config"), _kafka_no_public
    ),
    "google_vertex_ai_endpoint": _vertex_private,
    "google_compute_subnetwork": require_true("private_ip_google_access", "Google APIs without public IPs"),
    "google_sql_database_instance": require("settings.ip_configuration.private_network", "private network"),
}

GCP_RULES: dict[str, tuple[Rule, ...]] = {
    "cmk-encryption": (
        table_rule(
            _CMK,
            fix_for("a Cloud KMS key (CMEK) from the foundation (GcpNames.key_path)"),
            note="no GCS bucket, BigQuery dataset, KMS key, Kafka cluster, Composer or Vertex endpoint",
        ),
    ),
    "no-public-access": (
        table_rule(
            _PUBLIC,
            fix_for("public_access_prevention = enforced / no allUsers / service accounts only"),
            note="no bucket, dataset, IAM grant, Kafka cluster, firewall or Cloud SQL instance",
        ),
    ),
    "tls-min-1-2": (
        table_rule(
            {
                "google_compute_ssl_policy": forbid(
                    "min_tls_version", (None, "TLS_1_0", "TLS_1_1"), "old TLS"
                ),
                "google_sql_database_instance": forbid(
                    "settings.ip_configuration.ssl_mode", (None, "ALLOW_UNENCRYPTED_AND_ENCRYPTED"), "no TLS"
                ),
                "google_org_policy_policy": _tls_policy,
            },
            fix_for(
                f"min_tls_version = TLS_1_2 / ssl_mode = ENCRYPTED_ONLY / {TLS_CONSTRAINT} deny 1.0, 1.1"
            ),
            note="GCS, BigQuery, Managed Kafka, Composer and Vertex serve TLS only; the project's "
            f"{TLS_CONSTRAINT} policy (foundation stack) refuses TLS 1.0/1.1",
        ),
        _foundation_rule(
            _tls_guard,
            f"add a google_org_policy_policy {TLS_CONSTRAINT} denying TLS_VERSION_1 and TLS_VERSION_1_1 to "
            "the foundation (modules/foundation/gcp.py)",
            note=f"the project's TLS policy is checked on the foundation stack ({TLS_CONSTRAINT})",
        ),
    ),
    "versioning": (
        table_rule(
            {
                "google_storage_bucket": lambda b: (
                    None
                    if is_true(dig(b, "versioning.enabled"))
                    or dig(b, "soft_delete_policy.retention_duration_seconds")
                    else "has neither versioning.enabled = true nor a soft_delete_policy"
                ),
                "google_bigquery_dataset": _time_travel,
            },
            fix_for("versioning { enabled = true } / max_time_travel_hours = 168"),
            note="no GCS bucket or BigQuery dataset",
        ),
    ),
    "access-logging": (
        table_rule(
            {
                "google_storage_bucket": require("logging.log_bucket", "usage log bucket"),
                "google_compute_subnetwork": _subnet_logs,
                "google_compute_router_nat": require_true("log_config.enable", "NAT logs"),
                "google_compute_firewall": require("log_config", "firewall logs"),
                "google_project_iam_audit_config": _audit_config,
            },
            fix_for("logging { log_bucket } / log_config / DATA_READ + DATA_WRITE audit logs"),
            note="no bucket, subnet, NAT, firewall or audit config",
        ),
        _foundation_rule(
            _audit_guard,
            "add google_project_iam_audit_config (ADMIN_READ, DATA_READ, DATA_WRITE) for the service to the "
            "foundation (modules/foundation/gcp.py AUDITED)",
            note="Data Access audit logs are checked on the foundation stack",
        ),
    ),
    "required-tags": (provider_tags_rule("google", "default_labels", "default_labels", "labels"),),
    "no-wildcard-iam": (
        table_rule(
            {**dict.fromkeys(_GCP_IAM_TYPES, _gcp_iam), "google_bigquery_dataset": _bq_access_primitive},
            lambda _: "grant a predefined or custom role with only the permissions needed",
            note="no IAM grant or dataset access list",
        ),
    ),
    "deletion-protection": (
        deletion_protection_rule(
            GCP_STATEFUL,
            {
                "google_storage_bucket": "force_destroy",
                "google_bigquery_dataset": "delete_contents_on_destroy",
            },
        ),
        _deletion_policy_rule,
    ),
    "private-networking": (
        table_rule(
            _PRIVATE,
            private_fix,
            note="no Composer environment, Kafka cluster, Vertex endpoint, subnetwork or Cloud SQL instance",
        ),
    ),
}
